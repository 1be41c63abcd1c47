using System.Data;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using Sentinel.Grains.Activity;
using Sentinel.Grains.Authorization;
using Sentinel.Grains.Sessions;
using Sentinel.Grains.Storage;

// The authorization half of the workspace aggregate. It lives in the Directory namespace because it is the same class
// (and the same activation) as WorkspaceGrain.cs: checks need members, groups, roles and ACLs together, and a member's
// removal must take their grants away in the same turn that takes their membership away.
namespace Sentinel.Grains.Directory;

internal sealed partial class WorkspaceGrain : IWorkspaceAuthorizationGrain
{
    private AclIndex acls = new();
    private RoleIndex rbac = new();
    private TimeSpan authorizationLoadTime;

    // Set when a write failed after it may have reached PostgreSQL: memory could then grant what the table no longer
    // does. Reads fail closed (503) until the activation is replaced and reloads from the tables.
    private bool authorizationSuspect;

    // ---- Reads: synchronous, from memory, interleaved (see IWorkspaceAuthorizationGrain).

    public Task<IReadOnlyList<bool>> CheckPermissionsAsync(Actor caller, IReadOnlyList<AclCheck> checks, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<bool>>(Evaluate(caller, checks));

    private bool[] Evaluate(Actor caller, IReadOnlyList<AclCheck> checks)
    {
        EnsureTrusted();
        var results = new bool[checks.Count];
        if (EffectiveRole(caller) is { } role)
        {
            // Group membership is asked per group share met (usually none), not worked out over every group up front.
            var userId = caller.UserId;
            Func<Guid, bool> inGroup = groupId => InGroup(groupId, userId);
            for (var i = 0; i < checks.Count; i++)
                results[i] = acls.Check(userId, role, inGroup, checks[i].Resource, checks[i].Action);
        }
        return results;
    }

    // The answer is computed in the first, synchronous part of the turn (so, like the plain reads, it never sees a write
    // between its commit and its memory update), while the session grain is asked. A revocation refusal comes first, as
    // on the gateway path: a revoked token is refused even while this workspace's state is untrusted (503 otherwise).
    public Task<Result<bool[], ServiceCallRefusal>> CheckPermissionsForTokenAsync(CheckCaller caller, AclCheck[] checks, CancellationToken cancellationToken) =>
        AfterRevocationAsync(caller, () => Evaluate(new Actor(caller.UserId, caller.TokenRole), checks), cancellationToken);

    public Task<Result<ActionCheck, ServiceCallRefusal>> CheckActionForTokenAsync(CheckCaller caller, string serviceName, string action, CancellationToken cancellationToken) =>
        AfterRevocationAsync(caller, () => CheckActionAsync(caller.UserId, serviceName, action, cancellationToken).Result, cancellationToken);

    /// <summary>Evaluates <paramref name="answer"/> (synchronous, from memory) while the token's revocation is asked; the answer only if not refused.</summary>
    private async Task<Result<T, ServiceCallRefusal>> AfterRevocationAsync<T>(CheckCaller caller, Func<T> answer, CancellationToken cancellationToken)
    {
        var session = GrainFactory.GetGrain<IUserSessionGrain>(caller.UserId).CheckAsync(caller.Token, cancellationToken);
        T value = default!;
        System.Runtime.ExceptionServices.ExceptionDispatchInfo? failure = null;
        try
        {
            value = answer();
        }
        catch (Exception ex)
        {
            failure = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex);
        }
        switch (await session)
        {
            case TokenStatus.Revoked: return Result<T, ServiceCallRefusal>.Refused(ServiceCallRefusal.TokenRevoked);
            case TokenStatus.Deactivated: return Result<T, ServiceCallRefusal>.Refused(ServiceCallRefusal.UserDeactivated);
        }
        failure?.Throw();
        return Result<T, ServiceCallRefusal>.Ok(value);
    }

    public Task<AccessibleResources> GetAccessibleAsync(Actor caller, string serviceName, string resourceType, AclPermission action, int? limit, CancellationToken cancellationToken)
    {
        EnsureTrusted();
        if (EffectiveRole(caller) is not { } role) return Task.FromResult(new AccessibleResources([], false));
        return Task.FromResult(acls.Accessible(caller.UserId, role, GroupsOf(caller.UserId), serviceName, resourceType, action, limit));
    }

