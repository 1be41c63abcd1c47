using Orleans.Concurrency;

namespace Sentinel.Grains.Directory;

/// <summary>List and search reads over the directory tables, from any silo. Use key 0.</summary>
public interface IDirectoryQueryGrain : IGrainWithIntegerKey
{
    /// <summary>The id of the user with this email (case-insensitive), or null.</summary>
    Task<Guid?> FindUserIdByEmailAsync(string email, CancellationToken cancellationToken = default);

    /// <summary>The id of the workspace with this slug, or null.</summary>
    Task<Guid?> FindWorkspaceIdBySlugAsync(string slug, CancellationToken cancellationToken = default);

    /// <summary>Every workspace of the user, in workspace creation order.</summary>
    Task<IReadOnlyList<UserWorkspace>> ListUserWorkspacesAsync(Guid userId, CancellationToken cancellationToken = default);

    /// <summary>Members by join time; <paramref name="query"/> is a case-insensitive substring of name or email.</summary>
    Task<IReadOnlyList<MemberInfo>> ListMembersAsync(Guid workspaceId, string? query, int? limit, CancellationToken cancellationToken = default);

    /// <summary>Groups of the workspace, by creation.</summary>
    Task<IReadOnlyList<GroupInfo>> ListGroupsAsync(Guid workspaceId, CancellationToken cancellationToken = default);

    /// <summary>Members of a group of that workspace; null when the group is not in it.</summary>
    Task<IReadOnlyList<GroupMemberInfo>?> ListGroupMembersAsync(Guid workspaceId, Guid groupId, CancellationToken cancellationToken = default);
}
