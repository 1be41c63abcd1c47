using Orleans.Concurrency;
using Sentinel.Grains.Authorization;
using Sentinel.Grains.ClientApps;
using Sentinel.Grains.ServiceApps;

namespace Sentinel.Grains.Admin;

[StatelessWorker]
internal sealed class AdminDirectoryQueryGrain(AdminDirectoryQueryStore store, ClientAppStore clientApps, ServiceAppStore serviceApps) : Grain, IAdminDirectoryQueryGrain
{
    public Task<Guid?> FindGroupWorkspaceAsync(Guid groupId, CancellationToken cancellationToken) => store.FindGroupWorkspaceAsync(groupId, cancellationToken);

    public Task<Guid?> FindRoleWorkspaceAsync(Guid roleId, CancellationToken cancellationToken) => store.FindRoleWorkspaceAsync(roleId, cancellationToken);

    public Task<Page<AdminAcl>> ListPermissionsAsync(PermissionFilter filter, CancellationToken cancellationToken) => store.ListPermissionsAsync(filter, cancellationToken);

    public Task<AdminAcl?> GetPermissionSummaryAsync(Guid permissionId, CancellationToken cancellationToken) => store.GetPermissionSummaryAsync(permissionId, cancellationToken);

    public Task<IReadOnlyList<ServiceActionInfo>?> ListRoleActionsAsync(Guid roleId, CancellationToken cancellationToken) => store.ListRoleActionsAsync(roleId, cancellationToken);

    public Task<IReadOnlyList<RoleMemberInfo>?> ListRoleMembersAsync(Guid roleId, CancellationToken cancellationToken) => store.ListRoleMembersAsync(roleId, cancellationToken);

    public Task<IReadOnlyList<ClientAppInfo>> ListClientAppsAsync(CancellationToken cancellationToken) => clientApps.ListAsync(cancellationToken);

    public Task<IReadOnlyList<ServiceAppInfo>> ListServiceAppsAsync(CancellationToken cancellationToken) => serviceApps.ListAsync(cancellationToken);
}
