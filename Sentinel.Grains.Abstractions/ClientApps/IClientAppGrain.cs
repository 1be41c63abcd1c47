namespace Sentinel.Grains.ClientApps;

/// <summary>A client app as the contract shows it.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.ClientAppInfo")]
public sealed record ClientAppInfo(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Name,
    [property: Id(2)] IReadOnlyList<string> RedirectUris,
    [property: Id(3)] bool IsActive,
    [property: Id(4)] Guid? CreatedBy,
    [property: Id(5)] DateTimeOffset CreatedAt,
    [property: Id(6)] DateTimeOffset UpdatedAt);

/// <summary>The answer to a client-app update: the app, and how many refresh families were revoked with it.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.ClientAppUpdated")]
public sealed record ClientAppUpdated(
    [property: Id(0)] ClientAppInfo App,
    [property: Id(1)] int TokensRevoked);

/// <summary>One client app (keyed by app id): the single writer of its row, with an activity row per change.</summary>
public interface IClientAppGrain : IGrainWithGuidKey
{
    /// <summary>Creates the app with this grain's id; null when the id is taken.</summary>
    Task<ClientAppInfo?> CreateAsync(string name, IReadOnlyList<string> redirectUris, Guid? actorId, CancellationToken cancellationToken = default);

    /// <summary>The app, or null.</summary>
    Task<ClientAppInfo?> GetAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Updates the fields given (null leaves one as it is). With <paramref name="revokeSessions"/>, every refresh family
    /// started through this app is revoked, with its live access tokens. Null when there is no such app.
    /// </summary>
    Task<ClientAppUpdated?> UpdateAsync(string? name, IReadOnlyList<string>? redirectUris, bool? isActive, bool revokeSessions, Guid? actorId, CancellationToken cancellationToken = default);

    /// <summary>Deletes the app; false when there was none.</summary>
    Task<bool> DeleteAsync(Guid? actorId, CancellationToken cancellationToken = default);
}
