using Orleans.Concurrency;
using Sentinel.Grains.ServiceApps;

namespace Sentinel.Grains.Authorization;

/// <summary>
/// Index reads by primary or unique key (SQL in <see cref="AuthorizationLookupStore"/>). A resource's workspace never
/// changes, so routing on a row read here is safe: the workspace grain then decides from memory, and answers "not
/// found" if the row went away in between.
/// </summary>
[StatelessWorker]
internal sealed class AuthorizationLookupGrain(AuthorizationLookupStore store) : Grain, IAuthorizationLookupGrain
{
    public Task<ResourceLocation?> FindPermissionAsync(Guid permissionId, CancellationToken cancellationToken) =>
        store.FindPermissionAsync(permissionId, cancellationToken);

    public Task<ResourceLocation?> FindResourceAsync(ResourceRef resource, CancellationToken cancellationToken) =>
        store.FindResourceAsync(resource, cancellationToken);

    public Task<ServiceKeyIdentity?> FindServiceByOriginAsync(string origin, CancellationToken cancellationToken) =>
        store.FindServiceByOriginAsync(origin, cancellationToken);

    public Task<bool> IsAllowedRedirectOriginAsync(string origin, CancellationToken cancellationToken) =>
        store.IsAllowedRedirectOriginAsync(origin, cancellationToken);
}
