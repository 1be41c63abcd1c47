namespace Sentinel.Grains.ServiceApps;

internal sealed class ServiceAppGrain(ServiceAppStore store) : Grain, IServiceAppGrain
{
    private Guid Id => this.GetPrimaryKey();

    public async Task<Result<ServiceAppWithKey, ServiceAppError>> CreateAsync(string name, string serviceName, IReadOnlyList<string> allowedOrigins, IReadOnlyList<string> allowedIdpAudiences, Guid? actorId, CancellationToken cancellationToken)
    {
        var key = ServiceKeys.NewKey();
        var app = await store.CreateAsync(Id, name, serviceName, ServiceKeys.Hash(key), ServiceKeys.DisplayPrefix(key), allowedOrigins, allowedIdpAudiences, actorId, cancellationToken);
        if (app is null) return Result<ServiceAppWithKey, ServiceAppError>.Refused(ServiceAppError.ServiceNameTaken);
        // Unlike the original (which rebuilt CORS on every app change but this one), a new app's origins are allowed at once.
        await GrainFactory.GetGrain<Cors.ICorsOriginsGrain>(0).InvalidateAsync(cancellationToken);
        return Result<ServiceAppWithKey, ServiceAppError>.Ok(new ServiceAppWithKey(app, key));
    }

    public Task<ServiceAppInfo?> GetAsync(CancellationToken cancellationToken) => store.GetAsync(Id, cancellationToken);

    public async Task<Result<ServiceAppWithKey, ServiceAppError>> RotateKeyAsync(Guid? actorId, CancellationToken cancellationToken)
    {
        var key = ServiceKeys.NewKey();
        if (await store.RotateKeyAsync(Id, ServiceKeys.Hash(key), ServiceKeys.DisplayPrefix(key), actorId, cancellationToken) is not { } rotated)
            return Result<ServiceAppWithKey, ServiceAppError>.Refused(ServiceAppError.NotFound);
        // The old key's grain holds the app in memory: drop it, so the old key dies at once.
        await GrainFactory.GetGrain<IServiceKeyGrain>(rotated.OldKeyHash).InvalidateAsync(cancellationToken);
        await KeyChangedAsync(rotated.OldKeyHash, cancellationToken);
        return Result<ServiceAppWithKey, ServiceAppError>.Ok(new ServiceAppWithKey(rotated.App, key));
    }

    public async Task<Result<ServiceAppInfo, ServiceAppError>> UpdateAsync(string? name, bool? isActive, IReadOnlyList<string>? allowedOrigins, IReadOnlyList<string>? allowedIdpAudiences, Guid? actorId, CancellationToken cancellationToken)
    {
        if (await store.UpdateAsync(Id, name, isActive, allowedOrigins, allowedIdpAudiences, actorId, cancellationToken) is not { } updated)
            return Result<ServiceAppInfo, ServiceAppError>.Refused(ServiceAppError.NotFound);
        await GrainFactory.GetGrain<IServiceKeyGrain>(updated.KeyHash).InvalidateAsync(cancellationToken);
        await KeyChangedAsync(updated.KeyHash, cancellationToken);
        await GrainFactory.GetGrain<Cors.ICorsOriginsGrain>(0).InvalidateAsync(cancellationToken);
        return Result<ServiceAppInfo, ServiceAppError>.Ok(updated.App);
    }

    public async Task<Result<int, ServiceAppError>> DeleteAsync(Guid? actorId, CancellationToken cancellationToken)
    {
        if (await store.DeleteAsync(Id, actorId, cancellationToken) is not { } deleted) return Result<int, ServiceAppError>.Refused(ServiceAppError.NotFound);
        // The key dies first, then the service's ACLs go; the registry reloads every workspace they were in.
        await GrainFactory.GetGrain<IServiceKeyGrain>(deleted.KeyHash).InvalidateAsync(cancellationToken);
        await KeyChangedAsync(deleted.KeyHash, cancellationToken);
        var purged = await GrainFactory.GetGrain<Authorization.IServiceActionRegistryGrain>(0).PurgeServicePermissionsAsync(deleted.ServiceName, null, cancellationToken);
        return Result<int, ServiceAppError>.Ok(purged);
    }

    /// <summary>
    /// The edge replicas keep key verdicts for at most 500 ms; push tells them at once, so the replica that served the
    /// admin call refuses the old key before the response is sent, and the others within the push's delivery.
    /// </summary>
    private Task KeyChangedAsync(string hash, CancellationToken cancellationToken) =>
        GrainFactory.GetGrain<IServiceKeyWatchGrain>(0).KeyChangedAsync(hash, cancellationToken);
}
