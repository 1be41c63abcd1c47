using Microsoft.Extensions.Logging;
using Npgsql;
using Sentinel.Grains.Activity;
using Sentinel.Grains.Sessions;

namespace Sentinel.Grains.Directory;

/// <summary>
/// Members, groups and group memberships of one workspace, in memory. Every change commits to PostgreSQL first and
/// then updates memory, so a check that runs after a write returns never sees the old grant. Not reentrant: the
/// single writer is what makes "the last owner stays" hold under concurrent requests.
/// </summary>
internal sealed partial class WorkspaceGrain(NpgsqlDataSource database, ILogger<WorkspaceGrain> logger) : Grain, IWorkspaceGrain
{
    private sealed record Member(Guid MembershipId, WorkspaceRole Role, DateTimeOffset JoinedAt);

    private sealed class Group(GroupInfo info)
    {
        public GroupInfo Info { get; set; } = info;
        public HashSet<Guid> Members { get; } = [];
    }

    private WorkspaceInfo? workspace;
    private readonly Dictionary<Guid, Member> members = [];
    private readonly Dictionary<Guid, Group> groups = [];

    private Guid Id => this.GetPrimaryKey();

    public override Task OnActivateAsync(CancellationToken cancellationToken) => LoadAsync(cancellationToken);

