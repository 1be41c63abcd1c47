using Npgsql;
using Orleans.Concurrency;
using Sentinel.Grains.ServiceApps;

namespace Sentinel.Grains.Authorization;

/// <summary>
/// Index reads by primary or unique key. A resource's workspace never changes, so routing on a row read here is safe:
/// the workspace grain then decides from memory, and answers "not found" if the row went away in between.
/// </summary>
[StatelessWorker]
internal sealed class AuthorizationLookupGrain(NpgsqlDataSource database) : Grain, IAuthorizationLookupGrain
{
    public async Task<ResourceLocation?> FindPermissionAsync(Guid permissionId, CancellationToken cancellationToken)
    {
        await using var cmd = database.CreateCommand("SELECT id, workspace_id, service_name FROM resource_permissions WHERE id = @id");
        cmd.Parameters.AddWithValue("id", permissionId);
        return await ReadLocationAsync(cmd, cancellationToken);
    }

    public async Task<ResourceLocation?> FindResourceAsync(ResourceRef resource, CancellationToken cancellationToken)
    {
        await using var cmd = database.CreateCommand(
            "SELECT id, workspace_id, service_name FROM resource_permissions WHERE service_name = @service AND resource_type = @type AND resource_id = @resource");
        cmd.Parameters.AddWithValue("service", resource.ServiceName);
        cmd.Parameters.AddWithValue("type", resource.ResourceType);
        cmd.Parameters.AddWithValue("resource", resource.ResourceId);
        return await ReadLocationAsync(cmd, cancellationToken);
    }

    public async Task<ServiceKeyIdentity?> FindServiceByOriginAsync(string origin, CancellationToken cancellationToken)
    {
        await using var cmd = database.CreateCommand(
            "SELECT id, service_name, allowed_origins, allowed_idp_audiences FROM service_apps " +
            "WHERE is_active AND @origin = ANY(allowed_origins) ORDER BY created_at, id LIMIT 1");
        cmd.Parameters.AddWithValue("origin", origin);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new ServiceKeyIdentity(reader.GetGuid(0), reader.GetString(1), reader.GetFieldValue<string[]>(2), reader.GetFieldValue<string[]>(3))
            : null;
    }

    public async Task<bool> IsAllowedRedirectOriginAsync(string origin, CancellationToken cancellationToken)
    {
        await using (var cmd = database.CreateCommand("SELECT EXISTS (SELECT 1 FROM service_apps, unnest(allowed_origins) AS o WHERE is_active AND lower(o) = @origin)"))
        {
            cmd.Parameters.AddWithValue("origin", origin);
            if (await cmd.ExecuteScalarAsync(cancellationToken) is true) return true;
        }
        // Client apps list full redirect URIs; their origins are compared here rather than with LIKE, whose wildcards
        // an origin could carry.
        await using (var cmd = database.CreateCommand("SELECT unnest(redirect_uris) FROM client_apps WHERE is_active"))
        {
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                if (OriginOf(reader.GetString(0)) == origin) return true;
            }
        }
        return false;
    }

    /// <summary>scheme://host[:port] of an absolute http(s) URL, lower-cased as browsers send it; null otherwise.</summary>
    internal static string? OriginOf(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri.GetLeftPart(UriPartial.Authority).ToLowerInvariant()
            : null;

    private static async Task<ResourceLocation?> ReadLocationAsync(NpgsqlCommand cmd, CancellationToken cancellationToken)
    {
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new ResourceLocation(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2)) : null;
    }
}

