using Sentinel.Grains.Authorization;

namespace Sentinel.Grains.Directory;

// RBAC writes: roles, the service actions they grant, and their holders (members and groups of this workspace). Each
// commits with its activity row through AuthorizationStore, then changes memory, before it returns.
internal sealed partial class WorkspaceGrain
{
    public Task<Result<RoleInfo, AuthorizationError>> CreateRoleAsync(string name, string? description, Guid? actorId, CancellationToken cancellationToken) => WriteAsync(async () =>
    {
        if (workspace is null) return Deny<RoleInfo>(AuthorizationError.WorkspaceNotFound);
        if (rbac.FindByName(name) is not null) return Deny<RoleInfo>(AuthorizationError.RoleNameTaken);
        var id = Guid.NewGuid();
        if (await authorizationStore.CreateRoleAsync(Id, id, name, description, actorId, cancellationToken) is not { } created) return Deny<RoleInfo>(AuthorizationError.RoleNameTaken);
        var role = rbac.AddRole(id, name, description, actorId, created);
        return Result<RoleInfo, AuthorizationError>.Ok(rbac.ToInfo(role, Id));
    });

    public Task<Result<RoleInfo, AuthorizationError>> UpdateRoleAsync(Guid roleId, string? name, string? description, bool descriptionSet, Guid? actorId, CancellationToken cancellationToken) => WriteAsync(async () =>
    {
        if (rbac.Find(roleId) is not { } role) return Deny<RoleInfo>(AuthorizationError.RoleNotFound);
        if (name is not null && name != role.Name && rbac.FindByName(name) is not null) return Deny<RoleInfo>(AuthorizationError.RoleNameTaken);
        await authorizationStore.UpdateRoleAsync(Id, roleId, name, description, descriptionSet, name ?? role.Name, actorId, cancellationToken);
        role.Name = name ?? role.Name;
        if (descriptionSet) role.Description = description;
        return Result<RoleInfo, AuthorizationError>.Ok(rbac.ToInfo(role, Id));
    });

    public Task<Result<Done, AuthorizationError>> DeleteRoleAsync(Guid roleId, Guid? actorId, CancellationToken cancellationToken) => WriteAsync(async () =>
    {
        if (rbac.Find(roleId) is not { } role) return Deny<Done>(AuthorizationError.RoleNotFound);
        await authorizationStore.DeleteRoleAsync(Id, roleId, role.Name, actorId, cancellationToken);
        rbac.RemoveRole(role);
        return Result<Done, AuthorizationError>.Ok(Done.Value);
    });

    public Task<Result<Done, AuthorizationError>> AddRoleActionsAsync(Guid roleId, IReadOnlyList<Guid> serviceActionIds, Guid? actorId, CancellationToken cancellationToken) => WriteAsync(async () =>
    {
        if (rbac.Find(roleId) is not { } role) return Deny<Done>(AuthorizationError.RoleNotFound);
        var ids = serviceActionIds.Distinct().ToArray();
        if (ids.FirstOrDefault(role.Actions.Contains) is var held && held != Guid.Empty) return Deny<Done>(AuthorizationError.RoleActionExists, held.ToString());
        var added = await authorizationStore.AddRoleActionsAsync(Id, roleId, ids, actorId, cancellationToken);
        if (!added.IsOk) return Deny<Done>(added.Error!.Value, added.Detail);
        foreach (var (id, name) in added.Value!)
        {
            rbac.DefineAction(id, name.Service, name.Action);
            rbac.Grant(role, id);
        }
        return Result<Done, AuthorizationError>.Ok(Done.Value);
    });

    public Task<Result<Done, AuthorizationError>> RemoveRoleActionAsync(Guid roleId, Guid serviceActionId, Guid? actorId, CancellationToken cancellationToken) => WriteAsync(async () =>
    {
        if (rbac.Find(roleId) is not { } role) return Deny<Done>(AuthorizationError.RoleNotFound);
        if (!role.Actions.Contains(serviceActionId)) return Deny<Done>(AuthorizationError.RoleActionNotFound);
        await authorizationStore.RemoveRoleActionAsync(Id, roleId, serviceActionId, actorId, cancellationToken);
        rbac.Revoke(role, serviceActionId);
        return Result<Done, AuthorizationError>.Ok(Done.Value);
    });

    public Task<Result<Done, AuthorizationError>> AssignUserRoleAsync(Guid roleId, Guid userId, Guid? actorId, CancellationToken cancellationToken) => WriteAsync(async () =>
    {
        if (rbac.Find(roleId) is not { } role) return Deny<Done>(AuthorizationError.RoleNotFound);
        if (!members.ContainsKey(userId)) return Deny<Done>(AuthorizationError.UserNotMember);
        if (role.Users.Contains(userId)) return Deny<Done>(AuthorizationError.UserRoleExists);
        await authorizationStore.AssignRoleAsync(Id, roleId, GranteeType.User, userId, actorId, cancellationToken);
        rbac.AssignUser(role, userId);
        return Result<Done, AuthorizationError>.Ok(Done.Value);
    });

    public Task<Result<Done, AuthorizationError>> UnassignUserRoleAsync(Guid roleId, Guid userId, Guid? actorId, CancellationToken cancellationToken) => WriteAsync(async () =>
    {
        if (rbac.Find(roleId) is not { } role) return Deny<Done>(AuthorizationError.RoleNotFound);
        if (!role.Users.Contains(userId)) return Deny<Done>(AuthorizationError.UserRoleNotFound);
        await authorizationStore.UnassignRoleAsync(Id, roleId, GranteeType.User, userId, actorId, cancellationToken);
        rbac.UnassignUser(role, userId);
        return Result<Done, AuthorizationError>.Ok(Done.Value);
    });

    public Task<Result<Done, AuthorizationError>> AssignGroupRoleAsync(Guid roleId, Guid groupId, Guid? actorId, CancellationToken cancellationToken) => WriteAsync(async () =>
    {
        if (rbac.Find(roleId) is not { } role) return Deny<Done>(AuthorizationError.RoleNotFound);
        if (!groups.ContainsKey(groupId)) return Deny<Done>(AuthorizationError.GroupNotFound);
        if (role.Groups.Contains(groupId)) return Deny<Done>(AuthorizationError.GroupRoleExists);
        await authorizationStore.AssignRoleAsync(Id, roleId, GranteeType.Group, groupId, actorId, cancellationToken);
        rbac.AssignGroup(role, groupId);
        return Result<Done, AuthorizationError>.Ok(Done.Value);
    });

    public Task<Result<Done, AuthorizationError>> UnassignGroupRoleAsync(Guid roleId, Guid groupId, Guid? actorId, CancellationToken cancellationToken) => WriteAsync(async () =>
    {
        if (rbac.Find(roleId) is not { } role) return Deny<Done>(AuthorizationError.RoleNotFound);
        if (!role.Groups.Contains(groupId)) return Deny<Done>(AuthorizationError.GroupRoleNotFound);
        await authorizationStore.UnassignRoleAsync(Id, roleId, GranteeType.Group, groupId, actorId, cancellationToken);
        rbac.UnassignGroup(role, groupId);
        return Result<Done, AuthorizationError>.Ok(Done.Value);
    });
}
