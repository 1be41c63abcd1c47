namespace Sentinel.Grains.Directory;

/// <summary>
/// One workspace (keyed by workspace id): members, groups and their memberships in memory, loaded once from the tables.
/// The single writer for its workspace, so rules such as "the last owner stays" cannot race.
/// Every change is written to PostgreSQL, with an activity row, before the call returns.
/// </summary>
public interface IWorkspaceGrain : IGrainWithGuidKey
{
    /// <summary>Creates the workspace with this grain's id; the owner becomes its first member.</summary>
    Task<Result<WorkspaceInfo, DirectoryError>> CreateAsync(string name, string slug, string? description, Guid ownerId, CancellationToken cancellationToken = default);

    /// <summary>The workspace, or null when it does not exist.</summary>
    Task<WorkspaceInfo?> GetAsync(CancellationToken cancellationToken = default);

    /// <summary>Updates name and/or description (admin and above).</summary>
    Task<Result<WorkspaceInfo, DirectoryError>> UpdateAsync(Actor actor, string? name, string? description, bool descriptionSet, CancellationToken cancellationToken = default);

    /// <summary>Deletes the workspace (owner only); cascades memberships, groups, roles and ACLs.</summary>
    Task<Result<Done, DirectoryError>> DeleteAsync(Actor actor, CancellationToken cancellationToken = default);

    /// <summary>The user's current role here, or null when not a member.</summary>
    Task<WorkspaceRole?> GetRoleAsync(Guid userId, CancellationToken cancellationToken = default);

    /// <summary>The ids of the groups of this workspace the user belongs to.</summary>
    Task<IReadOnlyList<Guid>> GetUserGroupsAsync(Guid userId, CancellationToken cancellationToken = default);

    /// <summary>Adds an existing user (found by email) as a member.</summary>
    Task<Result<MemberInfo, DirectoryError>> InviteAsync(Actor actor, string email, WorkspaceRole role, CancellationToken cancellationToken = default);

    /// <summary>Adds a user by id (admin API).</summary>
    Task<Result<MemberInfo, DirectoryError>> AddMemberAsync(Actor actor, Guid userId, WorkspaceRole role, CancellationToken cancellationToken = default);

    /// <summary>Changes a member's role. The member's sessions are revoked when the role changes.</summary>
    Task<Result<MembershipRow, DirectoryError>> ChangeRoleAsync(Actor actor, Guid userId, WorkspaceRole role, CancellationToken cancellationToken = default);

    /// <summary>Removes a member, with their group memberships here. The member's sessions are revoked.</summary>
    Task<Result<Done, DirectoryError>> RemoveMemberAsync(Actor actor, Guid userId, CancellationToken cancellationToken = default);

    /// <summary>Creates a group.</summary>
    Task<Result<GroupInfo, DirectoryError>> CreateGroupAsync(Actor actor, string name, string? description, CancellationToken cancellationToken = default);

    /// <summary>Updates a group.</summary>
    Task<Result<GroupInfo, DirectoryError>> UpdateGroupAsync(Actor actor, Guid groupId, string? name, string? description, bool descriptionSet, CancellationToken cancellationToken = default);

    /// <summary>Deletes a group and the shares made to it.</summary>
    Task<Result<Done, DirectoryError>> DeleteGroupAsync(Actor actor, Guid groupId, CancellationToken cancellationToken = default);

    /// <summary>Adds a workspace member to a group.</summary>
    Task<Result<Done, DirectoryError>> AddGroupMemberAsync(Actor actor, Guid groupId, Guid userId, CancellationToken cancellationToken = default);

    /// <summary>Removes a user from a group; their sessions are revoked.</summary>
    Task<Result<Done, DirectoryError>> RemoveGroupMemberAsync(Actor actor, Guid groupId, Guid userId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Slug, the user's role and groups in one read, for token issue. Interleaves: it reads memory only, and the session
    /// grain calls it while this grain may be awaiting that session grain (member removal revokes sessions).
    /// </summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<WorkspaceMemberClaims> GetMemberClaimsAsync(Guid userId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Re-reads this workspace's memberships from PostgreSQL (added for the admin bulk import, which writes memberships
    /// in batches with SQL and then asks each workspace it touched to reload). Returns the member count.
    /// </summary>
    Task<int> ReloadMembersAsync(CancellationToken cancellationToken = default);
}