/// <summary>
/// The service-action catalog. One statement per registration: the unique (service, action) constraint settles
/// concurrent registrations, and <c>xmax = 0</c> tells rows inserted by this statement from rows that existed.
/// </summary>
[StatelessWorker]
internal sealed class ServiceActionRegistryGrain(NpgsqlDataSource database) : Grain, IServiceActionRegistryGrain
{
    public async Task<Result<IReadOnlyList<ServiceActionInfo>, AuthorizationError>> RegisterAsync(string serviceName, IReadOnlyList<ActionDefinition> actions, CancellationToken cancellationToken)
    {
        var duplicate = actions.GroupBy(a => a.Action, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) return Result<IReadOnlyList<ServiceActionInfo>, AuthorizationError>.Refused(AuthorizationError.DuplicateAction, duplicate.Key);
        if (actions.Count == 0) return Result<IReadOnlyList<ServiceActionInfo>, AuthorizationError>.Ok([]);

        await using var cmd = database.CreateCommand(
            "INSERT INTO service_actions (id, service_name, action, description) " +
            "SELECT gen_random_uuid(), @service, a.action, a.description FROM unnest(@actions, @descriptions) AS a(action, description) " +
            "ON CONFLICT (service_name, action) DO UPDATE SET description = COALESCE(EXCLUDED.description, service_actions.description) " +
            "RETURNING id, service_name, action, description, created_at, (xmax = 0) AS inserted");
        cmd.Parameters.AddWithValue("service", serviceName);
        cmd.Parameters.AddWithValue("actions", actions.Select(a => a.Action).ToArray());
        cmd.Parameters.Add(new NpgsqlParameter("descriptions", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text)
        {
            Value = actions.Select(a => (object?)a.Description ?? DBNull.Value).ToArray(),
        });
        var rows = new List<(ServiceActionInfo Info, bool Inserted)>();
        await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                rows.Add((Read(reader), reader.GetBoolean(5)));
        }
        var order = actions.Select((a, i) => (a.Action, i)).ToDictionary(x => x.Action, x => x.i, StringComparer.Ordinal);
        IReadOnlyList<ServiceActionInfo> result = rows
            .OrderBy(r => r.Inserted)
            .ThenBy(r => order[r.Info.Action])
            .Select(r => r.Info).ToArray();
        return Result<IReadOnlyList<ServiceActionInfo>, AuthorizationError>.Ok(result);
    }

    public async Task<IReadOnlyList<ServiceActionInfo>> ListAsync(string? serviceName, CancellationToken cancellationToken)
    {
        await using var cmd = database.CreateCommand(
            "SELECT id, service_name, action, description, created_at FROM service_actions WHERE @service::text IS NULL OR service_name = @service ORDER BY service_name, action");
        cmd.Parameters.AddWithValue("service", (object?)serviceName ?? DBNull.Value);
        var result = new List<ServiceActionInfo>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) result.Add(Read(reader));
        return result;
    }

    public async Task<bool> DeleteAsync(Guid serviceActionId, Audit? audit, CancellationToken cancellationToken)
    {
        Guid[] affected;
        await using (var connection = await database.OpenConnectionAsync(cancellationToken))
        await using (var tx = await connection.BeginTransactionAsync(cancellationToken))
        {
            // The row lock makes a concurrent AddRoleActions (FOR SHARE) wait and then find the action gone, so the
            // list of workspaces to reload cannot miss one.
            await using (var lockRow = new NpgsqlCommand("SELECT 1 FROM service_actions WHERE id = @id FOR UPDATE", connection, tx))
            {
                lockRow.Parameters.AddWithValue("id", serviceActionId);
                if (await lockRow.ExecuteScalarAsync(cancellationToken) is null) return false;
            }
            affected = await WorkspacesAsync(connection, tx,
                "SELECT DISTINCT r.workspace_id FROM role_actions ra JOIN roles r ON r.id = ra.role_id WHERE ra.service_action_id = @id", serviceActionId, cancellationToken);
            await using (var delete = new NpgsqlCommand("DELETE FROM service_actions WHERE id = @id", connection, tx))
            {
                delete.Parameters.AddWithValue("id", serviceActionId);
                await delete.ExecuteNonQueryAsync(cancellationToken);
            }
            if (audit is not null)
                await Activity.ActivityLog.WriteAsync(connection, tx, audit.Action, audit.ActorId, "service_action", serviceActionId, null, null, cancellationToken);
            await tx.CommitAsync(cancellationToken);
        }
        await ReloadAsync(affected, cancellationToken);
        return true;
    }

    public async Task<int> PurgeServicePermissionsAsync(string serviceName, Audit? audit, CancellationToken cancellationToken)
    {
        var deleted = new List<Guid>();
        await using (var connection = await database.OpenConnectionAsync(cancellationToken))
        await using (var tx = await connection.BeginTransactionAsync(cancellationToken))
        {
            await using (var cmd = new NpgsqlCommand("DELETE FROM resource_permissions WHERE service_name = @service RETURNING workspace_id", connection, tx))
            {
                cmd.Parameters.AddWithValue("service", serviceName);
                await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken)) deleted.Add(reader.GetGuid(0));
            }
            if (audit is not null)
                await Activity.ActivityLog.WriteAsync(connection, tx, audit.Action, audit.ActorId, "service", Guid.Empty, null,
                    new { service_name = serviceName, deleted_count = deleted.Count }, cancellationToken);
            await tx.CommitAsync(cancellationToken);
        }
        await ReloadAsync(deleted.Distinct().ToArray(), cancellationToken);
        return deleted.Count;
    }

    private async Task ReloadAsync(IReadOnlyCollection<Guid> workspaces, CancellationToken cancellationToken)
    {
        // Bounded fan-out: a purge may touch many workspaces.
        foreach (var chunk in workspaces.Chunk(32))
            await Task.WhenAll(chunk.Select(id => GrainFactory.GetGrain<IWorkspaceAuthorizationGrain>(id).ReloadAuthorizationAsync(cancellationToken)));
    }

    private static async Task<Guid[]> WorkspacesAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, Guid id, CancellationToken cancellationToken)
    {
        var result = new List<Guid>();
        await using var cmd = new NpgsqlCommand(sql, connection, tx);
        cmd.Parameters.AddWithValue("id", id);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) result.Add(reader.GetGuid(0));
        return [.. result];
    }

    private static ServiceActionInfo Read(NpgsqlDataReader r) =>
        new(r.GetGuid(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.GetFieldValue<DateTimeOffset>(4));
}
