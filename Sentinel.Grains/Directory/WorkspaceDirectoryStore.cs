using Npgsql;
using Sentinel.Grains.Data;

namespace Sentinel.Grains.Directory;

/// <summary>
/// The directory half of a workspace's rows: the workspace, its memberships, groups and group memberships, which
/// <see cref="WorkspaceGrain"/> holds in memory and changes. Each change commits with its activity row before the grain
/// updates memory. The authorization half's rows (roles, ACLs) are read and written by the grain's other part.
/// </summary>
internal sealed class WorkspaceDirectoryStore(NpgsqlDataSource database)
{
    /// <summary>What an activation loads: the workspace (null when none), its memberships, groups and group memberships.</summary>
    internal sealed record Snapshot(WorkspaceInfo? Workspace, List<MembershipRow> Members, List<GroupInfo> Groups, List<(Guid Group, Guid User)> GroupMembers);

    /// <summary>The workspace with its owner's membership; refused with SlugTaken (slug or id taken) or UserNotFound (no such owner).</summary>
    public Task<Result<(WorkspaceInfo Workspace, MembershipRow Owner), DirectoryError>> CreateAsync(Guid id, string name, string slug, string? description, Guid ownerId, CancellationToken cancellationToken) =>
        database.WriteWithActivityAsync(async (connection, tx) =>
        {
            WorkspaceInfo? created;
            await using (var cmd = new NpgsqlCommand(
                $"INSERT INTO workspaces (id, slug, name, description, created_by) VALUES (@id, @slug, @name, @description, @owner) ON CONFLICT DO NOTHING RETURNING {DbReaders.WorkspaceColumns}", connection, tx))
            {
                cmd.Parameters.AddWithValue("id", id);
                cmd.Parameters.AddWithValue("slug", slug);
                cmd.Parameters.AddWithValue("name", name);
                cmd.Parameters.AddWithValue("description", (object?)description ?? DBNull.Value);
                cmd.Parameters.AddWithValue("owner", ownerId);
                created = await cmd.ReadFirstAsync(DbReaders.Workspace, cancellationToken);
            }
            if (created is null) return Result<(WorkspaceInfo, MembershipRow), DirectoryError>.Refused(DirectoryError.SlugTaken);
            try
            {
                return Result<(WorkspaceInfo, MembershipRow), DirectoryError>.Ok((created, await InsertMembershipAsync(connection, tx, id, ownerId, WorkspaceRole.Owner, cancellationToken)));
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ForeignKeyViolation)
            {
                return Result<(WorkspaceInfo, MembershipRow), DirectoryError>.Refused(DirectoryError.UserNotFound);
            }
        }, result => result.IsOk ? new ActivityRow("workspace_created", ownerId, "workspace", id, id, new { name, slug }) : null, cancellationToken);

    /// <summary>The updated workspace, or null when it no longer exists.</summary>
    public Task<WorkspaceInfo?> UpdateAsync(Guid id, Guid actorId, string? name, string? description, bool descriptionSet, CancellationToken cancellationToken) =>
        database.WriteWithActivityAsync(async (connection, tx) =>
        {
            await using var cmd = new NpgsqlCommand(
                $"UPDATE workspaces SET name = COALESCE(@name, name), description = CASE WHEN @set THEN @description ELSE description END WHERE id = @id RETURNING {DbReaders.WorkspaceColumns}", connection, tx);
            cmd.Parameters.AddWithValue("id", id);
            cmd.Parameters.AddWithValue("name", (object?)name ?? DBNull.Value);
            cmd.Parameters.AddWithValue("set", descriptionSet);
            cmd.Parameters.AddWithValue("description", (object?)description ?? DBNull.Value);
            return await cmd.ReadFirstAsync(DbReaders.Workspace, cancellationToken);
        }, updated => updated is null ? null : new ActivityRow("workspace_updated", actorId, "workspace", id, id, new { name = updated.Name, slug = updated.Slug }), cancellationToken);

