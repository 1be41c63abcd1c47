namespace Sentinel.Grains.ServiceApps;

/// <summary>One service app (keyed by app id): creation, key rotation and updates go through it.</summary>
public interface IServiceAppGrain : IGrainWithGuidKey
{
    /// <summary>Creates the app with this grain's id and a new key (<c>sk_</c> + 32 random bytes); the key is returned once.</summary>
    Task<Result<ServiceAppWithKey, ServiceAppError>> CreateAsync(string name, string serviceName, IReadOnlyList<string> allowedOrigins, IReadOnlyList<string> allowedIdpAudiences, Guid? actorId, CancellationToken cancellationToken = default);

    /// <summary>The app, or null.</summary>
    Task<ServiceAppInfo?> GetAsync(CancellationToken cancellationToken = default);

    /// <summary>Replaces the key: the old one stops working at once, on every silo.</summary>
    Task<Result<ServiceAppWithKey, ServiceAppError>> RotateKeyAsync(Guid? actorId, CancellationToken cancellationToken = default);

    /// <summary>Updates fields given (null leaves a field as it is).</summary>
    Task<Result<ServiceAppInfo, ServiceAppError>> UpdateAsync(string? name, bool? isActive, IReadOnlyList<string>? allowedOrigins, IReadOnlyList<string>? allowedIdpAudiences, Guid? actorId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the app: its key stops working at once, on every silo, and every ACL of its service is purged (the
    /// service's actions stay). Returns how many ACLs were purged.
    /// </summary>
    Task<Result<int, ServiceAppError>> DeleteAsync(Guid? actorId, CancellationToken cancellationToken = default);
}

/// <summary>
/// One service key (keyed by the lowercase hex SHA-256 of the key): resolves <c>X-Service-Key</c> from memory.
/// Caches the app; records use in memory and writes <c>last_used_at</c> in batches.
/// </summary>
public interface IServiceKeyGrain : IGrainWithStringKey
{
    /// <summary>The active app the key belongs to, or null for an unknown, rotated or inactive key.</summary>
    Task<ServiceKeyIdentity?> ResolveAsync(CancellationToken cancellationToken = default);

    /// <summary>Drops the cached app, so the next resolve reads the table again (after rotation or updates).</summary>
    Task InvalidateAsync(CancellationToken cancellationToken = default);
}