    public Task<ActionCheck> CheckActionAsync(Guid userId, string serviceName, string action, CancellationToken cancellationToken)
    {
        EnsureTrusted();
        if (workspace is null || !members.ContainsKey(userId)) return Task.FromResult(new ActionCheck(false, []));
        return Task.FromResult(rbac.Check(userId, groupId => InGroup(groupId, userId), serviceName, action));
    }

    public Task<IReadOnlyList<string>> GetUserActionsAsync(Guid userId, string serviceName, CancellationToken cancellationToken)
    {
        EnsureTrusted();
        if (workspace is null || !members.ContainsKey(userId)) return Task.FromResult<IReadOnlyList<string>>([]);
        return Task.FromResult(rbac.ActionsOf(userId, GroupsOf(userId), serviceName));
    }

    public Task<AuthzContext?> GetAuthzContextAsync(Guid userId, string serviceName, CancellationToken cancellationToken)
    {
        EnsureTrusted();
        if (workspace is null || !members.TryGetValue(userId, out var member)) return Task.FromResult<AuthzContext?>(null);
        return Task.FromResult<AuthzContext?>(new AuthzContext(workspace, member.Role, rbac.ActionsOf(userId, GroupsOf(userId), serviceName)));
    }

    public Task<AclInfo?> GetResourceAsync(ResourceRef resource, CancellationToken cancellationToken)
    {
        EnsureTrusted();
        return Task.FromResult(acls.Find(resource) is { } entry ? acls.ToInfo(entry, Id) : null);
    }

    public Task<AclInfo?> GetPermissionAsync(Guid permissionId, CancellationToken cancellationToken)
    {
        EnsureTrusted();
        return Task.FromResult(acls.Find(permissionId) is { } entry ? acls.ToInfo(entry, Id) : null);
    }

    public async Task<EnrichedAcl?> GetEnrichedResourceAsync(ResourceRef resource, CancellationToken cancellationToken)
    {
        EnsureTrusted();
        if (acls.Find(resource) is not { } entry) return null;
        // Snapshot first: the query below awaits, and interleaved writes may change the entry meanwhile.
        var acl = acls.ToInfo(entry, Id);
        var groupNames = acl.Shares.Where(s => s.GranteeType == GranteeType.Group)
            .Select(s => groups.TryGetValue(s.GranteeId, out var g) ? g.Info : null).OfType<GroupInfo>()
            .DistinctBy(g => g.Id).ToDictionary(g => g.Id, g => g.Name);
        var userIds = acl.Shares.Where(s => s.GranteeType == GranteeType.User).Select(s => s.GranteeId)
            .Concat(acl.Shares.Select(s => s.GrantedBy).OfType<Guid>())
            .Concat(acl.OwnerId is { } owner ? [owner] : [])
            .Distinct().ToArray();
        var users = new Dictionary<Guid, UserDisplay>();
        if (userIds.Length > 0)
        {
            await using var cmd = database.CreateCommand("SELECT id, name, email FROM users WHERE id = ANY(@ids)");
            cmd.Parameters.AddWithValue("ids", userIds);
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                users[reader.GetGuid(0)] = new UserDisplay(reader.GetGuid(0), reader.GetString(1), reader.GetString(2));
        }
        return new EnrichedAcl(acl, users, groupNames);
    }

    public Task<IReadOnlyList<RoleInfo>> ListRolesAsync(CancellationToken cancellationToken)
    {
        EnsureTrusted();
        return Task.FromResult<IReadOnlyList<RoleInfo>>(rbac.All.Select(r => rbac.ToInfo(r, Id)).ToArray());
    }

    public Task<AuthorizationFootprint> GetFootprintAsync(CancellationToken cancellationToken) => Task.FromResult(new AuthorizationFootprint(
        members.Count, groups.Count, acls.Count, acls.ShareCount, rbac.Count, rbac.UserAssignments, rbac.GroupAssignments, authorizationLoadTime));

