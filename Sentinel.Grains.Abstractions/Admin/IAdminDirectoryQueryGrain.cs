using Sentinel.Grains.Authorization;
using Sentinel.Grains.ClientApps;
using Sentinel.Grains.ServiceApps;

namespace Sentinel.Grains.Admin;

/// <summary>
/// Reads for the admin directory routes (workspaces' groups and roles addressed by their own id, ACL search, RBAC
/// listings, apps), from any silo. Use key 0. Writes never go through here: they go to the grain that owns the data.
/// </summary>
public interface IAdminDirectoryQueryGrain : IGrainWithIntegerKey
{
    /// <summary>The workspace of the group, or null when there is no such group.</summary>
    Task<Guid?> FindGroupWorkspaceAsync(Guid groupId, CancellationToken cancellationToken = default);

    /// <summary>The workspace of the RBAC role, or null when there is no such role.</summary>
    Task<Guid?> FindRoleWorkspaceAsync(Guid roleId, CancellationToken cancellationToken = default);

    /// <summary>ACLs matching the filter, one page, without shares.</summary>
    Task<Page<AdminAcl>> ListPermissionsAsync(PermissionFilter filter, CancellationToken cancellationToken = default);

    /// <summary>The owner's email and share count of one ACL (null when there is no such ACL).</summary>
    Task<AdminAcl?> GetPermissionSummaryAsync(Guid permissionId, CancellationToken cancellationToken = default);

    /// <summary>Service actions a role grants, by service then action; null when there is no such role.</summary>
    Task<IReadOnlyList<ServiceActionInfo>?> ListRoleActionsAsync(Guid roleId, CancellationToken cancellationToken = default);

    /// <summary>Users holding a role, by assignment time; null when there is no such role.</summary>
    Task<IReadOnlyList<RoleMemberInfo>?> ListRoleMembersAsync(Guid roleId, CancellationToken cancellationToken = default);

    /// <summary>Every client app, newest first.</summary>
    Task<IReadOnlyList<ClientAppInfo>> ListClientAppsAsync(CancellationToken cancellationToken = default);

    /// <summary>Every service app, newest first (never a key).</summary>
    Task<IReadOnlyList<ServiceAppInfo>> ListServiceAppsAsync(CancellationToken cancellationToken = default);
}