    /// <summary>Deletes the workspace (its rows cascade); the activity row keeps its name and slug, with no workspace id.</summary>
    public Task DeleteAsync(WorkspaceInfo workspace, Guid actorId, CancellationToken cancellationToken) =>
        database.WriteWithActivityAsync(async (connection, tx) =>
        {
            await using var cmd = new NpgsqlCommand("DELETE FROM workspaces WHERE id = @id", connection, tx);
            cmd.Parameters.AddWithValue("id", workspace.Id);
            return await cmd.ExecuteNonQueryAsync(cancellationToken);
        }, _ => new ActivityRow("workspace_deleted", actorId, "workspace", workspace.Id, null, new { name = workspace.Name, slug = workspace.Slug }), cancellationToken);

    /// <summary>The new membership and the member's row; refused with UserNotFound when no such user.</summary>
    public Task<Result<(MembershipRow Membership, UserProfile User), DirectoryError>> AddMemberAsync(Guid id, Guid actorId, Guid userId, WorkspaceRole role, object detail, CancellationToken cancellationToken) =>
        database.WriteWithActivityAsync(async (connection, tx) =>
        {
            MembershipRow member;
            try
            {
                member = await InsertMembershipAsync(connection, tx, id, userId, role, cancellationToken);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ForeignKeyViolation)
            {
                return Result<(MembershipRow, UserProfile), DirectoryError>.Refused(DirectoryError.UserNotFound);
            }
            await using var cmd = new NpgsqlCommand($"SELECT {DbReaders.UserColumns} FROM users WHERE id = @id", connection, tx);
            cmd.Parameters.AddWithValue("id", userId);
            return Result<(MembershipRow, UserProfile), DirectoryError>.Ok((member, (await cmd.ReadFirstAsync(DbReaders.User, cancellationToken))!));
        }, result => result.IsOk ? new ActivityRow("member_invited", actorId, "user", userId, id, detail) : null, cancellationToken);

    public Task ChangeRoleAsync(Guid id, Guid actorId, Guid userId, WorkspaceRole role, CancellationToken cancellationToken) =>
        database.WriteWithActivityAsync(async (connection, tx) =>
        {
            await using var cmd = new NpgsqlCommand("UPDATE workspace_memberships SET role = @role WHERE workspace_id = @ws AND user_id = @user", connection, tx);
            cmd.Parameters.AddWithValue("ws", id);
            cmd.Parameters.AddWithValue("user", userId);
            cmd.Parameters.AddWithValue("role", role.ToName());
            return await cmd.ExecuteNonQueryAsync(cancellationToken);
        }, _ => new ActivityRow("member_role_changed", actorId, "user", userId, id, new { role = role.ToName() }), cancellationToken);

    /// <summary>The membership, and what it granted inside this workspace: group memberships, role assignments, user shares.</summary>
    public Task RemoveMemberAsync(Guid id, Guid actorId, Guid userId, CancellationToken cancellationToken) =>
        database.WriteWithActivityAsync(async (connection, tx) =>
        {
            await using var batch = new NpgsqlBatch(connection, tx);
            batch.BatchCommands.Add(Command("DELETE FROM workspace_memberships WHERE workspace_id = @ws AND user_id = @user"));
            batch.BatchCommands.Add(Command("DELETE FROM group_memberships gm USING groups g WHERE gm.group_id = g.id AND g.workspace_id = @ws AND gm.user_id = @user"));
            batch.BatchCommands.Add(Command("DELETE FROM user_roles ur USING roles r WHERE ur.role_id = r.id AND r.workspace_id = @ws AND ur.user_id = @user"));
            batch.BatchCommands.Add(Command("DELETE FROM resource_shares s USING resource_permissions p WHERE s.resource_permission_id = p.id AND p.workspace_id = @ws AND s.grantee_type = 'user' AND s.grantee_id = @user"));
            return await batch.ExecuteNonQueryAsync(cancellationToken);

            NpgsqlBatchCommand Command(string sql)
            {
                var command = new NpgsqlBatchCommand(sql);
                command.Parameters.AddWithValue("ws", id);
                command.Parameters.AddWithValue("user", userId);
                return command;
            }
        }, _ => new ActivityRow("member_removed", actorId, "user", userId, id), cancellationToken);

