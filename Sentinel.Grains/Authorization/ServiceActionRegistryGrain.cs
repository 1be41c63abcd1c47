using Orleans.Concurrency;

namespace Sentinel.Grains.Authorization;

/// <summary>
/// The service-action catalog, and the deletions that cut across workspaces (SQL in <see cref="ServiceActionStore"/>).
/// A deletion returns only after every workspace it touched has reloaded, so no check grants what was deleted.
/// </summary>
[StatelessWorker]
internal sealed class ServiceActionRegistryGrain(ServiceActionStore store) : Grain, IServiceActionRegistryGrain
{
    public async Task<Result<IReadOnlyList<ServiceActionInfo>, AuthorizationError>> RegisterAsync(string serviceName, IReadOnlyList<ActionDefinition> actions, CancellationToken cancellationToken)
    {
        var duplicate = actions.GroupBy(a => a.Action, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) return Result<IReadOnlyList<ServiceActionInfo>, AuthorizationError>.Refused(AuthorizationError.DuplicateAction, duplicate.Key);
        if (actions.Count == 0) return Result<IReadOnlyList<ServiceActionInfo>, AuthorizationError>.Ok([]);

        var rows = await store.RegisterAsync(serviceName, actions, cancellationToken);
        // Existing actions first, then new ones, each in request order.
        var order = actions.Select((a, i) => (a.Action, i)).ToDictionary(x => x.Action, x => x.i, StringComparer.Ordinal);
        IReadOnlyList<ServiceActionInfo> result = rows
            .OrderBy(r => r.Inserted)
            .ThenBy(r => order[r.Info.Action])
            .Select(r => r.Info).ToArray();
        return Result<IReadOnlyList<ServiceActionInfo>, AuthorizationError>.Ok(result);
    }

    public async Task<IReadOnlyList<ServiceActionInfo>> ListAsync(string? serviceName, CancellationToken cancellationToken) =>
        await store.ListAsync(serviceName, cancellationToken);

    public async Task<bool> DeleteAsync(Guid serviceActionId, Audit? audit, CancellationToken cancellationToken)
    {
        if (await store.DeleteAsync(serviceActionId, audit, cancellationToken) is not { } affected) return false;
        await ReloadAsync(affected, cancellationToken);
        return true;
    }

    public async Task<int> PurgeServicePermissionsAsync(string serviceName, Audit? audit, CancellationToken cancellationToken)
    {
        var deleted = await store.PurgeServicePermissionsAsync(serviceName, audit, cancellationToken);
        await ReloadAsync(deleted.Distinct().ToArray(), cancellationToken);
        return deleted.Count;
    }

    private async Task ReloadAsync(IReadOnlyCollection<Guid> workspaces, CancellationToken cancellationToken)
    {
        // Bounded fan-out: a purge may touch many workspaces.
        foreach (var chunk in workspaces.Chunk(32))
            await Task.WhenAll(chunk.Select(id => GrainFactory.GetGrain<IWorkspaceAuthorizationGrain>(id).ReloadAuthorizationAsync(cancellationToken)));
    }
}
