using Orleans.Concurrency;

namespace Sentinel.Grains.Directory;

[StatelessWorker]
internal sealed class DirectoryQueryGrain(DirectoryQueryStore store) : Grain, IDirectoryQueryGrain
{
    public Task<Guid?> FindUserIdByEmailAsync(string email, CancellationToken cancellationToken) => store.FindUserIdByEmailAsync(email, cancellationToken);

    public Task<Guid?> FindWorkspaceIdBySlugAsync(string slug, CancellationToken cancellationToken) => store.FindWorkspaceIdBySlugAsync(slug, cancellationToken);

    public Task<IReadOnlyList<UserWorkspace>> ListUserWorkspacesAsync(Guid userId, CancellationToken cancellationToken) => store.ListUserWorkspacesAsync(userId, cancellationToken);

    public Task<IReadOnlyList<MemberInfo>> ListMembersAsync(Guid workspaceId, string? query, int? limit, CancellationToken cancellationToken) =>
        store.ListMembersAsync(workspaceId, query, limit, cancellationToken);

    public Task<IReadOnlyList<GroupInfo>> ListGroupsAsync(Guid workspaceId, CancellationToken cancellationToken) => store.ListGroupsAsync(workspaceId, cancellationToken);

    public Task<IReadOnlyList<GroupMemberInfo>?> ListGroupMembersAsync(Guid workspaceId, Guid groupId, CancellationToken cancellationToken) =>
        store.ListGroupMembersAsync(workspaceId, groupId, cancellationToken);
}