    /// <summary>The new group, or null when its name is taken in the workspace.</summary>
    public Task<GroupInfo?> CreateGroupAsync(Guid id, Guid actorId, string name, string? description, CancellationToken cancellationToken) =>
        database.WriteWithActivityAsync(async (connection, tx) =>
        {
            await using var cmd = new NpgsqlCommand(
                $"INSERT INTO groups (id, workspace_id, name, description, created_by) VALUES (@id, @ws, @name, @description, @actor) ON CONFLICT DO NOTHING RETURNING {DbReaders.GroupColumns}", connection, tx);
            cmd.Parameters.AddWithValue("id", Guid.NewGuid());
            cmd.Parameters.AddWithValue("ws", id);
            cmd.Parameters.AddWithValue("name", name);
            cmd.Parameters.AddWithValue("description", (object?)description ?? DBNull.Value);
            cmd.Parameters.AddWithValue("actor", actorId);
            return await cmd.ReadFirstAsync(DbReaders.Group, cancellationToken);
        }, created => created is null ? null : new ActivityRow("group_created", actorId, "group", created.Id, id, new { name }), cancellationToken);

    /// <summary>The updated group, or null when it is not in this workspace.</summary>
    public Task<GroupInfo?> UpdateGroupAsync(Guid id, Guid actorId, Guid groupId, string? name, string? description, bool descriptionSet, CancellationToken cancellationToken) =>
        database.WriteWithActivityAsync(async (connection, tx) =>
        {
            await using var cmd = new NpgsqlCommand(
                $"UPDATE groups SET name = COALESCE(@name, name), description = CASE WHEN @set THEN @description ELSE description END WHERE id = @id AND workspace_id = @ws RETURNING {DbReaders.GroupColumns}", connection, tx);
            cmd.Parameters.AddWithValue("id", groupId);
            cmd.Parameters.AddWithValue("ws", id);
            cmd.Parameters.AddWithValue("name", (object?)name ?? DBNull.Value);
            cmd.Parameters.AddWithValue("set", descriptionSet);
            cmd.Parameters.AddWithValue("description", (object?)description ?? DBNull.Value);
            return await cmd.ReadFirstAsync(DbReaders.Group, cancellationToken);
        }, updated => updated is null ? null : new ActivityRow("group_updated", actorId, "group", groupId, id, new { name = updated.Name }), cancellationToken);

    /// <summary>Deletes the group and the shares made to it (they would be orphaned otherwise).</summary>
    public Task DeleteGroupAsync(Guid id, Guid actorId, GroupInfo group, CancellationToken cancellationToken) =>
        database.WriteWithActivityAsync(async (connection, tx) =>
        {
            await using var batch = new NpgsqlBatch(connection, tx);
            var shares = new NpgsqlBatchCommand("DELETE FROM resource_shares WHERE grantee_type = 'group' AND grantee_id = @id");
            shares.Parameters.AddWithValue("id", group.Id);
            var delete = new NpgsqlBatchCommand("DELETE FROM groups WHERE id = @id");
            delete.Parameters.AddWithValue("id", group.Id);
            batch.BatchCommands.Add(shares);
            batch.BatchCommands.Add(delete);
            return await batch.ExecuteNonQueryAsync(cancellationToken);
        }, _ => new ActivityRow("group_deleted", actorId, "group", group.Id, id, new { name = group.Name }), cancellationToken);

    /// <summary>False when the user is already in the group.</summary>
    public Task<bool> AddGroupMemberAsync(Guid id, Guid actorId, Guid groupId, Guid userId, CancellationToken cancellationToken) =>
        database.WriteWithActivityAsync(async (connection, tx) =>
        {
            await using var cmd = new NpgsqlCommand("INSERT INTO group_memberships (id, group_id, user_id) VALUES (@id, @group, @user) ON CONFLICT DO NOTHING", connection, tx);
            cmd.Parameters.AddWithValue("id", Guid.NewGuid());
            cmd.Parameters.AddWithValue("group", groupId);
            cmd.Parameters.AddWithValue("user", userId);
            return await cmd.ExecuteNonQueryAsync(cancellationToken) > 0;
        }, added => added ? new ActivityRow("group_member_added", actorId, "user", userId, id, new { group_id = groupId }) : null, cancellationToken);

