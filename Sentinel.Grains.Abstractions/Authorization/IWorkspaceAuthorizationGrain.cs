using Orleans.Concurrency;
using Sentinel.Grains.Directory;

namespace Sentinel.Grains.Authorization;

/// <summary>
/// Authorization of one workspace (keyed by workspace id), answered from memory. The same activation as
/// <see cref="IWorkspaceGrain"/>: members, groups, RBAC roles and ACLs are one aggregate with one writer, so a
/// membership change and the grants it removes are applied together, and no check runs against a half-applied write.
/// <para>
/// Reads are <see cref="AlwaysInterleaveAttribute"/>: they finish in one turn without awaiting, so they never observe a
/// write between its database commit and its memory update, and they do not queue behind a write's I/O. A write
/// commits to PostgreSQL first and updates memory before it returns: a check that starts after the write returns sees it.
/// </para>
/// </summary>
public interface IWorkspaceAuthorizationGrain : IGrainWithGuidKey
{
    /// <summary>
    /// Evaluates each check in order (docs/authorization.md, the check). The caller's role is the stricter of <see cref="Actor.TokenRole"/> and the
    /// current membership, and groups are the current group memberships (authz tokens carry none); a non-member is
    /// denied everything.
    /// </summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<bool>> CheckPermissionsAsync(Actor caller, IReadOnlyList<AclCheck> checks, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>/permissions/check</c> in the edge's one call (no gateway hop): the answer as <see cref="CheckPermissionsAsync"/>
    /// gives it, returned only when the token is neither revoked nor its user deactivated (asked of
    /// <see cref="Sentinel.Grains.Sessions.IUserSessionGrain"/> inside the silo, in parallel with the evaluation). The edge
    /// calls it only when every other refusal is already settled locally: its key verdict names the service, every check
    /// names that service, and an authz token's <c>svc</c> is that service.
    /// <para>Arrays, not interfaces, in and out: a value whose type is the declared one is serialised without its type
    /// name, which the receiving side would otherwise parse and check on every call.</para>
    /// </summary>
    [AlwaysInterleave]
    Task<Result<bool[], ServiceCallRefusal>> CheckPermissionsForTokenAsync(CheckCaller caller, AclCheck[] checks, CancellationToken cancellationToken = default);

    /// <summary><c>/roles/check-action</c> in the edge's one call, under the same rule as <see cref="CheckPermissionsForTokenAsync"/>
    /// (and the request's workspace is the token's, this one).</summary>
    [AlwaysInterleave]
    Task<Result<ActionCheck, ServiceCallRefusal>> CheckActionForTokenAsync(CheckCaller caller, string serviceName, string action, CancellationToken cancellationToken = default);

    /// <summary>Resources of one service and type the caller may act on (docs/authorization.md).</summary>
    [AlwaysInterleave]
    Task<AccessibleResources> GetAccessibleAsync(Actor caller, string serviceName, string resourceType, AclPermission action, int? limit, CancellationToken cancellationToken = default);

    /// <summary>Whether a role of the member (assigned to them or to one of their groups) grants the action.</summary>
    [AlwaysInterleave]
    Task<ActionCheck> CheckActionAsync(Guid userId, string serviceName, string action, CancellationToken cancellationToken = default);

    /// <summary>Distinct actions of one service the member's roles grant.</summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<string>> GetUserActionsAsync(Guid userId, string serviceName, CancellationToken cancellationToken = default);

    /// <summary>The workspace, the member's role and their actions for <paramref name="serviceName"/>; null for a non-member or unknown workspace.</summary>
    [AlwaysInterleave]
    Task<AuthzContext?> GetAuthzContextAsync(Guid userId, string serviceName, CancellationToken cancellationToken = default);

    /// <summary>The ACL of a resource of this workspace, or null.</summary>
    [AlwaysInterleave]
    Task<AclInfo?> GetResourceAsync(ResourceRef resource, CancellationToken cancellationToken = default);

    /// <summary>The ACL with this id, when it belongs to this workspace; else null.</summary>
    [AlwaysInterleave]
    Task<AclInfo?> GetPermissionAsync(Guid permissionId, CancellationToken cancellationToken = default);

    /// <summary>The ACL with owner, grantee and granter names; null when the resource is not in this workspace.</summary>
    [AlwaysInterleave]
    Task<EnrichedAcl?> GetEnrichedResourceAsync(ResourceRef resource, CancellationToken cancellationToken = default);

