namespace Sentinel.Grains.ServiceApps;

/// <summary>A service app as the contract shows it (never its key).</summary>
[GenerateSerializer, Immutable, Alias("sentinel.ServiceAppInfo")]
public sealed record ServiceAppInfo(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string ServiceName,
    [property: Id(3)] string KeyPrefix,
    [property: Id(4)] bool IsActive,
    [property: Id(5)] IReadOnlyList<string> AllowedOrigins,
    [property: Id(6)] IReadOnlyList<string> AllowedIdpAudiences,
    [property: Id(7)] DateTimeOffset? LastUsedAt,
    [property: Id(8)] Guid? CreatedBy,
    [property: Id(9)] DateTimeOffset CreatedAt,
    [property: Id(10)] DateTimeOffset UpdatedAt);

/// <summary>A service app with its plaintext key, returned once at creation or rotation and never stored.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.ServiceAppWithKey")]
public sealed record ServiceAppWithKey(
    [property: Id(0)] ServiceAppInfo App,
    [property: Id(1)] string ApiKey);

/// <summary>What a valid service key identifies.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.ServiceKeyIdentity")]
public sealed record ServiceKeyIdentity(
    [property: Id(0)] Guid AppId,
    [property: Id(1)] string ServiceName,
    [property: Id(2)] IReadOnlyList<string> AllowedOrigins,
    [property: Id(3)] IReadOnlyList<string> AllowedIdpAudiences);

/// <summary>Why a service-app change was refused.</summary>
public enum ServiceAppError
{
    /// <summary>No such app.</summary>
    NotFound,
    /// <summary>The service name is taken.</summary>
    ServiceNameTaken,
}

