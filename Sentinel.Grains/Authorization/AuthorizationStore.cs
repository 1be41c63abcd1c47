using System.Data;
using Npgsql;
using NpgsqlTypes;
using Sentinel.Grains.Data;

namespace Sentinel.Grains.Authorization;

/// <summary>One workspace's ACLs and RBAC roles as loaded: complete indexes, ready to replace the ones in memory.</summary>
internal sealed record AuthorizationSnapshot(AclIndex Acls, RoleIndex Roles);

/// <summary>
/// The SQL of a workspace's authorization state: ACLs (<c>resource_permissions</c>, <c>resource_shares</c>) and RBAC
/// (<c>roles</c>, <c>role_actions</c>, <c>user_roles</c>, <c>group_roles</c>). The workspace grain decides and keeps
/// memory; each method here commits its change (with its activity row) before it returns, so the grain updates memory
/// only after the change is durable. Methods take the workspace id (the grain's key) and return what memory needs.
/// </summary>
internal sealed class AuthorizationStore(NpgsqlDataSource database)
{
    // ---- Loading.

    /// <summary>
    /// ACLs and RBAC of one workspace in one snapshot (repeatable read), streamed into new indexes, on the caller's
    /// connection (the activation loads its members on the same one).
    /// </summary>
    public async Task<AuthorizationSnapshot> LoadAsync(NpgsqlConnection connection, Guid workspaceId, CancellationToken cancellationToken)
    {
        var acls = new AclIndex();
        var rbac = new RoleIndex();
        await using (var tx = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken))
        {
            await ReadAsync("SELECT id, service_name, resource_type, resource_id, owner_id, visibility, created_at FROM resource_permissions WHERE workspace_id = @ws", r =>
                acls.Add(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetGuid(3), r.IsDBNull(4) ? null : r.GetGuid(4),
                    r.GetString(5) == "private" ? AclVisibility.Private : AclVisibility.Workspace, r.GetFieldValue<DateTimeOffset>(6)));
            await ReadAsync(
                "SELECT s.id, s.resource_permission_id, s.grantee_type, s.grantee_id, s.permission, s.granted_by, s.granted_at " +
                "FROM resource_shares s JOIN resource_permissions p ON p.id = s.resource_permission_id WHERE p.workspace_id = @ws", r =>
                {
                    if (acls.Find(r.GetGuid(1)) is { } entry)
                        acls.Upsert(entry, r.GetGuid(0), r.GetString(2) == "group" ? GranteeType.Group : GranteeType.User, r.GetGuid(3),
                            r.GetString(4) == "edit" ? AclPermission.Edit : AclPermission.View, r.IsDBNull(5) ? null : r.GetGuid(5), r.GetFieldValue<DateTimeOffset>(6));
                });
            await ReadAsync("SELECT id, name, description, created_by, created_at FROM roles WHERE workspace_id = @ws", r =>
                rbac.AddRole(r.GetGuid(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.IsDBNull(3) ? null : r.GetGuid(3), r.GetFieldValue<DateTimeOffset>(4)));
            await ReadAsync(
                "SELECT ra.role_id, sa.id, sa.service_name, sa.action FROM role_actions ra JOIN roles r ON r.id = ra.role_id " +
                "JOIN service_actions sa ON sa.id = ra.service_action_id WHERE r.workspace_id = @ws", r =>
                {
                    rbac.DefineAction(r.GetGuid(1), r.GetString(2), r.GetString(3));
                    if (rbac.Find(r.GetGuid(0)) is { } role) rbac.Grant(role, r.GetGuid(1));
                });
            await ReadAsync("SELECT ur.role_id, ur.user_id FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE r.workspace_id = @ws", r =>
            {
                if (rbac.Find(r.GetGuid(0)) is { } role) rbac.AssignUser(role, r.GetGuid(1));
            });
            await ReadAsync("SELECT gr.role_id, gr.group_id FROM group_roles gr JOIN roles r ON r.id = gr.role_id WHERE r.workspace_id = @ws", r =>
            {
                if (rbac.Find(r.GetGuid(0)) is { } role) rbac.AssignGroup(role, r.GetGuid(1));
            });
            await tx.CommitAsync(cancellationToken);

            async Task ReadAsync(string sql, Action<NpgsqlDataReader> row)
            {
                await using var cmd = new NpgsqlCommand(sql, connection, tx);
                cmd.Parameters.AddWithValue("ws", workspaceId);
                await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken)) row(reader);
            }
        }
        return new AuthorizationSnapshot(acls, rbac);
    }

    /// <summary>The same load on a connection of its own (a reload after a change made outside the grain).</summary>
    public async Task<AuthorizationSnapshot> LoadAsync(Guid workspaceId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await LoadAsync(connection, workspaceId, cancellationToken);
    }

    /// <summary>Names and emails of the users an ACL mentions (owner, grantees, granters), by id; unknown ids are left out.</summary>
    public async Task<Dictionary<Guid, UserDisplay>> FindUsersAsync(Guid[] userIds, CancellationToken cancellationToken)
    {
        await using var cmd = database.CreateCommand("SELECT id, name, email FROM users WHERE id = ANY(@ids)");
        cmd.Parameters.AddWithValue("ids", userIds);
        var users = new Dictionary<Guid, UserDisplay>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            users[reader.GetGuid(0)] = new UserDisplay(reader.GetGuid(0), reader.GetString(1), reader.GetString(2));
        return users;
    }

    // ---- ACL writes. The activity row is written only when the caller names an Audit (admin API); a service's own
    // call writes none, and its change is one statement, atomic without a transaction of its own.

    /// <summary>
    /// The new ACL's creation time. Refused with ResourceConflict when the resource already has an ACL (not in the
    /// grain's memory, so another workspace's), with OwnerNotFound when no such user.
    /// </summary>
    public Task<Result<DateTimeOffset, AuthorizationError>> RegisterResourceAsync(Guid workspaceId, Guid permissionId, ResourceRef resource, Guid ownerId, AclVisibility visibility, Audit? audit, CancellationToken cancellationToken) =>
        WriteAsync(audit, async (connection, tx) =>
        {
            try
            {
                await using var cmd = new NpgsqlCommand(
                    "INSERT INTO resource_permissions (id, service_name, resource_type, resource_id, workspace_id, owner_id, visibility) " +
                    "VALUES (@id, @service, @type, @resource, @ws, @owner, @visibility) " +
                    "ON CONFLICT (service_name, resource_type, resource_id) DO NOTHING RETURNING created_at", connection, tx);
                cmd.Parameters.AddWithValue("id", permissionId);
                cmd.Parameters.AddWithValue("service", resource.ServiceName);
                cmd.Parameters.AddWithValue("type", resource.ResourceType);
                cmd.Parameters.AddWithValue("resource", resource.ResourceId);
                cmd.Parameters.AddWithValue("ws", workspaceId);
                cmd.Parameters.AddWithValue("owner", ownerId);
                cmd.Parameters.AddWithValue("visibility", visibility.ToName());
                return await cmd.ExecuteScalarAsync(cancellationToken) is DateTime created
                    ? Result<DateTimeOffset, AuthorizationError>.Ok(new DateTimeOffset(created, TimeSpan.Zero))
                    : Result<DateTimeOffset, AuthorizationError>.Refused(AuthorizationError.ResourceConflict);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ForeignKeyViolation)
            {
                return Result<DateTimeOffset, AuthorizationError>.Refused(AuthorizationError.OwnerNotFound);
            }
        }, result => result.IsOk ? Row(audit!, permissionId, workspaceId, new { service_name = resource.ServiceName, resource_type = resource.ResourceType }) : null, cancellationToken);

    public Task SetVisibilityAsync(Guid workspaceId, Guid permissionId, AclVisibility visibility, Audit? audit, CancellationToken cancellationToken) =>
        WriteAsync(audit, async (connection, tx) =>
        {
            await using var cmd = new NpgsqlCommand("UPDATE resource_permissions SET visibility = @visibility WHERE id = @id", connection, tx);
            cmd.Parameters.AddWithValue("id", permissionId);
            cmd.Parameters.AddWithValue("visibility", visibility.ToName());
            return await cmd.ExecuteNonQueryAsync(cancellationToken);
        }, _ => Row(audit!, permissionId, workspaceId, new { visibility = visibility.ToName() }), cancellationToken);

    /// <summary>Creates the share or changes an existing one's level; the share's id and grant time.</summary>
    public Task<(Guid Id, DateTimeOffset GrantedAt)> ShareAsync(Guid workspaceId, Guid permissionId, GranteeType granteeType, Guid granteeId, AclPermission permission, Guid? grantedBy, Audit? audit, CancellationToken cancellationToken) =>
        WriteAsync(audit, async (connection, tx) =>
        {
            await using var cmd = new NpgsqlCommand(
                "INSERT INTO resource_shares (id, resource_permission_id, grantee_type, grantee_id, permission, granted_by) " +
                "VALUES (@id, @permission_id, @type, @grantee, @permission, @granted_by) " +
                "ON CONFLICT (resource_permission_id, grantee_type, grantee_id) DO UPDATE SET permission = EXCLUDED.permission, granted_by = EXCLUDED.granted_by, granted_at = now() " +
                "RETURNING id, granted_at", connection, tx);
            cmd.Parameters.AddWithValue("id", Guid.NewGuid());
            cmd.Parameters.AddWithValue("permission_id", permissionId);
            cmd.Parameters.AddWithValue("type", granteeType.ToName());
            cmd.Parameters.AddWithValue("grantee", granteeId);
            cmd.Parameters.AddWithValue("permission", permission.ToName());
            cmd.Parameters.AddWithValue("granted_by", (object?)grantedBy ?? DBNull.Value);
            return (await cmd.ReadFirstAsync(r => (r.GetGuid(0), r.GetFieldValue<DateTimeOffset>(1)), cancellationToken))!;
        }, _ => Row(audit!, permissionId, workspaceId, new { grantee_type = granteeType.ToName(), grantee_id = granteeId, permission = permission.ToName() }), cancellationToken);

    /// <summary>False when there was no such share (nothing is recorded then).</summary>
    public Task<bool> UnshareAsync(Guid workspaceId, Guid permissionId, GranteeType granteeType, Guid granteeId, Audit? audit, CancellationToken cancellationToken) =>
        WriteAsync(audit, async (connection, tx) =>
        {
            await using var cmd = new NpgsqlCommand(
                "DELETE FROM resource_shares WHERE resource_permission_id = @id AND grantee_type = @type AND grantee_id = @grantee", connection, tx);
            cmd.Parameters.AddWithValue("id", permissionId);
            cmd.Parameters.AddWithValue("type", granteeType.ToName());
            cmd.Parameters.AddWithValue("grantee", granteeId);
            return await cmd.ExecuteNonQueryAsync(cancellationToken) > 0;
        }, removed => removed ? Row(audit!, permissionId, workspaceId, new { grantee_type = granteeType.ToName(), grantee_id = granteeId }) : null, cancellationToken);

    /// <summary>Deletes the ACL (its shares cascade).</summary>
    public Task DeleteResourceAsync(Guid workspaceId, Guid permissionId, ResourceRef resource, Audit? audit, CancellationToken cancellationToken) =>
        WriteAsync(audit, async (connection, tx) =>
        {
            await using var cmd = new NpgsqlCommand("DELETE FROM resource_permissions WHERE id = @id", connection, tx);
            cmd.Parameters.AddWithValue("id", permissionId);
            return await cmd.ExecuteNonQueryAsync(cancellationToken);
        }, _ => Row(audit!, permissionId, workspaceId, new { service_name = resource.ServiceName, resource_type = resource.ResourceType }), cancellationToken);

    // ---- RBAC writes: each records a row targeting the role (the actor may be null: a service's own call).

    /// <summary>The new role's creation time, or null when its name is taken in the workspace.</summary>
    public Task<DateTimeOffset?> CreateRoleAsync(Guid workspaceId, Guid roleId, string name, string? description, Guid? actorId, CancellationToken cancellationToken) =>
        database.WriteWithActivityAsync(async (connection, tx) =>
        {
            await using var cmd = new NpgsqlCommand(
                "INSERT INTO roles (id, workspace_id, name, description, created_by) VALUES (@id, @ws, @name, @description, @actor) ON CONFLICT DO NOTHING RETURNING created_at", connection, tx);
            cmd.Parameters.AddWithValue("id", roleId);
            cmd.Parameters.AddWithValue("ws", workspaceId);
            cmd.Parameters.AddWithValue("name", name);
            cmd.Parameters.AddWithValue("description", (object?)description ?? DBNull.Value);
            cmd.Parameters.AddWithValue("actor", (object?)actorId ?? DBNull.Value);
            return await cmd.ExecuteScalarAsync(cancellationToken) is DateTime at ? new DateTimeOffset(at, TimeSpan.Zero) : (DateTimeOffset?)null;
        }, created => created is null ? null : new ActivityRow("role_created", actorId, "role", roleId, workspaceId, new { name }), cancellationToken);

    /// <summary>Null leaves the name as it is; the description changes only when <paramref name="descriptionSet"/>. <paramref name="loggedName"/> is the name after the change.</summary>
    public Task UpdateRoleAsync(Guid workspaceId, Guid roleId, string? name, string? description, bool descriptionSet, string loggedName, Guid? actorId, CancellationToken cancellationToken) =>
        database.WriteWithActivityAsync(async (connection, tx) =>
        {
            await using var cmd = new NpgsqlCommand(
                "UPDATE roles SET name = COALESCE(@name, name), description = CASE WHEN @set THEN @description ELSE description END WHERE id = @id", connection, tx);
            cmd.Parameters.AddWithValue("id", roleId);
            cmd.Parameters.AddWithValue("name", (object?)name ?? DBNull.Value);
            cmd.Parameters.AddWithValue("set", descriptionSet);
            cmd.Parameters.AddWithValue("description", (object?)description ?? DBNull.Value);
            return await cmd.ExecuteNonQueryAsync(cancellationToken);
        }, _ => new ActivityRow("role_updated", actorId, "role", roleId, workspaceId, new { name = loggedName }), cancellationToken);

    /// <summary>Deletes the role; its action grants and assignments cascade.</summary>
    public Task DeleteRoleAsync(Guid workspaceId, Guid roleId, string name, Guid? actorId, CancellationToken cancellationToken) =>
        RoleWriteAsync("DELETE FROM roles WHERE id = @role", workspaceId, roleId, null, "role_deleted", actorId, new { name }, cancellationToken);

    /// <summary>
    /// Grants the actions to the role, all or nothing: the (service, action) names of the ids, or ServiceActionNotFound
    /// naming the first id with no row. The catalog rows are read <c>FOR SHARE</c>, so a concurrent deletion of one of
    /// them waits for this commit and then reloads this workspace, or commits first and this finds it gone.
    /// </summary>
    public async Task<Result<Dictionary<Guid, (string Service, string Action)>, AuthorizationError>> AddRoleActionsAsync(Guid workspaceId, Guid roleId, Guid[] serviceActionIds, Guid? actorId, CancellationToken cancellationToken)
    {
        // One activity row per action granted: several rows in one transaction, so the transaction is held here and
        // the rows go through the shared writer.
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var found = new Dictionary<Guid, (string Service, string Action)>();
        await using (var cmd = new NpgsqlCommand("SELECT id, service_name, action FROM service_actions WHERE id = ANY(@ids) FOR SHARE", connection, tx))
        {
            cmd.Parameters.AddWithValue("ids", serviceActionIds);
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) found[reader.GetGuid(0)] = (reader.GetString(1), reader.GetString(2));
        }
        if (serviceActionIds.FirstOrDefault(id => !found.ContainsKey(id)) is var missing && missing != Guid.Empty)
            return Result<Dictionary<Guid, (string, string)>, AuthorizationError>.Refused(AuthorizationError.ServiceActionNotFound, missing.ToString());
        await using (var cmd = new NpgsqlCommand(
            "INSERT INTO role_actions (id, role_id, service_action_id) SELECT gen_random_uuid(), @role, unnest(@ids)", connection, tx))
        {
            cmd.Parameters.AddWithValue("role", roleId);
            cmd.Parameters.AddWithValue("ids", serviceActionIds);
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }
        foreach (var id in serviceActionIds)
            await ActivityTransaction.WriteAsync(connection, tx, new ActivityRow("role_action_added", actorId, "role", roleId, workspaceId, new { service_action_id = id }), cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return Result<Dictionary<Guid, (string, string)>, AuthorizationError>.Ok(found);
    }

    public Task RemoveRoleActionAsync(Guid workspaceId, Guid roleId, Guid serviceActionId, Guid? actorId, CancellationToken cancellationToken) =>
        RoleWriteAsync("DELETE FROM role_actions WHERE role_id = @role AND service_action_id = @other", workspaceId, roleId, serviceActionId,
            "role_action_removed", actorId, new { service_action_id = serviceActionId }, cancellationToken);

    /// <summary>Assigns the role to a member (<c>user_roles</c>) or a group (<c>group_roles</c>) of the workspace.</summary>
    public Task AssignRoleAsync(Guid workspaceId, Guid roleId, GranteeType holder, Guid holderId, Guid? actorId, CancellationToken cancellationToken)
    {
        var (table, column, activity) = holder == GranteeType.User ? ("user_roles", "user_id", "role_member_added") : ("group_roles", "group_id", "role_group_added");
        return RoleWriteAsync($"INSERT INTO {table} (id, {column}, role_id, assigned_by) VALUES (gen_random_uuid(), @other, @role, @actor)", workspaceId, roleId, holderId,
            activity, actorId, new Dictionary<string, Guid> { [column] = holderId }, cancellationToken);
    }

    /// <summary>Takes the role from a member or a group.</summary>
    public Task UnassignRoleAsync(Guid workspaceId, Guid roleId, GranteeType holder, Guid holderId, Guid? actorId, CancellationToken cancellationToken)
    {
        var (table, column, activity) = holder == GranteeType.User ? ("user_roles", "user_id", "role_member_removed") : ("group_roles", "group_id", "role_group_removed");
        return RoleWriteAsync($"DELETE FROM {table} WHERE role_id = @role AND {column} = @other", workspaceId, roleId, holderId,
            activity, actorId, new Dictionary<string, Guid> { [column] = holderId }, cancellationToken);
    }

    // ---- Helpers.

    /// <summary>One statement naming the role (<c>@role</c>), optionally another id (<c>@other</c>) and the actor (<c>@actor</c>), with its activity row.</summary>
    private Task RoleWriteAsync(string sql, Guid workspaceId, Guid roleId, Guid? other, string activity, Guid? actorId, object detail, CancellationToken cancellationToken) =>
        database.WriteWithActivityAsync(async (connection, tx) =>
        {
            await using var cmd = new NpgsqlCommand(sql, connection, tx);
            cmd.Parameters.AddWithValue("role", roleId);
            cmd.Parameters.Add(new NpgsqlParameter("other", NpgsqlDbType.Uuid) { Value = (object?)other ?? DBNull.Value });
            cmd.Parameters.Add(new NpgsqlParameter("actor", NpgsqlDbType.Uuid) { Value = (object?)actorId ?? DBNull.Value });
            return await cmd.ExecuteNonQueryAsync(cancellationToken);
        }, _ => new ActivityRow(activity, actorId, "role", roleId, workspaceId, detail), cancellationToken);

    /// <summary>
    /// An ACL change whose activity row is asked for by <paramref name="audit"/>: with one, the change and its row commit
    /// together (<see cref="ActivityTransaction.WriteWithActivityAsync"/>, <paramref name="record"/> null for a refusal);
    /// without, the change (one statement) commits on its own and nothing is recorded.
    /// </summary>
    private async Task<T> WriteAsync<T>(Audit? audit, Func<NpgsqlConnection, NpgsqlTransaction?, Task<T>> change, Func<T, ActivityRow?> record, CancellationToken cancellationToken)
    {
        if (audit is not null) return await database.WriteWithActivityAsync((connection, tx) => change(connection, tx), record, cancellationToken);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await change(connection, null);
    }

    private static ActivityRow Row(Audit audit, Guid permissionId, Guid workspaceId, object detail) =>
        new(audit.Action, audit.ActorId, "resource_permission", permissionId, workspaceId, detail);
}