    public async Task<DirectoryResult<WorkspaceInfo>> CreateAsync(string name, string slug, string? description, Guid ownerId, CancellationToken cancellationToken)
    {
        if (workspace is not null) return Refused<WorkspaceInfo>(DirectoryError.SlugTaken);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        WorkspaceInfo created;
        await using (var cmd = new NpgsqlCommand(
            $"INSERT INTO workspaces (id, slug, name, description, created_by) VALUES (@id, @slug, @name, @description, @owner) ON CONFLICT DO NOTHING RETURNING {DbReaders.WorkspaceColumns}", connection, tx))
        {
            cmd.Parameters.AddWithValue("id", Id);
            cmd.Parameters.AddWithValue("slug", slug);
            cmd.Parameters.AddWithValue("name", name);
            cmd.Parameters.AddWithValue("description", (object?)description ?? DBNull.Value);
            cmd.Parameters.AddWithValue("owner", ownerId);
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken)) return Refused<WorkspaceInfo>(DirectoryError.SlugTaken);
            created = DbReaders.Workspace(reader);
        }
        Member owner;
        try
        {
            owner = await InsertMembershipAsync(connection, tx, ownerId, WorkspaceRole.Owner, cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            return Refused<WorkspaceInfo>(DirectoryError.UserNotFound);
        }
        await ActivityLog.WriteAsync(connection, tx, "workspace_created", ownerId, "workspace", Id, Id, new { name, slug }, cancellationToken);
        await tx.CommitAsync(cancellationToken);

        workspace = created;
        members[ownerId] = owner;
        return DirectoryResult<WorkspaceInfo>.Ok(created);
    }

    public Task<WorkspaceInfo?> GetAsync(CancellationToken cancellationToken) => Task.FromResult(workspace);

    public async Task<DirectoryResult<WorkspaceInfo>> UpdateAsync(Actor actor, string? name, string? description, bool descriptionSet, CancellationToken cancellationToken)
    {
        if (Authorize(actor, WorkspaceRole.Admin) is { } refused) return Refused<WorkspaceInfo>(refused);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        WorkspaceInfo updated;
        await using (var cmd = new NpgsqlCommand(
            $"UPDATE workspaces SET name = COALESCE(@name, name), description = CASE WHEN @set THEN @description ELSE description END WHERE id = @id RETURNING {DbReaders.WorkspaceColumns}", connection, tx))
        {
            cmd.Parameters.AddWithValue("id", Id);
            cmd.Parameters.AddWithValue("name", (object?)name ?? DBNull.Value);
            cmd.Parameters.AddWithValue("set", descriptionSet);
            cmd.Parameters.AddWithValue("description", (object?)description ?? DBNull.Value);
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken)) return Refused<WorkspaceInfo>(DirectoryError.WorkspaceNotFound);
            updated = DbReaders.Workspace(reader);
        }
        await ActivityLog.WriteAsync(connection, tx, "workspace_updated", actor.UserId, "workspace", Id, Id, new { name = updated.Name, slug = updated.Slug }, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        workspace = updated;
        return DirectoryResult<WorkspaceInfo>.Ok(updated);
    }

    public async Task<DirectoryResult<Done>> DeleteAsync(Actor actor, CancellationToken cancellationToken)
    {
        if (Authorize(actor, WorkspaceRole.Owner) is { } refused) return Refused<Done>(refused);
        var info = workspace!;
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await ActivityLog.WriteAsync(connection, tx, "workspace_deleted", actor.UserId, "workspace", Id, null, new { name = info.Name, slug = info.Slug }, cancellationToken);
        await using (var cmd = new NpgsqlCommand("DELETE FROM workspaces WHERE id = @id", connection, tx))
        {
            cmd.Parameters.AddWithValue("id", Id);
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }
        await tx.CommitAsync(cancellationToken);

        // Tokens scoped to a deleted workspace must stop working (the original revoked nothing, D7). The owner who
        // deleted it keeps their other sessions: their token for this workspace now finds nothing to act on.
        var formerMembers = members.Keys.Where(id => id != actor.UserId).ToArray();
        workspace = null;
        members.Clear();
        groups.Clear();
        ClearAuthorization();
        await RevokeSessionsAsync(formerMembers, cancellationToken);
        DeactivateOnIdle();
        return DirectoryResult<Done>.Ok(Done.Value);
    }

    public Task<WorkspaceRole?> GetRoleAsync(Guid userId, CancellationToken cancellationToken) =>
        Task.FromResult(workspace is not null && members.TryGetValue(userId, out var m) ? m.Role : (WorkspaceRole?)null);

    public Task<IReadOnlyList<Guid>> GetUserGroupsAsync(Guid userId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Guid>>(groups.Values.Where(g => g.Members.Contains(userId)).OrderBy(g => g.Info.CreatedAt).Select(g => g.Info.Id).ToArray());

    public async Task<DirectoryResult<MemberInfo>> InviteAsync(Actor actor, string email, WorkspaceRole role, CancellationToken cancellationToken)
    {
        if (Authorize(actor, WorkspaceRole.Admin) is { } refused) return Refused<MemberInfo>(refused);
        if (role == WorkspaceRole.Owner && ActingRole(actor) != WorkspaceRole.Owner) return Refused<MemberInfo>(DirectoryError.OnlyOwnersGrantOwner);
        await using var cmd = database.CreateCommand("SELECT id FROM users WHERE lower(email) = lower(@email)");
        cmd.Parameters.AddWithValue("email", email);
        if (await cmd.ExecuteScalarAsync(cancellationToken) is not Guid userId) return Refused<MemberInfo>(DirectoryError.UserNotFound);
        return await AddAsync(actor, userId, role, new { email = MaskEmail(email), role = role.ToName() }, cancellationToken);
    }

    public async Task<DirectoryResult<MemberInfo>> AddMemberAsync(Actor actor, Guid userId, WorkspaceRole role, CancellationToken cancellationToken)
    {
        if (workspace is null) return Refused<MemberInfo>(DirectoryError.WorkspaceNotFound);
        return await AddAsync(actor, userId, role, new { role = role.ToName() }, cancellationToken);
    }

    private async Task<DirectoryResult<MemberInfo>> AddAsync(Actor actor, Guid userId, WorkspaceRole role, object detail, CancellationToken cancellationToken)
    {
        if (members.ContainsKey(userId)) return Refused<MemberInfo>(DirectoryError.AlreadyMember);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        Member member;
        try
        {
            member = await InsertMembershipAsync(connection, tx, userId, role, cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            return Refused<MemberInfo>(DirectoryError.UserNotFound);
        }
        UserProfile user;
        await using (var cmd = new NpgsqlCommand($"SELECT {DbReaders.UserColumns} FROM users WHERE id = @id", connection, tx))
        {
            cmd.Parameters.AddWithValue("id", userId);
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            user = DbReaders.User(reader);
        }
        await ActivityLog.WriteAsync(connection, tx, "member_invited", actor.UserId, "user", userId, Id, detail, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        members[userId] = member;
        return DirectoryResult<MemberInfo>.Ok(new MemberInfo(userId, user.Email, user.Name, user.AvatarUrl, role, member.JoinedAt));
    }

    public async Task<DirectoryResult<MembershipRow>> ChangeRoleAsync(Actor actor, Guid userId, WorkspaceRole role, CancellationToken cancellationToken)
    {
        if (Authorize(actor, WorkspaceRole.Admin) is { } refused) return Refused<MembershipRow>(refused);
        if (!members.TryGetValue(userId, out var target)) return Refused<MembershipRow>(DirectoryError.MembershipNotFound);
        var actorIsOwner = ActingRole(actor) == WorkspaceRole.Owner;
        // The contract's order of checks (§3.5).
        if (role == WorkspaceRole.Owner && !actorIsOwner) return Refused<MembershipRow>(DirectoryError.OnlyOwnersGrantOwner);
        if (target.Role == WorkspaceRole.Owner && role != WorkspaceRole.Owner && OwnerCount() == 1) return Refused<MembershipRow>(DirectoryError.LastOwnerDemote);
        if (target.Role == WorkspaceRole.Owner && !actorIsOwner) return Refused<MembershipRow>(DirectoryError.OnlyOwnersChangeOwner);

        if (target.Role != role)
        {
            await using var connection = await database.OpenConnectionAsync(cancellationToken);
            await using var tx = await connection.BeginTransactionAsync(cancellationToken);
            await using (var cmd = new NpgsqlCommand("UPDATE workspace_memberships SET role = @role WHERE workspace_id = @ws AND user_id = @user", connection, tx))
            {
                cmd.Parameters.AddWithValue("ws", Id);
                cmd.Parameters.AddWithValue("user", userId);
                cmd.Parameters.AddWithValue("role", role.ToName());
                await cmd.ExecuteNonQueryAsync(cancellationToken);
            }
            await ActivityLog.WriteAsync(connection, tx, "member_role_changed", actor.UserId, "user", userId, Id, new { role = role.ToName() }, cancellationToken);
            await tx.CommitAsync(cancellationToken);
            members[userId] = target with { Role = role };
            await RevokeSessionsAsync([userId], cancellationToken);
        }
        return DirectoryResult<MembershipRow>.Ok(new MembershipRow(target.MembershipId, Id, userId, role, target.JoinedAt));
    }

    public async Task<DirectoryResult<Done>> RemoveMemberAsync(Actor actor, Guid userId, CancellationToken cancellationToken)
    {
        if (Authorize(actor, WorkspaceRole.Admin) is { } refused) return Refused<Done>(refused);
        if (!members.TryGetValue(userId, out var target)) return Refused<Done>(DirectoryError.MembershipNotFound);
        if (target.Role == WorkspaceRole.Owner && ActingRole(actor) != WorkspaceRole.Owner) return Refused<Done>(DirectoryError.OnlyOwnersRemoveOwner);
        if (target.Role == WorkspaceRole.Owner && OwnerCount() == 1) return Refused<Done>(DirectoryError.LastOwnerRemove);

        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        // The membership, and what it granted inside this workspace: group memberships, role assignments, user shares.
        await using (var batch = new NpgsqlBatch(connection, tx))
        {
            batch.BatchCommands.Add(Command("DELETE FROM workspace_memberships WHERE workspace_id = @ws AND user_id = @user"));
            batch.BatchCommands.Add(Command("DELETE FROM group_memberships gm USING groups g WHERE gm.group_id = g.id AND g.workspace_id = @ws AND gm.user_id = @user"));
            batch.BatchCommands.Add(Command("DELETE FROM user_roles ur USING roles r WHERE ur.role_id = r.id AND r.workspace_id = @ws AND ur.user_id = @user"));
            batch.BatchCommands.Add(Command("DELETE FROM resource_shares s USING resource_permissions p WHERE s.resource_permission_id = p.id AND p.workspace_id = @ws AND s.grantee_type = 'user' AND s.grantee_id = @user"));
            await batch.ExecuteNonQueryAsync(cancellationToken);

            NpgsqlBatchCommand Command(string sql)
            {
                var command = new NpgsqlBatchCommand(sql);
                command.Parameters.AddWithValue("ws", Id);
                command.Parameters.AddWithValue("user", userId);
                return command;
            }
        }
        await ActivityLog.WriteAsync(connection, tx, "member_removed", actor.UserId, "user", userId, Id, null, cancellationToken);
        await tx.CommitAsync(cancellationToken);

        members.Remove(userId);
        foreach (var group in groups.Values) group.Members.Remove(userId);
        ForgetMemberGrants(userId);
        await RevokeSessionsAsync([userId], cancellationToken);
        return DirectoryResult<Done>.Ok(Done.Value);
    }

    public async Task<DirectoryResult<GroupInfo>> CreateGroupAsync(Actor actor, string name, string? description, CancellationToken cancellationToken)
    {
        if (Authorize(actor, WorkspaceRole.Admin) is { } refused) return Refused<GroupInfo>(refused);
        if (groups.Values.Any(g => g.Info.Name == name)) return Refused<GroupInfo>(DirectoryError.GroupNameTaken);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        GroupInfo created;
        await using (var cmd = new NpgsqlCommand(
            $"INSERT INTO groups (id, workspace_id, name, description, created_by) VALUES (@id, @ws, @name, @description, @actor) ON CONFLICT DO NOTHING RETURNING {DbReaders.GroupColumns}", connection, tx))
        {
            cmd.Parameters.AddWithValue("id", Guid.NewGuid());
            cmd.Parameters.AddWithValue("ws", Id);
            cmd.Parameters.AddWithValue("name", name);
            cmd.Parameters.AddWithValue("description", (object?)description ?? DBNull.Value);
            cmd.Parameters.AddWithValue("actor", actor.UserId);
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken)) return Refused<GroupInfo>(DirectoryError.GroupNameTaken);
            created = DbReaders.Group(reader);
        }
        await ActivityLog.WriteAsync(connection, tx, "group_created", actor.UserId, "group", created.Id, Id, new { name }, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        groups[created.Id] = new Group(created);
        return DirectoryResult<GroupInfo>.Ok(created);
    }

    public async Task<DirectoryResult<GroupInfo>> UpdateGroupAsync(Actor actor, Guid groupId, string? name, string? description, bool descriptionSet, CancellationToken cancellationToken)
    {
        if (Authorize(actor, WorkspaceRole.Admin) is { } refused) return Refused<GroupInfo>(refused);
        if (!groups.TryGetValue(groupId, out var group)) return Refused<GroupInfo>(DirectoryError.GroupNotFound);
        if (name is not null && name != group.Info.Name && groups.Values.Any(g => g.Info.Name == name)) return Refused<GroupInfo>(DirectoryError.GroupNameTaken);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        GroupInfo updated;
        await using (var cmd = new NpgsqlCommand(
            $"UPDATE groups SET name = COALESCE(@name, name), description = CASE WHEN @set THEN @description ELSE description END WHERE id = @id AND workspace_id = @ws RETURNING {DbReaders.GroupColumns}", connection, tx))
        {
            cmd.Parameters.AddWithValue("id", groupId);
            cmd.Parameters.AddWithValue("ws", Id);
            cmd.Parameters.AddWithValue("name", (object?)name ?? DBNull.Value);
            cmd.Parameters.AddWithValue("set", descriptionSet);
            cmd.Parameters.AddWithValue("description", (object?)description ?? DBNull.Value);
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken)) return Refused<GroupInfo>(DirectoryError.GroupNotFound);
            updated = DbReaders.Group(reader);
        }
        await ActivityLog.WriteAsync(connection, tx, "group_updated", actor.UserId, "group", groupId, Id, new { name = updated.Name }, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        group.Info = updated;
        return DirectoryResult<GroupInfo>.Ok(updated);
    }

    public async Task<DirectoryResult<Done>> DeleteGroupAsync(Actor actor, Guid groupId, CancellationToken cancellationToken)
    {
        if (Authorize(actor, WorkspaceRole.Admin) is { } refused) return Refused<Done>(refused);
        if (!groups.TryGetValue(groupId, out var group)) return Refused<Done>(DirectoryError.GroupNotFound);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await using (var batch = new NpgsqlBatch(connection, tx))
        {
            // Shares to the group would be orphaned otherwise (the original left them, D19).
            var shares = new NpgsqlBatchCommand("DELETE FROM resource_shares WHERE grantee_type = 'group' AND grantee_id = @id");
            shares.Parameters.AddWithValue("id", groupId);
            var delete = new NpgsqlBatchCommand("DELETE FROM groups WHERE id = @id");
            delete.Parameters.AddWithValue("id", groupId);
            batch.BatchCommands.Add(shares);
            batch.BatchCommands.Add(delete);
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        await ActivityLog.WriteAsync(connection, tx, "group_deleted", actor.UserId, "group", groupId, Id, new { name = group.Info.Name }, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        groups.Remove(groupId);
        ForgetGroupGrants(groupId);
        // Group membership is in tokens (the groups claim): members' sessions go, as on group member removal.
        await RevokeSessionsAsync(group.Members.ToArray(), cancellationToken);
        return DirectoryResult<Done>.Ok(Done.Value);
    }

    public async Task<DirectoryResult<Done>> AddGroupMemberAsync(Actor actor, Guid groupId, Guid userId, CancellationToken cancellationToken)
    {
        if (Authorize(actor, WorkspaceRole.Admin) is { } refused) return Refused<Done>(refused);
        if (!groups.TryGetValue(groupId, out var group)) return Refused<Done>(DirectoryError.GroupNotFound);
        if (!members.ContainsKey(userId)) return Refused<Done>(DirectoryError.TargetNotMember);
        if (group.Members.Contains(userId)) return Refused<Done>(DirectoryError.AlreadyGroupMember);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await using (var cmd = new NpgsqlCommand("INSERT INTO group_memberships (id, group_id, user_id) VALUES (@id, @group, @user) ON CONFLICT DO NOTHING", connection, tx))
        {
            cmd.Parameters.AddWithValue("id", Guid.NewGuid());
            cmd.Parameters.AddWithValue("group", groupId);
            cmd.Parameters.AddWithValue("user", userId);
            if (await cmd.ExecuteNonQueryAsync(cancellationToken) == 0) return Refused<Done>(DirectoryError.AlreadyGroupMember);
        }
        await ActivityLog.WriteAsync(connection, tx, "group_member_added", actor.UserId, "user", userId, Id, new { group_id = groupId }, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        group.Members.Add(userId);
        // The groups claim grows: the member's session grain forgets the claims it holds (removals revoke instead).
        await GrainFactory.GetGrain<IUserSessionGrain>(userId).ClaimsChangedAsync(cancellationToken);
        return DirectoryResult<Done>.Ok(Done.Value);
    }

    public async Task<DirectoryResult<Done>> RemoveGroupMemberAsync(Actor actor, Guid groupId, Guid userId, CancellationToken cancellationToken)
    {
        if (Authorize(actor, WorkspaceRole.Admin) is { } refused) return Refused<Done>(refused);
        if (!groups.TryGetValue(groupId, out var group)) return Refused<Done>(DirectoryError.GroupNotFound);
        if (!group.Members.Contains(userId)) return Refused<Done>(DirectoryError.GroupMemberNotFound);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await using (var cmd = new NpgsqlCommand("DELETE FROM group_memberships WHERE group_id = @group AND user_id = @user", connection, tx))
        {
            cmd.Parameters.AddWithValue("group", groupId);
            cmd.Parameters.AddWithValue("user", userId);
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }
        await ActivityLog.WriteAsync(connection, tx, "group_member_removed", actor.UserId, "user", userId, Id, new { group_id = groupId }, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        group.Members.Remove(userId);
        await RevokeSessionsAsync([userId], cancellationToken);
        return DirectoryResult<Done>.Ok(Done.Value);
    }

    /// <summary>The stricter of the token's role and the current membership: a demoted caller loses rights at once.</summary>
    private WorkspaceRole? EffectiveRole(Actor actor)
    {
        if (!members.TryGetValue(actor.UserId, out var member)) return null;
        var tokenRank = WorkspaceRoles.Rank(actor.TokenRole);
        if (tokenRank < 0) return null;
        return (WorkspaceRole)Math.Min(tokenRank, (int)member.Role);
    }

    /// <summary>The role a change is decided with: a platform admin (admin API) acts as an owner; anyone else by <see cref="EffectiveRole"/>.</summary>
    private WorkspaceRole? ActingRole(Actor actor) => actor.PlatformAdmin ? WorkspaceRole.Owner : EffectiveRole(actor);

    private DirectoryError? Authorize(Actor actor, WorkspaceRole minimum)
    {
        if (workspace is null) return DirectoryError.WorkspaceNotFound;
        var role = ActingRole(actor);
        if (role is null) return DirectoryError.NotWorkspaceMember;
        return role.Value >= minimum ? null : DirectoryError.InsufficientRole;
    }

    private int OwnerCount() => members.Values.Count(m => m.Role == WorkspaceRole.Owner);

    private async Task RevokeSessionsAsync(IReadOnlyCollection<Guid> userIds, CancellationToken cancellationToken)
    {
        await Task.WhenAll(userIds.Select(u => GrainFactory.GetGrain<IUserSessionGrain>(u).RevokeAllIssuedBeforeNowAsync(cancellationToken)));
        LogRevoked(logger, Id, userIds.Count);
    }

    private async Task<Member> InsertMembershipAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid userId, WorkspaceRole role, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand(
            "INSERT INTO workspace_memberships (id, workspace_id, user_id, role) VALUES (@id, @ws, @user, @role) RETURNING id, joined_at", connection, tx);
        cmd.Parameters.AddWithValue("id", Guid.NewGuid());
        cmd.Parameters.AddWithValue("ws", Id);
        cmd.Parameters.AddWithValue("user", userId);
        cmd.Parameters.AddWithValue("role", role.ToName());
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new Member(reader.GetGuid(0), role, reader.GetFieldValue<DateTimeOffset>(1));
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using (var cmd = new NpgsqlCommand($"SELECT {DbReaders.WorkspaceColumns} FROM workspaces WHERE id = @id", connection))
        {
            cmd.Parameters.AddWithValue("id", Id);
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            workspace = await reader.ReadAsync(cancellationToken) ? DbReaders.Workspace(reader) : null;
        }
        if (workspace is null) return;
        await using (var cmd = new NpgsqlCommand("SELECT id, user_id, role, joined_at FROM workspace_memberships WHERE workspace_id = @id", connection))
        {
            cmd.Parameters.AddWithValue("id", Id);
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                members[reader.GetGuid(1)] = new Member(reader.GetGuid(0), DbReaders.Role(reader.GetString(2)), reader.GetFieldValue<DateTimeOffset>(3));
        }
        await using (var cmd = new NpgsqlCommand($"SELECT {DbReaders.GroupColumns} FROM groups WHERE workspace_id = @id", connection))
        {
            cmd.Parameters.AddWithValue("id", Id);
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var info = DbReaders.Group(reader);
                groups[info.Id] = new Group(info);
            }
        }
        await using (var cmd = new NpgsqlCommand("SELECT gm.group_id, gm.user_id FROM group_memberships gm JOIN groups g ON g.id = gm.group_id WHERE g.workspace_id = @id", connection))
        {
            cmd.Parameters.AddWithValue("id", Id);
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                if (groups.TryGetValue(reader.GetGuid(0), out var group)) group.Members.Add(reader.GetGuid(1));
        }
        await LoadAuthorizationAsync(connection, cancellationToken);
    }

    private static DirectoryResult<T> Refused<T>(DirectoryError error) => DirectoryResult<T>.Refused(error);

    /// <summary>Activity details keep only the domain of an email.</summary>
    private static string MaskEmail(string email)
    {
        var at = email.IndexOf('@');
        return at < 0 ? "***" : "***" + email[at..];
    }

    public Task<WorkspaceMemberClaims> GetMemberClaimsAsync(Guid userId, CancellationToken cancellationToken)
    {
        if (workspace is null) return Task.FromResult(new WorkspaceMemberClaims(false, "", null, []));
        if (!members.TryGetValue(userId, out var member)) return Task.FromResult(new WorkspaceMemberClaims(true, workspace.Slug, null, []));
        var mine = groups.Values.Where(g => g.Members.Contains(userId)).OrderBy(g => g.Info.CreatedAt).ThenBy(g => g.Info.Id).Select(g => g.Info.Id).ToArray();
        return Task.FromResult(new WorkspaceMemberClaims(true, workspace.Slug, member.Role, mine));
    }

    public async Task<int> ReloadMembersAsync(CancellationToken cancellationToken)
    {
        if (workspace is null) return 0;
        var fresh = new Dictionary<Guid, Member>();
        await using (var cmd = database.CreateCommand("SELECT id, user_id, role, joined_at FROM workspace_memberships WHERE workspace_id = @id"))
        {
            cmd.Parameters.AddWithValue("id", Id);
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                fresh[reader.GetGuid(1)] = new Member(reader.GetGuid(0), DbReaders.Role(reader.GetString(2)), reader.GetFieldValue<DateTimeOffset>(3));
        }
        // Swapped in one synchronous step: GetMemberClaimsAsync interleaves and must never see a half-filled map.
        members.Clear();
        foreach (var (user, member) in fresh) members[user] = member;
        return members.Count;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Workspace {WorkspaceId}: revoked sessions of {Count} user(s)")]
    private static partial void LogRevoked(ILogger logger, Guid workspaceId, int count);
}
