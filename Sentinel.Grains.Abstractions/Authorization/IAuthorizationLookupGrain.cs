using Sentinel.Grains.ServiceApps;

namespace Sentinel.Grains.Authorization;

/// <summary>
/// Stateless lookups for the authorization edge, from any silo (use key 0): which workspace holds an ACL, which service
/// app an <c>Origin</c> belongs to, and which redirect origins are allowed. The answers route a request to the
/// workspace grain, which decides from memory.
/// </summary>
public interface IAuthorizationLookupGrain : IGrainWithIntegerKey
{
    /// <summary>The workspace and service of the ACL with this id, or null.</summary>
    Task<ResourceLocation?> FindPermissionAsync(Guid permissionId, CancellationToken cancellationToken = default);

    /// <summary>The workspace of a resource's ACL, or null.</summary>
    Task<ResourceLocation?> FindResourceAsync(ResourceRef resource, CancellationToken cancellationToken = default);

    /// <summary>
    /// The active service app whose <c>allowed_origins</c> lists <paramref name="origin"/> exactly; when several do, the
    /// oldest (by creation, then id), so duplicates resolve the same way every time (the original picked one arbitrarily).
    /// </summary>
    Task<ServiceKeyIdentity?> FindServiceByOriginAsync(string origin, CancellationToken cancellationToken = default);

    /// <summary>
    /// Whether <paramref name="origin"/> (scheme://host[:port]) is an allowed origin of an active service app, or the
    /// origin of a redirect URI of an active client app: where the GitHub IdP proxy may send a token.
    /// </summary>
    Task<bool> IsAllowedRedirectOriginAsync(string origin, CancellationToken cancellationToken = default);
}

/// <summary>
/// Service-wide authorization data (use key 0; stateless): the service-action catalog, and the purges that cut across
/// workspaces. Registration is an idempotent upsert settled by the
/// (service, action) unique constraint, so concurrent registrations from several replicas of a service agree.
/// </summary>
public interface IServiceActionRegistryGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Upserts actions of <paramref name="serviceName"/>: existing ones first (description replaced when one is given),
    /// then new ones, each group in request order. A duplicate in the request is refused.
    /// </summary>
    Task<Result<IReadOnlyList<ServiceActionInfo>, AuthorizationError>> RegisterAsync(string serviceName, IReadOnlyList<ActionDefinition> actions, CancellationToken cancellationToken = default);

    /// <summary>Actions by service then action; all services when <paramref name="serviceName"/> is null.</summary>
    Task<IReadOnlyList<ServiceActionInfo>> ListAsync(string? serviceName, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes a service action (admin API). Roles lose it in the table by cascade; every workspace whose roles granted
    /// it reloads before this returns, so no check grants it afterwards. False when there was no such action.
    /// </summary>
    Task<bool> DeleteAsync(Guid serviceActionId, Audit? audit = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes every ACL of a service, in all workspaces (service-app deletion, admin purge); the affected workspaces
    /// reload before this returns. Returns how many ACLs were deleted.
    /// </summary>
    Task<int> PurgeServicePermissionsAsync(string serviceName, Audit? audit = null, CancellationToken cancellationToken = default);
}