    // ---- ACL writes: PostgreSQL first, then memory, before returning.

    public Task<Result<AclInfo, AuthorizationError>> RegisterResourceAsync(ResourceRef resource, Guid ownerId, AclVisibility visibility, Audit? audit, CancellationToken cancellationToken) => WriteAsync(async () =>
    {
        if (workspace is null) return Deny<AclInfo>(AuthorizationError.WorkspaceNotFound);
        if (acls.Find(resource) is { } existing)
        {
            // Idempotent for the same owner; another owner is a conflict, not a silent success (D20).
            return existing.OwnerId == ownerId ? Result<AclInfo, AuthorizationError>.Ok(acls.ToInfo(existing, Id)) : Deny<AclInfo>(AuthorizationError.ResourceConflict);
        }
        var id = Guid.NewGuid();
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        DateTimeOffset createdAt;
        try
        {
            await using var cmd = new NpgsqlCommand(
                "INSERT INTO resource_permissions (id, service_name, resource_type, resource_id, workspace_id, owner_id, visibility) " +
                "VALUES (@id, @service, @type, @resource, @ws, @owner, @visibility) " +
                "ON CONFLICT (service_name, resource_type, resource_id) DO NOTHING RETURNING created_at", connection, tx);
            cmd.Parameters.AddWithValue("id", id);
            cmd.Parameters.AddWithValue("service", resource.ServiceName);
            cmd.Parameters.AddWithValue("type", resource.ResourceType);
            cmd.Parameters.AddWithValue("resource", resource.ResourceId);
            cmd.Parameters.AddWithValue("ws", Id);
            cmd.Parameters.AddWithValue("owner", ownerId);
            cmd.Parameters.AddWithValue("visibility", visibility.ToName());
            // Not in this workspace's memory but in the table: it belongs to another workspace.
            if (await cmd.ExecuteScalarAsync(cancellationToken) is not DateTime created) return Deny<AclInfo>(AuthorizationError.ResourceConflict);
            createdAt = new DateTimeOffset(created, TimeSpan.Zero);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            return Deny<AclInfo>(AuthorizationError.OwnerNotFound);
        }
        await AuditAsync(connection, tx, audit, "resource_permission", id, new { service_name = resource.ServiceName, resource_type = resource.ResourceType }, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        var entry = acls.Add(id, resource.ServiceName, resource.ResourceType, resource.ResourceId, ownerId, visibility, createdAt);
        return Result<AclInfo, AuthorizationError>.Ok(acls.ToInfo(entry, Id));
    });

    public Task<Result<AclInfo, AuthorizationError>> SetVisibilityAsync(Guid permissionId, AclVisibility visibility, Audit? audit, CancellationToken cancellationToken) => WriteAsync(async () =>
    {
        if (acls.Find(permissionId) is not { } entry) return Deny<AclInfo>(AuthorizationError.PermissionNotFound);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await using (var cmd = new NpgsqlCommand("UPDATE resource_permissions SET visibility = @visibility WHERE id = @id", connection, tx))
        {
            cmd.Parameters.AddWithValue("id", permissionId);
            cmd.Parameters.AddWithValue("visibility", visibility.ToName());
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }
        await AuditAsync(connection, tx, audit, "resource_permission", permissionId, new { visibility = visibility.ToName() }, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        entry.Visibility = visibility;
        return Result<AclInfo, AuthorizationError>.Ok(acls.ToInfo(entry, Id));
    });

    public Task<Result<AclShareInfo, AuthorizationError>> ShareAsync(Guid permissionId, Actor? sharer, GranteeType granteeType, Guid granteeId, AclPermission permission, Audit? audit, CancellationToken cancellationToken) => WriteAsync(async () =>
    {
        if (acls.Find(permissionId) is not { } entry) return Deny<AclShareInfo>(AuthorizationError.PermissionNotFound);
        if (sharer is not null)
        {
            // Decided on current membership as well as the token: a demoted or removed sharer is refused at once.
            var role = EffectiveRole(sharer);
            if (role is null || (entry.OwnerId != sharer.UserId && role < WorkspaceRole.Admin)) return Deny<AclShareInfo>(AuthorizationError.NotOwnerOrAdmin);
        }
        if (granteeType == GranteeType.User && !members.ContainsKey(granteeId)) return Deny<AclShareInfo>(AuthorizationError.GranteeNotMember);
        if (granteeType == GranteeType.Group && !groups.ContainsKey(granteeId)) return Deny<AclShareInfo>(AuthorizationError.GroupNotInWorkspace);

        var grantedBy = sharer?.UserId ?? audit?.ActorId;
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        Guid shareId;
        DateTimeOffset grantedAt;
        await using (var cmd = new NpgsqlCommand(
            "INSERT INTO resource_shares (id, resource_permission_id, grantee_type, grantee_id, permission, granted_by) " +
            "VALUES (@id, @permission_id, @type, @grantee, @permission, @granted_by) " +
            "ON CONFLICT (resource_permission_id, grantee_type, grantee_id) DO UPDATE SET permission = EXCLUDED.permission, granted_by = EXCLUDED.granted_by, granted_at = now() " +
            "RETURNING id, granted_at", connection, tx))
        {
            cmd.Parameters.AddWithValue("id", Guid.NewGuid());
            cmd.Parameters.AddWithValue("permission_id", permissionId);
            cmd.Parameters.AddWithValue("type", granteeType.ToName());
            cmd.Parameters.AddWithValue("grantee", granteeId);
            cmd.Parameters.AddWithValue("permission", permission.ToName());
            cmd.Parameters.AddWithValue("granted_by", (object?)grantedBy ?? DBNull.Value);
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            shareId = reader.GetGuid(0);
            grantedAt = reader.GetFieldValue<DateTimeOffset>(1);
        }
        await AuditAsync(connection, tx, audit, "resource_permission", permissionId, new { grantee_type = granteeType.ToName(), grantee_id = granteeId, permission = permission.ToName() }, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        var share = acls.Upsert(entry, shareId, granteeType, granteeId, permission, grantedBy, grantedAt);
        return Result<AclShareInfo, AuthorizationError>.Ok(share.ToInfo());
    });

    public Task<Result<Done, AuthorizationError>> UnshareAsync(Guid permissionId, GranteeType granteeType, Guid granteeId, Audit? audit, CancellationToken cancellationToken) => WriteAsync(async () =>
    {
        if (acls.Find(permissionId) is not { } entry) return Deny<Done>(AuthorizationError.PermissionNotFound);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await using (var cmd = new NpgsqlCommand(
            "DELETE FROM resource_shares WHERE resource_permission_id = @id AND grantee_type = @type AND grantee_id = @grantee", connection, tx))
        {
            cmd.Parameters.AddWithValue("id", permissionId);
            cmd.Parameters.AddWithValue("type", granteeType.ToName());
            cmd.Parameters.AddWithValue("grantee", granteeId);
            if (await cmd.ExecuteNonQueryAsync(cancellationToken) == 0) return Deny<Done>(AuthorizationError.ShareNotFound);
        }
        await AuditAsync(connection, tx, audit, "resource_permission", permissionId, new { grantee_type = granteeType.ToName(), grantee_id = granteeId }, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        acls.RemoveShare(entry, granteeType, granteeId);
        return Result<Done, AuthorizationError>.Ok(Done.Value);
    });

    public Task<Result<Done, AuthorizationError>> DeleteResourceAsync(ResourceRef resource, Audit? audit, CancellationToken cancellationToken) => WriteAsync(async () =>
    {
        if (acls.Find(resource) is not { } entry) return Deny<Done>(AuthorizationError.ResourceNotFound);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await using (var cmd = new NpgsqlCommand("DELETE FROM resource_permissions WHERE id = @id", connection, tx))
        {
            cmd.Parameters.AddWithValue("id", entry.Id);
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }
        await AuditAsync(connection, tx, audit, "resource_permission", entry.Id, new { service_name = resource.ServiceName, resource_type = resource.ResourceType }, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        acls.Remove(entry);
        return Result<Done, AuthorizationError>.Ok(Done.Value);
    });

    // ---- RBAC writes.

    public Task<Result<RoleInfo, AuthorizationError>> CreateRoleAsync(string name, string? description, Guid? actorId, CancellationToken cancellationToken) => WriteAsync(async () =>
    {
        if (workspace is null) return Deny<RoleInfo>(AuthorizationError.WorkspaceNotFound);
        if (rbac.FindByName(name) is not null) return Deny<RoleInfo>(AuthorizationError.RoleNameTaken);
        var id = Guid.NewGuid();
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        DateTime created;
        await using (var cmd = new NpgsqlCommand(
            "INSERT INTO roles (id, workspace_id, name, description, created_by) VALUES (@id, @ws, @name, @description, @actor) ON CONFLICT DO NOTHING RETURNING created_at", connection, tx))
        {
            cmd.Parameters.AddWithValue("id", id);
            cmd.Parameters.AddWithValue("ws", Id);
            cmd.Parameters.AddWithValue("name", name);
            cmd.Parameters.AddWithValue("description", (object?)description ?? DBNull.Value);
            cmd.Parameters.AddWithValue("actor", (object?)actorId ?? DBNull.Value);
            if (await cmd.ExecuteScalarAsync(cancellationToken) is not DateTime at) return Deny<RoleInfo>(AuthorizationError.RoleNameTaken);
            created = at;
        }
        await ActivityLog.WriteAsync(connection, tx, "role_created", actorId, "role", id, Id, new { name }, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        var role = rbac.AddRole(id, name, description, actorId, new DateTimeOffset(created, TimeSpan.Zero));
        return Result<RoleInfo, AuthorizationError>.Ok(rbac.ToInfo(role, Id));
    });

    public Task<Result<RoleInfo, AuthorizationError>> UpdateRoleAsync(Guid roleId, string? name, string? description, bool descriptionSet, Guid? actorId, CancellationToken cancellationToken) => WriteAsync(async () =>
    {
        if (rbac.Find(roleId) is not { } role) return Deny<RoleInfo>(AuthorizationError.RoleNotFound);
        if (name is not null && name != role.Name && rbac.FindByName(name) is not null) return Deny<RoleInfo>(AuthorizationError.RoleNameTaken);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await using (var cmd = new NpgsqlCommand(
            "UPDATE roles SET name = COALESCE(@name, name), description = CASE WHEN @set THEN @description ELSE description END WHERE id = @id", connection, tx))
        {
            cmd.Parameters.AddWithValue("id", roleId);
            cmd.Parameters.AddWithValue("name", (object?)name ?? DBNull.Value);
            cmd.Parameters.AddWithValue("set", descriptionSet);
            cmd.Parameters.AddWithValue("description", (object?)description ?? DBNull.Value);
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }
        await ActivityLog.WriteAsync(connection, tx, "role_updated", actorId, "role", roleId, Id, new { name = name ?? role.Name }, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        role.Name = name ?? role.Name;
        if (descriptionSet) role.Description = description;
        return Result<RoleInfo, AuthorizationError>.Ok(rbac.ToInfo(role, Id));
    });

    public Task<Result<Done, AuthorizationError>> DeleteRoleAsync(Guid roleId, Guid? actorId, CancellationToken cancellationToken) => WriteAsync(async () =>
    {
        if (rbac.Find(roleId) is not { } role) return Deny<Done>(AuthorizationError.RoleNotFound);
        await ExecuteAsync("DELETE FROM roles WHERE id = @role", roleId, null, "role_deleted", actorId, new { name = role.Name }, cancellationToken);
        rbac.RemoveRole(role);
        return Result<Done, AuthorizationError>.Ok(Done.Value);
    });

    public Task<Result<Done, AuthorizationError>> AddRoleActionsAsync(Guid roleId, IReadOnlyList<Guid> serviceActionIds, Guid? actorId, CancellationToken cancellationToken) => WriteAsync(async () =>
    {
        if (rbac.Find(roleId) is not { } role) return Deny<Done>(AuthorizationError.RoleNotFound);
        var ids = serviceActionIds.Distinct().ToArray();
        if (ids.FirstOrDefault(role.Actions.Contains) is var held && held != Guid.Empty) return Deny<Done>(AuthorizationError.RoleActionExists, held.ToString());
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var found = new Dictionary<Guid, (string Service, string Action)>();
        await using (var cmd = new NpgsqlCommand("SELECT id, service_name, action FROM service_actions WHERE id = ANY(@ids) FOR SHARE", connection, tx))
        {
            cmd.Parameters.AddWithValue("ids", ids);
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) found[reader.GetGuid(0)] = (reader.GetString(1), reader.GetString(2));
        }
        if (ids.FirstOrDefault(id => !found.ContainsKey(id)) is var missing && missing != Guid.Empty)
            return Deny<Done>(AuthorizationError.ServiceActionNotFound, missing.ToString());
        await using (var cmd = new NpgsqlCommand(
            "INSERT INTO role_actions (id, role_id, service_action_id) SELECT gen_random_uuid(), @role, unnest(@ids)", connection, tx))
        {
            cmd.Parameters.AddWithValue("role", roleId);
            cmd.Parameters.AddWithValue("ids", ids);
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }
        foreach (var id in ids)
            await ActivityLog.WriteAsync(connection, tx, "role_action_added", actorId, "role", roleId, Id, new { service_action_id = id }, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        foreach (var (id, name) in found)
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
        await ExecuteAsync("DELETE FROM role_actions WHERE role_id = @role AND service_action_id = @other", roleId, serviceActionId,
            "role_action_removed", actorId, new { service_action_id = serviceActionId }, cancellationToken);
        rbac.Revoke(role, serviceActionId);
        return Result<Done, AuthorizationError>.Ok(Done.Value);
    });

    public Task<Result<Done, AuthorizationError>> AssignUserRoleAsync(Guid roleId, Guid userId, Guid? actorId, CancellationToken cancellationToken) => WriteAsync(async () =>
    {
        if (rbac.Find(roleId) is not { } role) return Deny<Done>(AuthorizationError.RoleNotFound);
        if (!members.ContainsKey(userId)) return Deny<Done>(AuthorizationError.UserNotMember);
        if (role.Users.Contains(userId)) return Deny<Done>(AuthorizationError.UserRoleExists);
        await ExecuteAsync("INSERT INTO user_roles (id, user_id, role_id, assigned_by) VALUES (gen_random_uuid(), @other, @role, @actor)", roleId, userId,
            "role_member_added", actorId, new { user_id = userId }, cancellationToken);
        rbac.AssignUser(role, userId);
        return Result<Done, AuthorizationError>.Ok(Done.Value);
    });

    public Task<Result<Done, AuthorizationError>> UnassignUserRoleAsync(Guid roleId, Guid userId, Guid? actorId, CancellationToken cancellationToken) => WriteAsync(async () =>
    {
        if (rbac.Find(roleId) is not { } role) return Deny<Done>(AuthorizationError.RoleNotFound);
        if (!role.Users.Contains(userId)) return Deny<Done>(AuthorizationError.UserRoleNotFound);
        await ExecuteAsync("DELETE FROM user_roles WHERE role_id = @role AND user_id = @other", roleId, userId,
            "role_member_removed", actorId, new { user_id = userId }, cancellationToken);
        rbac.UnassignUser(role, userId);
        return Result<Done, AuthorizationError>.Ok(Done.Value);
    });

    public Task<Result<Done, AuthorizationError>> AssignGroupRoleAsync(Guid roleId, Guid groupId, Guid? actorId, CancellationToken cancellationToken) => WriteAsync(async () =>
    {
        if (rbac.Find(roleId) is not { } role) return Deny<Done>(AuthorizationError.RoleNotFound);
        if (!groups.ContainsKey(groupId)) return Deny<Done>(AuthorizationError.GroupNotFound);
        if (role.Groups.Contains(groupId)) return Deny<Done>(AuthorizationError.GroupRoleExists);
        await ExecuteAsync("INSERT INTO group_roles (id, group_id, role_id, assigned_by) VALUES (gen_random_uuid(), @other, @role, @actor)", roleId, groupId,
            "role_group_added", actorId, new { group_id = groupId }, cancellationToken);
        rbac.AssignGroup(role, groupId);
        return Result<Done, AuthorizationError>.Ok(Done.Value);
    });

    public Task<Result<Done, AuthorizationError>> UnassignGroupRoleAsync(Guid roleId, Guid groupId, Guid? actorId, CancellationToken cancellationToken) => WriteAsync(async () =>
    {
        if (rbac.Find(roleId) is not { } role) return Deny<Done>(AuthorizationError.RoleNotFound);
        if (!role.Groups.Contains(groupId)) return Deny<Done>(AuthorizationError.GroupRoleNotFound);
        await ExecuteAsync("DELETE FROM group_roles WHERE role_id = @role AND group_id = @other", roleId, groupId,
            "role_group_removed", actorId, new { group_id = groupId }, cancellationToken);
        rbac.UnassignGroup(role, groupId);
        return Result<Done, AuthorizationError>.Ok(Done.Value);
    });

    public async Task ReloadAuthorizationAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await LoadAuthorizationAsync(connection, cancellationToken);
    }

    // ---- Hooks called by the directory half (WorkspaceGrain.cs), in the same turn as the change they follow.

    /// <summary>A member left: the tables already dropped their shares and role assignments here.</summary>
    private void ForgetMemberGrants(Guid userId)
    {
        acls.RemoveGrantee(GranteeType.User, userId);
        rbac.ForgetUser(userId);
    }

    /// <summary>A group was deleted: its shares were deleted with it and its role assignments cascaded.</summary>
    private void ForgetGroupGrants(Guid groupId)
    {
        acls.RemoveGrantee(GranteeType.Group, groupId);
        rbac.ForgetGroup(groupId);
    }

    private void ClearAuthorization()
    {
        acls = new AclIndex();
        rbac = new RoleIndex();
    }

    /// <summary>
    /// Loads ACLs and RBAC in one snapshot (repeatable read), streaming rows, into new indexes that replace the old ones
    /// only when complete: an interleaved check never sees a half-loaded state.
    /// </summary>
    private async Task LoadAuthorizationAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var newAcls = new AclIndex();
        var newRbac = new RoleIndex();
        await using (var tx = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken))
        {
            await ReadAsync("SELECT id, service_name, resource_type, resource_id, owner_id, visibility, created_at FROM resource_permissions WHERE workspace_id = @ws", r =>
                newAcls.Add(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetGuid(3), r.IsDBNull(4) ? null : r.GetGuid(4),
                    r.GetString(5) == "private" ? AclVisibility.Private : AclVisibility.Workspace, r.GetFieldValue<DateTimeOffset>(6)));
            await ReadAsync(
                "SELECT s.id, s.resource_permission_id, s.grantee_type, s.grantee_id, s.permission, s.granted_by, s.granted_at " +
                "FROM resource_shares s JOIN resource_permissions p ON p.id = s.resource_permission_id WHERE p.workspace_id = @ws", r =>
                {
                    if (newAcls.Find(r.GetGuid(1)) is { } entry)
                        newAcls.Upsert(entry, r.GetGuid(0), r.GetString(2) == "group" ? GranteeType.Group : GranteeType.User, r.GetGuid(3),
                            r.GetString(4) == "edit" ? AclPermission.Edit : AclPermission.View, r.IsDBNull(5) ? null : r.GetGuid(5), r.GetFieldValue<DateTimeOffset>(6));
                });
            await ReadAsync("SELECT id, name, description, created_by, created_at FROM roles WHERE workspace_id = @ws", r =>
                newRbac.AddRole(r.GetGuid(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.IsDBNull(3) ? null : r.GetGuid(3), r.GetFieldValue<DateTimeOffset>(4)));
            await ReadAsync(
                "SELECT ra.role_id, sa.id, sa.service_name, sa.action FROM role_actions ra JOIN roles r ON r.id = ra.role_id " +
                "JOIN service_actions sa ON sa.id = ra.service_action_id WHERE r.workspace_id = @ws", r =>
                {
                    newRbac.DefineAction(r.GetGuid(1), r.GetString(2), r.GetString(3));
                    if (newRbac.Find(r.GetGuid(0)) is { } role) newRbac.Grant(role, r.GetGuid(1));
                });
            await ReadAsync("SELECT ur.role_id, ur.user_id FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE r.workspace_id = @ws", r =>
            {
                if (newRbac.Find(r.GetGuid(0)) is { } role) newRbac.AssignUser(role, r.GetGuid(1));
            });
            await ReadAsync("SELECT gr.role_id, gr.group_id FROM group_roles gr JOIN roles r ON r.id = gr.role_id WHERE r.workspace_id = @ws", r =>
            {
                if (newRbac.Find(r.GetGuid(0)) is { } role) newRbac.AssignGroup(role, r.GetGuid(1));
            });
            await tx.CommitAsync(cancellationToken);

            async Task ReadAsync(string sql, Action<NpgsqlDataReader> row)
            {
                await using var cmd = new NpgsqlCommand(sql, connection, tx);
                cmd.Parameters.AddWithValue("ws", Id);
                await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken)) row(reader);
            }
        }
        acls = newAcls;
        rbac = newRbac;
        authorizationSuspect = false;
        authorizationLoadTime = watch.Elapsed;
        LogAuthorizationLoaded(logger, Id, newAcls.Count, newAcls.ShareCount, newRbac.Count, (long)watch.Elapsed.TotalMilliseconds);
    }

    // ---- Helpers.

    private bool InGroup(Guid groupId, Guid userId) => groups.TryGetValue(groupId, out var group) && group.Members.Contains(userId);

    private IReadOnlyCollection<Guid> GroupsOf(Guid userId)
    {
        List<Guid>? result = null;
        foreach (var group in groups.Values)
        {
            if (group.Members.Contains(userId)) (result ??= []).Add(group.Info.Id);
        }
        return result is null ? [] : result;
    }

    private void EnsureTrusted()
    {
        if (authorizationSuspect) throw new StorageUnavailableException("Workspace authorization state is being reloaded.");
    }

    /// <summary>
    /// Runs a write. If it fails in a way that may have left PostgreSQL changed but memory not (a lost commit
    /// acknowledgement, a cancelled call), memory is no longer trusted: reads fail closed and the activation is replaced.
    /// </summary>
    private async Task<T> WriteAsync<T>(Func<Task<T>> write)
    {
        EnsureTrusted();
        try
        {
            return await write();
        }
        catch
        {
            authorizationSuspect = true;
            DeactivateOnIdle();
            throw;
        }
    }

    /// <summary>One statement naming the role (<c>@role</c>), optionally another id (<c>@other</c>) and the actor (<c>@actor</c>), with its activity row.</summary>
    private async Task ExecuteAsync(string sql, Guid roleId, Guid? other, string activity, Guid? actorId, object detail, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await using (var cmd = new NpgsqlCommand(sql, connection, tx))
        {
            cmd.Parameters.AddWithValue("role", roleId);
            cmd.Parameters.Add(new NpgsqlParameter("other", NpgsqlDbType.Uuid) { Value = (object?)other ?? DBNull.Value });
            cmd.Parameters.Add(new NpgsqlParameter("actor", NpgsqlDbType.Uuid) { Value = (object?)actorId ?? DBNull.Value });
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }
        await ActivityLog.WriteAsync(connection, tx, activity, actorId, "role", roleId, Id, detail, cancellationToken);
        await tx.CommitAsync(cancellationToken);
    }

    private Task AuditAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Audit? audit, string targetType, Guid targetId, object detail, CancellationToken cancellationToken) =>
        audit is null ? Task.CompletedTask : ActivityLog.WriteAsync(connection, tx, audit.Action, audit.ActorId, targetType, targetId, Id, detail, cancellationToken);

    private static Result<T, AuthorizationError> Deny<T>(AuthorizationError error, string? detail = null) => Result<T, AuthorizationError>.Refused(error, detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Workspace {WorkspaceId}: loaded {Resources} ACLs, {Shares} shares and {Roles} roles in {ElapsedMs} ms")]
    private static partial void LogAuthorizationLoaded(ILogger logger, Guid workspaceId, int resources, int shares, int roles, long elapsedMs);
}
