using Npgsql;
using Sentinel.Grains.Directory;

namespace Sentinel.Grains.Admin;

/// <summary>The admin API's read-only queries: dashboard counts, the activity log, users and workspaces with their counts, exports.</summary>
internal sealed class AdminQueryStore(NpgsqlDataSource database)
{
    private const string AdminUserSelect =
        "SELECT u.id, u.email, u.name, u.avatar_url, u.is_active, u.is_admin, u.created_at, u.updated_at, " +
        "(SELECT count(*) FROM workspace_memberships m WHERE m.user_id = u.id)::int AS workspace_count FROM users u";

    private const string AdminWorkspaceSelect =
        "SELECT w.id, w.slug, w.name, w.description, w.created_by, w.created_at, " +
        "(SELECT count(*) FROM workspace_memberships m WHERE m.workspace_id = w.id)::int AS member_count, " +
        "(SELECT count(*) FROM groups g WHERE g.workspace_id = w.id)::int AS group_count FROM workspaces w";

    public async Task<AdminStats> GetStatsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        long[] counts;
        await using (var cmd = new NpgsqlCommand(
            "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM workspaces), (SELECT count(*) FROM groups), " +
            "(SELECT count(*) FROM resource_permissions), (SELECT count(*) FROM users WHERE is_active), (SELECT count(*) FROM users WHERE NOT is_active)", connection))
        {
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            counts = Enumerable.Range(0, 6).Select(reader.GetInt64).ToArray();
        }
        var recent = await ReadUsersAsync(connection, $"{AdminUserSelect} ORDER BY u.created_at DESC, u.id LIMIT 5", _ => { }, cancellationToken);
        var top = new List<TopWorkspace>();
        await using (var cmd = new NpgsqlCommand(
            "SELECT w.id, w.name, w.slug, count(m.id)::int AS members FROM workspaces w LEFT JOIN workspace_memberships m ON m.workspace_id = w.id " +
            "GROUP BY w.id ORDER BY members DESC, w.created_at LIMIT 5", connection))
        {
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                top.Add(new TopWorkspace(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3)));
        }
        return new AdminStats(counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], recent, top);
    }

    public async Task<Page<ActivityEntry>> ListActivityAsync(ActivityFilter f, CancellationToken cancellationToken)
    {
        const string where =
            "WHERE (@action::text IS NULL OR a.action = @action) AND (@target::text IS NULL OR a.target_type = @target) " +
            "AND (@ws::uuid IS NULL OR a.workspace_id = @ws) AND (@actor::uuid IS NULL OR a.actor_id = @actor) " +
            "AND (@from::timestamptz IS NULL OR a.created_at >= @from) AND (@to::timestamptz IS NULL OR a.created_at <= @to)";
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        void Bind(NpgsqlCommand cmd)
        {
            cmd.Parameters.AddWithValue("action", (object?)f.Action ?? DBNull.Value);
            cmd.Parameters.AddWithValue("target", (object?)f.TargetType ?? DBNull.Value);
            cmd.Parameters.AddWithValue("ws", (object?)f.WorkspaceId ?? DBNull.Value);
            cmd.Parameters.AddWithValue("actor", (object?)f.ActorId ?? DBNull.Value);
            cmd.Parameters.AddWithValue("from", (object?)f.From ?? DBNull.Value);
            cmd.Parameters.AddWithValue("to", (object?)f.To ?? DBNull.Value);
        }
        long total;
        await using (var count = new NpgsqlCommand($"SELECT count(*) FROM activity_logs a {where}", connection))
        {
            Bind(count);
            total = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        }
        var items = new List<ActivityEntry>();
        await using (var cmd = new NpgsqlCommand(
            "SELECT a.id, a.action, a.actor_id, u.name, u.email, a.target_type, a.target_id, a.workspace_id, a.detail::text, a.created_at " +
            $"FROM activity_logs a LEFT JOIN users u ON u.id = a.actor_id {where} ORDER BY a.created_at DESC, a.id LIMIT @limit OFFSET @offset", connection))
        {
            Bind(cmd);
            cmd.Parameters.AddWithValue("limit", f.PageSize);
            cmd.Parameters.AddWithValue("offset", (f.Page - 1) * f.PageSize);
            await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
            while (await r.ReadAsync(cancellationToken))
                items.Add(new ActivityEntry(r.GetGuid(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetGuid(2), r.IsDBNull(3) ? null : r.GetString(3),
                    r.IsDBNull(4) ? null : r.GetString(4), r.GetString(5), r.GetGuid(6), r.IsDBNull(7) ? null : r.GetGuid(7),
                    r.IsDBNull(8) ? null : r.GetString(8), r.GetFieldValue<DateTimeOffset>(9)));
        }
        return new Page<ActivityEntry>(items, total, f.Page, f.PageSize);
    }

    public async Task<Page<AdminUser>> ListUsersAsync(int page, int pageSize, string? search, CancellationToken cancellationToken)
    {
        const string where = "WHERE (@q::text IS NULL OR strpos(lower(u.email), lower(@q)) > 0 OR strpos(lower(u.name), lower(@q)) > 0)";
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        long total;
        await using (var count = new NpgsqlCommand($"SELECT count(*) FROM users u {where}", connection))
        {
            count.Parameters.AddWithValue("q", (object?)search ?? DBNull.Value);
            total = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        }
        var items = await ReadUsersAsync(connection, $"{AdminUserSelect} {where} ORDER BY u.created_at DESC, u.id LIMIT @limit OFFSET @offset", cmd =>
        {
            cmd.Parameters.AddWithValue("q", (object?)search ?? DBNull.Value);
            cmd.Parameters.AddWithValue("limit", pageSize);
            cmd.Parameters.AddWithValue("offset", (page - 1) * pageSize);
        }, cancellationToken);
        return new Page<AdminUser>(items, total, page, pageSize);
    }

    public async Task<AdminUserDetail?> GetUserAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        UserProfile user;
        await using (var cmd = new NpgsqlCommand($"SELECT {DbReaders.UserColumns} FROM users WHERE id = @id", connection))
        {
            cmd.Parameters.AddWithValue("id", userId);
            await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
            if (!await r.ReadAsync(cancellationToken)) return null;
            user = DbReaders.User(r);
        }
        var social = new List<SocialAccountInfo>();
        await using (var cmd = new NpgsqlCommand("SELECT id, provider, provider_user_id FROM social_accounts WHERE user_id = @id ORDER BY created_at", connection))
        {
            cmd.Parameters.AddWithValue("id", userId);
            await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
            while (await r.ReadAsync(cancellationToken)) social.Add(new SocialAccountInfo(r.GetGuid(0), r.GetString(1), r.GetString(2)));
        }
        var memberships = new List<AdminMembership>();
        await using (var cmd = new NpgsqlCommand(
            "SELECT w.id, w.name, w.slug, m.role, m.joined_at FROM workspace_memberships m JOIN workspaces w ON w.id = m.workspace_id WHERE m.user_id = @id ORDER BY m.joined_at", connection))
        {
            cmd.Parameters.AddWithValue("id", userId);
            await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
            while (await r.ReadAsync(cancellationToken))
                memberships.Add(new AdminMembership(r.GetGuid(0), r.GetString(1), r.GetString(2), DbReaders.Role(r.GetString(3)), r.GetFieldValue<DateTimeOffset>(4)));
        }
        return new AdminUserDetail(user, social, memberships);
    }

    public async Task<Page<AdminWorkspace>> ListWorkspacesAsync(int page, int pageSize, string? search, CancellationToken cancellationToken)
    {
        const string where = "WHERE (@q::text IS NULL OR strpos(lower(w.name), lower(@q)) > 0 OR strpos(lower(w.slug), lower(@q)) > 0)";
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        long total;
        await using (var count = new NpgsqlCommand($"SELECT count(*) FROM workspaces w {where}", connection))
        {
            count.Parameters.AddWithValue("q", (object?)search ?? DBNull.Value);
            total = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        }
        var items = await ReadWorkspacesAsync(connection, $"{AdminWorkspaceSelect} {where} ORDER BY w.created_at DESC, w.id LIMIT @limit OFFSET @offset", cmd =>
        {
            cmd.Parameters.AddWithValue("q", (object?)search ?? DBNull.Value);
            cmd.Parameters.AddWithValue("limit", pageSize);
            cmd.Parameters.AddWithValue("offset", (page - 1) * pageSize);
        }, withGroups: false, cancellationToken);
        return new Page<AdminWorkspace>(items, total, page, pageSize);
    }

    public async Task<AdminWorkspace?> GetWorkspaceAsync(Guid workspaceId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var rows = await ReadWorkspacesAsync(connection, $"{AdminWorkspaceSelect} WHERE w.id = @id", cmd => cmd.Parameters.AddWithValue("id", workspaceId), withGroups: true, cancellationToken);
        return rows.FirstOrDefault();
    }

    public async Task<IReadOnlyList<TopWorkspace>> ListAllWorkspacesAsync(CancellationToken cancellationToken)
    {
        await using var cmd = database.CreateCommand("SELECT id, name, slug FROM workspaces ORDER BY name, id");
        var result = new List<TopWorkspace>();
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await r.ReadAsync(cancellationToken)) result.Add(new TopWorkspace(r.GetGuid(0), r.GetString(1), r.GetString(2), 0));
        return result;
    }

    public async Task<IReadOnlyList<AdminUser>> ExportUsersAsync(DateTimeOffset? afterCreatedAt, Guid? afterId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await ReadUsersAsync(connection,
            $"{AdminUserSelect} WHERE (@after::timestamptz IS NULL OR (u.created_at, u.id) > (@after, @afterId)) ORDER BY u.created_at, u.id LIMIT @limit", cmd =>
            {
                cmd.Parameters.AddWithValue("after", (object?)afterCreatedAt ?? DBNull.Value);
                cmd.Parameters.AddWithValue("afterId", (object?)afterId ?? Guid.Empty);
                cmd.Parameters.AddWithValue("limit", limit);
            }, cancellationToken);
    }

    public async Task<IReadOnlyList<AdminWorkspace>> ExportWorkspacesAsync(DateTimeOffset? afterCreatedAt, Guid? afterId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await ReadWorkspacesAsync(connection,
            $"{AdminWorkspaceSelect} WHERE (@after::timestamptz IS NULL OR (w.created_at, w.id) > (@after, @afterId)) ORDER BY w.created_at, w.id LIMIT @limit", cmd =>
            {
                cmd.Parameters.AddWithValue("after", (object?)afterCreatedAt ?? DBNull.Value);
                cmd.Parameters.AddWithValue("afterId", (object?)afterId ?? Guid.Empty);
                cmd.Parameters.AddWithValue("limit", limit);
            }, withGroups: false, cancellationToken);
    }

    private static async Task<List<AdminUser>> ReadUsersAsync(NpgsqlConnection connection, string sql, Action<NpgsqlCommand> bind, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        bind(cmd);
        var result = new List<AdminUser>();
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await r.ReadAsync(cancellationToken))
            result.Add(new AdminUser(new UserProfile(r.GetGuid(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.GetBoolean(4),
                r.GetBoolean(5), r.GetFieldValue<DateTimeOffset>(6), r.GetFieldValue<DateTimeOffset>(7)), r.GetInt32(8)));
        return result;
    }

    private static async Task<List<AdminWorkspace>> ReadWorkspacesAsync(NpgsqlConnection connection, string sql, Action<NpgsqlCommand> bind, bool withGroups, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        bind(cmd);
        var result = new List<AdminWorkspace>();
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await r.ReadAsync(cancellationToken))
            result.Add(new AdminWorkspace(DbReaders.Workspace(r), r.GetInt32(6), withGroups ? r.GetInt32(7) : null));
        return result;
    }
}
