using Orleans.Concurrency;

namespace Sentinel.Grains.Admin;

[StatelessWorker]
internal sealed class AdminQueryGrain(AdminQueryStore store) : Grain, IAdminQueryGrain
{
    public Task<AdminStats> GetStatsAsync(CancellationToken cancellationToken) => store.GetStatsAsync(cancellationToken);

    public Task<Page<ActivityEntry>> ListActivityAsync(ActivityFilter f, CancellationToken cancellationToken) => store.ListActivityAsync(f, cancellationToken);

    public Task<Page<AdminUser>> ListUsersAsync(int page, int pageSize, string? search, CancellationToken cancellationToken) =>
        store.ListUsersAsync(page, pageSize, search, cancellationToken);

    public Task<AdminUserDetail?> GetUserAsync(Guid userId, CancellationToken cancellationToken) => store.GetUserAsync(userId, cancellationToken);

    public Task<Page<AdminWorkspace>> ListWorkspacesAsync(int page, int pageSize, string? search, CancellationToken cancellationToken) =>
        store.ListWorkspacesAsync(page, pageSize, search, cancellationToken);

    public Task<AdminWorkspace?> GetWorkspaceAsync(Guid workspaceId, CancellationToken cancellationToken) => store.GetWorkspaceAsync(workspaceId, cancellationToken);

    public Task<IReadOnlyList<TopWorkspace>> ListAllWorkspacesAsync(CancellationToken cancellationToken) => store.ListAllWorkspacesAsync(cancellationToken);

    public Task<IReadOnlyList<AdminUser>> ExportUsersAsync(DateTimeOffset? afterCreatedAt, Guid? afterId, int limit, CancellationToken cancellationToken) =>
        store.ExportUsersAsync(afterCreatedAt, afterId, limit, cancellationToken);

    public Task<IReadOnlyList<AdminWorkspace>> ExportWorkspacesAsync(DateTimeOffset? afterCreatedAt, Guid? afterId, int limit, CancellationToken cancellationToken) =>
        store.ExportWorkspacesAsync(afterCreatedAt, afterId, limit, cancellationToken);
}
