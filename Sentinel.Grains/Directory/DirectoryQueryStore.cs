using Npgsql;

namespace Sentinel.Grains.Directory;

/// <summary>Directory lookups and lists read straight from the tables: ids by email or slug, a user's workspaces, members, groups.</summary>
internal sealed class DirectoryQueryStore(NpgsqlDataSource database)
{
    public async Task<Guid?> FindUserIdByEmailAsync(string email, CancellationToken cancellationToken)
    {
        await using var cmd = database.CreateCommand("SELECT id FROM users WHERE lower(email) = lower(@email)");
        cmd.Parameters.AddWithValue("email", email);
        return await cmd.ExecuteScalarAsync(cancellationToken) as Guid?;
    }

    public async Task<Guid?> FindWorkspaceIdBySlugAsync(string slug, CancellationToken cancellationToken)
    {
        await using var cmd = database.CreateCommand("SELECT id FROM workspaces WHERE slug = @slug");
        cmd.Parameters.AddWithValue("slug", slug);
        return await cmd.ExecuteScalarAsync(cancellationToken) as Guid?;
    }

    public async Task<IReadOnlyList<UserWorkspace>> ListUserWorkspacesAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var cmd = database.CreateCommand(
            "SELECT w.id, w.slug, w.name, w.description, w.created_by, w.created_at, m.role FROM workspace_memberships m JOIN workspaces w ON w.id = m.workspace_id " +
            "WHERE m.user_id = @user ORDER BY w.created_at, w.id");
        cmd.Parameters.AddWithValue("user", userId);
        var result = new List<UserWorkspace>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            result.Add(new UserWorkspace(DbReaders.Workspace(reader), DbReaders.Role(reader.GetString(6))));
        return result;
    }

    public async Task<IReadOnlyList<MemberInfo>> ListMembersAsync(Guid workspaceId, string? query, int? limit, CancellationToken cancellationToken)
    {
        // Unlike the original, % and _ in the query are literal characters.
        await using var cmd = database.CreateCommand(
            "SELECT u.id, u.email, u.name, u.avatar_url, m.role, m.joined_at FROM workspace_memberships m JOIN users u ON u.id = m.user_id " +
            "WHERE m.workspace_id = @ws AND (@q::text IS NULL OR strpos(lower(u.name), lower(@q)) > 0 OR strpos(lower(u.email), lower(@q)) > 0) " +
            "ORDER BY m.joined_at, u.id LIMIT @limit");
        cmd.Parameters.AddWithValue("ws", workspaceId);
        cmd.Parameters.AddWithValue("q", (object?)query ?? DBNull.Value);
        cmd.Parameters.AddWithValue("limit", (object?)limit ?? DBNull.Value);
        var result = new List<MemberInfo>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            result.Add(new MemberInfo(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                DbReaders.Role(reader.GetString(4)), reader.GetFieldValue<DateTimeOffset>(5)));
        return result;
    }

    public async Task<IReadOnlyList<GroupInfo>> ListGroupsAsync(Guid workspaceId, CancellationToken cancellationToken)
    {
        await using var cmd = database.CreateCommand($"SELECT {DbReaders.GroupColumns} FROM groups WHERE workspace_id = @ws ORDER BY created_at, id");
        cmd.Parameters.AddWithValue("ws", workspaceId);
        var result = new List<GroupInfo>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) result.Add(DbReaders.Group(reader));
        return result;
    }

    public async Task<IReadOnlyList<GroupMemberInfo>?> ListGroupMembersAsync(Guid workspaceId, Guid groupId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using (var exists = new NpgsqlCommand("SELECT 1 FROM groups WHERE id = @g AND workspace_id = @ws", connection))
        {
            exists.Parameters.AddWithValue("g", groupId);
            exists.Parameters.AddWithValue("ws", workspaceId);
            if (await exists.ExecuteScalarAsync(cancellationToken) is null) return null;
        }
        await using var cmd = new NpgsqlCommand(
            "SELECT u.id, u.email, u.name, gm.added_at FROM group_memberships gm JOIN users u ON u.id = gm.user_id WHERE gm.group_id = @g ORDER BY gm.added_at, u.id", connection);
        cmd.Parameters.AddWithValue("g", groupId);
        var result = new List<GroupMemberInfo>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            result.Add(new GroupMemberInfo(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3)));
        return result;
    }
}
