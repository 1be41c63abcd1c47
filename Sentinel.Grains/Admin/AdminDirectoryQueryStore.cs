using Npgsql;
using NpgsqlTypes;
using Sentinel.Grains.Authorization;

namespace Sentinel.Grains.Admin;

/// <summary>The admin API's lookups across workspaces: which workspace a group or role is in, ACLs with their share counts, a role's actions and members.</summary>
internal sealed class AdminDirectoryQueryStore(NpgsqlDataSource database)
{
    private const string AclSelect =
        "SELECT p.id, p.service_name, p.resource_type, p.resource_id, p.workspace_id, p.owner_id, p.visibility, p.created_at, u.email, " +
        "(SELECT count(*) FROM resource_shares s WHERE s.resource_permission_id = p.id)::int AS share_count " +
        "FROM resource_permissions p LEFT JOIN users u ON u.id = p.owner_id";

    private const string AclWhere =
        " WHERE (@ws::uuid IS NULL OR p.workspace_id = @ws) AND (@svc::text IS NULL OR p.service_name = @svc)" +
        " AND (@rid::text IS NULL OR p.resource_id::text LIKE @rid ESCAPE '\\') AND (@owner::text IS NULL OR u.email ILIKE @owner ESCAPE '\\')";

    public Task<Guid?> FindGroupWorkspaceAsync(Guid groupId, CancellationToken cancellationToken) =>
        ScalarGuidAsync("SELECT workspace_id FROM groups WHERE id = @id", groupId, cancellationToken);

    public Task<Guid?> FindRoleWorkspaceAsync(Guid roleId, CancellationToken cancellationToken) =>
        ScalarGuidAsync("SELECT workspace_id FROM roles WHERE id = @id", roleId, cancellationToken);

    public async Task<Page<AdminAcl>> ListPermissionsAsync(PermissionFilter filter, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        long total;
        await using (var count = new NpgsqlCommand("SELECT count(*) FROM resource_permissions p LEFT JOIN users u ON u.id = p.owner_id" + AclWhere, connection))
        {
            Bind(count, filter);
            total = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        }
        var direction = filter.Descending ? "DESC" : "ASC";
        var order = filter.SortByShares ? $"share_count {direction}, p.created_at {direction}, p.id" : $"p.created_at {direction}, p.id";
        var items = new List<AdminAcl>();
        await using (var cmd = new NpgsqlCommand($"{AclSelect}{AclWhere} ORDER BY {order} LIMIT @limit OFFSET @offset", connection))
        {
            Bind(cmd, filter);
            cmd.Parameters.AddWithValue("limit", filter.PageSize);
            cmd.Parameters.AddWithValue("offset", (long)(filter.Page - 1) * filter.PageSize);
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) items.Add(ReadAcl(reader));
        }
        return new Page<AdminAcl>(items, total, filter.Page, filter.PageSize);
    }

    public async Task<AdminAcl?> GetPermissionSummaryAsync(Guid permissionId, CancellationToken cancellationToken)
    {
        await using var cmd = database.CreateCommand($"{AclSelect} WHERE p.id = @id");
        cmd.Parameters.AddWithValue("id", permissionId);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadAcl(reader) : null;
    }

    public async Task<IReadOnlyList<ServiceActionInfo>?> ListRoleActionsAsync(Guid roleId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        if (!await RoleExistsAsync(connection, roleId, cancellationToken)) return null;
        await using var cmd = new NpgsqlCommand(
            "SELECT a.id, a.service_name, a.action, a.description, a.created_at FROM role_actions ra JOIN service_actions a ON a.id = ra.service_action_id " +
            "WHERE ra.role_id = @id ORDER BY a.service_name, a.action", connection);
        cmd.Parameters.AddWithValue("id", roleId);
        var result = new List<ServiceActionInfo>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            result.Add(new ServiceActionInfo(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4)));
        return result;
    }

    public async Task<IReadOnlyList<RoleMemberInfo>?> ListRoleMembersAsync(Guid roleId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        if (!await RoleExistsAsync(connection, roleId, cancellationToken)) return null;
        await using var cmd = new NpgsqlCommand(
            "SELECT u.id, u.email, u.name, ur.assigned_at, ur.assigned_by FROM user_roles ur JOIN users u ON u.id = ur.user_id " +
            "WHERE ur.role_id = @id ORDER BY ur.assigned_at, u.id", connection);
        cmd.Parameters.AddWithValue("id", roleId);
        var result = new List<RoleMemberInfo>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            result.Add(new RoleMemberInfo(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3), reader.IsDBNull(4) ? null : reader.GetGuid(4)));
        return result;
    }

    private async Task<Guid?> ScalarGuidAsync(string sql, Guid id, CancellationToken cancellationToken)
    {
        await using var cmd = database.CreateCommand(sql);
        cmd.Parameters.AddWithValue("id", id);
        return await cmd.ExecuteScalarAsync(cancellationToken) is Guid found ? found : null;
    }

    private static async Task<bool> RoleExistsAsync(NpgsqlConnection connection, Guid roleId, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand("SELECT 1 FROM roles WHERE id = @id", connection);
        cmd.Parameters.AddWithValue("id", roleId);
        return await cmd.ExecuteScalarAsync(cancellationToken) is not null;
    }

    private static void Bind(NpgsqlCommand cmd, PermissionFilter filter)
    {
        cmd.Parameters.Add(new NpgsqlParameter("ws", NpgsqlDbType.Uuid) { Value = (object?)filter.WorkspaceId ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter("svc", NpgsqlDbType.Text) { Value = (object?)filter.ServiceName ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter("rid", NpgsqlDbType.Text) { Value = filter.ResourceIdPrefix is { } p ? EscapeLike(p.ToLowerInvariant()) + "%" : DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter("owner", NpgsqlDbType.Text) { Value = filter.OwnerEmail is { } o ? "%" + EscapeLike(o) + "%" : DBNull.Value });
    }

    /// <summary>Filters are literal text: <c>%</c> and <c>_</c> typed by an admin match themselves.</summary>
    private static string EscapeLike(string value) => value.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");

    private static AdminAcl ReadAcl(NpgsqlDataReader r)
    {
        var acl = new AclInfo(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetGuid(3), r.GetGuid(4), r.IsDBNull(5) ? null : r.GetGuid(5),
            r.GetString(6) == "private" ? AclVisibility.Private : AclVisibility.Workspace, r.GetFieldValue<DateTimeOffset>(7), []);
        return new AdminAcl(acl, r.IsDBNull(8) ? null : r.GetString(8), r.GetInt32(9));
    }
}