    public Task RemoveGroupMemberAsync(Guid id, Guid actorId, Guid groupId, Guid userId, CancellationToken cancellationToken) =>
        database.WriteWithActivityAsync(async (connection, tx) =>
        {
            await using var cmd = new NpgsqlCommand("DELETE FROM group_memberships WHERE group_id = @group AND user_id = @user", connection, tx);
            cmd.Parameters.AddWithValue("group", groupId);
            cmd.Parameters.AddWithValue("user", userId);
            return await cmd.ExecuteNonQueryAsync(cancellationToken);
        }, _ => new ActivityRow("group_member_removed", actorId, "user", userId, id, new { group_id = groupId }), cancellationToken);

    /// <summary>The activation's load, on the caller's connection (the authorization half loads on the same one).</summary>
    public async Task<Snapshot> LoadAsync(NpgsqlConnection connection, Guid id, CancellationToken cancellationToken)
    {
        WorkspaceInfo? workspace;
        await using (var cmd = new NpgsqlCommand($"SELECT {DbReaders.WorkspaceColumns} FROM workspaces WHERE id = @id", connection))
        {
            cmd.Parameters.AddWithValue("id", id);
            workspace = await cmd.ReadFirstAsync(DbReaders.Workspace, cancellationToken);
        }
        if (workspace is null) return new Snapshot(null, [], [], []);
        List<MembershipRow> members;
        await using (var cmd = new NpgsqlCommand(MembershipSelect, connection))
        {
            cmd.Parameters.AddWithValue("id", id);
            members = await cmd.ReadAllAsync(r => ReadMembership(r, id), cancellationToken);
        }
        List<GroupInfo> groups;
        await using (var cmd = new NpgsqlCommand($"SELECT {DbReaders.GroupColumns} FROM groups WHERE workspace_id = @id", connection))
        {
            cmd.Parameters.AddWithValue("id", id);
            groups = await cmd.ReadAllAsync(DbReaders.Group, cancellationToken);
        }
        List<(Guid, Guid)> groupMembers;
        await using (var cmd = new NpgsqlCommand("SELECT gm.group_id, gm.user_id FROM group_memberships gm JOIN groups g ON g.id = gm.group_id WHERE g.workspace_id = @id", connection))
        {
            cmd.Parameters.AddWithValue("id", id);
            groupMembers = await cmd.ReadAllAsync(r => (r.GetGuid(0), r.GetGuid(1)), cancellationToken);
        }
        return new Snapshot(workspace, members, groups, groupMembers);
    }

    /// <summary>The workspace's memberships as they are now (after a change made outside the grain, such as an import).</summary>
    public async Task<List<MembershipRow>> ListMembershipsAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var cmd = database.CreateCommand(MembershipSelect);
        cmd.Parameters.AddWithValue("id", id);
        return await cmd.ReadAllAsync(r => ReadMembership(r, id), cancellationToken);
    }

    private const string MembershipSelect = "SELECT id, user_id, role, joined_at FROM workspace_memberships WHERE workspace_id = @id";

    private static MembershipRow ReadMembership(NpgsqlDataReader r, Guid workspaceId) =>
        new(r.GetGuid(0), workspaceId, r.GetGuid(1), DbReaders.Role(r.GetString(2)), r.GetFieldValue<DateTimeOffset>(3));

    private static async Task<MembershipRow> InsertMembershipAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid id, Guid userId, WorkspaceRole role, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand(
            "INSERT INTO workspace_memberships (id, workspace_id, user_id, role) VALUES (@id, @ws, @user, @role) RETURNING id, joined_at", connection, tx);
        cmd.Parameters.AddWithValue("id", Guid.NewGuid());
        cmd.Parameters.AddWithValue("ws", id);
        cmd.Parameters.AddWithValue("user", userId);
        cmd.Parameters.AddWithValue("role", role.ToName());
        return (await cmd.ReadFirstAsync(r => new MembershipRow(r.GetGuid(0), id, userId, role, r.GetFieldValue<DateTimeOffset>(1)), cancellationToken))!;
    }
}