    /// <summary>
    /// Registers a resource. An existing row of this workspace and owner is returned unchanged (idempotent); one of
    /// another workspace or owner is a <see cref="AuthorizationError.ResourceConflict"/>.
    /// </summary>
    Task<Result<AclInfo, AuthorizationError>> RegisterResourceAsync(ResourceRef resource, Guid ownerId, AclVisibility visibility, Audit? audit = null, CancellationToken cancellationToken = default);

    /// <summary>Changes a resource's visibility.</summary>
    Task<Result<AclInfo, AuthorizationError>> SetVisibilityAsync(Guid permissionId, AclVisibility visibility, Audit? audit = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Shares with a member or a group, or changes an existing share's level (view ↔ edit, which the original could not). With a
    /// <paramref name="sharer"/>, only the owner or a workspace admin or owner may share; null skips that rule (admin API).
    /// </summary>
    Task<Result<AclShareInfo, AuthorizationError>> ShareAsync(Guid permissionId, Actor? sharer, GranteeType granteeType, Guid granteeId, AclPermission permission, Audit? audit = null, CancellationToken cancellationToken = default);

    /// <summary>Removes a share.</summary>
    Task<Result<Done, AuthorizationError>> UnshareAsync(Guid permissionId, GranteeType granteeType, Guid granteeId, Audit? audit = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes a resource's ACL and its shares.</summary>
    Task<Result<Done, AuthorizationError>> DeleteResourceAsync(ResourceRef resource, Audit? audit = null, CancellationToken cancellationToken = default);

    /// <summary>RBAC roles of this workspace, by creation.</summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<RoleInfo>> ListRolesAsync(CancellationToken cancellationToken = default);

    /// <summary>Creates a role.</summary>
    Task<Result<RoleInfo, AuthorizationError>> CreateRoleAsync(string name, string? description, Guid? actorId, CancellationToken cancellationToken = default);

    /// <summary>Renames or re-describes a role (null leaves a field as it is).</summary>
    Task<Result<RoleInfo, AuthorizationError>> UpdateRoleAsync(Guid roleId, string? name, string? description, bool descriptionSet, Guid? actorId, CancellationToken cancellationToken = default);

    /// <summary>Deletes a role with its action grants and assignments.</summary>
    Task<Result<Done, AuthorizationError>> DeleteRoleAsync(Guid roleId, Guid? actorId, CancellationToken cancellationToken = default);

    /// <summary>Grants service actions to a role; all or nothing.</summary>
    Task<Result<Done, AuthorizationError>> AddRoleActionsAsync(Guid roleId, IReadOnlyList<Guid> serviceActionIds, Guid? actorId, CancellationToken cancellationToken = default);

    /// <summary>Takes a service action away from a role.</summary>
    Task<Result<Done, AuthorizationError>> RemoveRoleActionAsync(Guid roleId, Guid serviceActionId, Guid? actorId, CancellationToken cancellationToken = default);

    /// <summary>Assigns a role to a workspace member (members only).</summary>
    Task<Result<Done, AuthorizationError>> AssignUserRoleAsync(Guid roleId, Guid userId, Guid? actorId, CancellationToken cancellationToken = default);

    /// <summary>Removes a role from a user.</summary>
    Task<Result<Done, AuthorizationError>> UnassignUserRoleAsync(Guid roleId, Guid userId, Guid? actorId, CancellationToken cancellationToken = default);

    /// <summary>Assigns a role to a group of this workspace: every member of the group gets its actions.</summary>
    Task<Result<Done, AuthorizationError>> AssignGroupRoleAsync(Guid roleId, Guid groupId, Guid? actorId, CancellationToken cancellationToken = default);

    /// <summary>Removes a role from a group.</summary>
    Task<Result<Done, AuthorizationError>> UnassignGroupRoleAsync(Guid roleId, Guid groupId, Guid? actorId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reloads roles and ACLs from the tables. For changes made outside this grain across many workspaces (service-app
    /// deletion purging ACLs, service-action deletion); call it on each affected workspace before acknowledging them.
    /// </summary>
    Task ReloadAuthorizationAsync(CancellationToken cancellationToken = default);

    /// <summary>Sizes of the in-memory state and how long it took to load.</summary>
    [AlwaysInterleave]
    Task<AuthorizationFootprint> GetFootprintAsync(CancellationToken cancellationToken = default);
}
