using Npgsql;
using NpgsqlTypes;
using Sentinel.Grains.Data;

namespace Sentinel.Grains.Authorization;

/// <summary>
/// The service-action catalog (<c>service_actions</c>) and the deletions that cut across workspaces (an action's role
/// grants, a service's ACLs), for <see cref="ServiceActionRegistryGrain"/>. The deletions return the workspaces they
/// touched, which the grain then asks to reload.
/// </summary>
internal sealed class ServiceActionStore(NpgsqlDataSource database)
{
    /// <summary>
    /// Upserts the actions in one statement: the unique (service, action) constraint settles concurrent registrations,
    /// and <c>xmax = 0</c> tells rows inserted by this statement from rows that existed. Rows in the order the statement
    /// returns them, each with whether it was inserted.
    /// </summary>
    public async Task<List<(ServiceActionInfo Info, bool Inserted)>> RegisterAsync(string serviceName, IReadOnlyList<ActionDefinition> actions, CancellationToken cancellationToken)
    {
        await using var cmd = database.CreateCommand(
            "INSERT INTO service_actions (id, service_name, action, description) " +
            "SELECT gen_random_uuid(), @service, a.action, a.description FROM unnest(@actions, @descriptions) AS a(action, description) " +
            "ON CONFLICT (service_name, action) DO UPDATE SET description = COALESCE(EXCLUDED.description, service_actions.description) " +
            "RETURNING id, service_name, action, description, created_at, (xmax = 0) AS inserted");
        cmd.Parameters.AddWithValue("service", serviceName);
        cmd.Parameters.AddWithValue("actions", actions.Select(a => a.Action).ToArray());
        cmd.Parameters.Add(new NpgsqlParameter("descriptions", NpgsqlDbType.Array | NpgsqlDbType.Text)
        {
            Value = actions.Select(a => (object?)a.Description ?? DBNull.Value).ToArray(),
        });
        return await cmd.ReadAllAsync(r => (Read(r), r.GetBoolean(5)), cancellationToken);
    }

    /// <summary>Actions by service then action; all services when <paramref name="serviceName"/> is null.</summary>
    public async Task<List<ServiceActionInfo>> ListAsync(string? serviceName, CancellationToken cancellationToken)
    {
        await using var cmd = database.CreateCommand(
            "SELECT id, service_name, action, description, created_at FROM service_actions WHERE @service::text IS NULL OR service_name = @service ORDER BY service_name, action");
        cmd.Parameters.AddWithValue("service", (object?)serviceName ?? DBNull.Value);
        return await cmd.ReadAllAsync(Read, cancellationToken);
    }

    /// <summary>
    /// Deletes the action (role grants cascade) with the audit's activity row, if any; the workspaces whose roles
    /// granted it, or null when there was no such action (nothing written).
    /// </summary>
    public async Task<Guid[]?> DeleteAsync(Guid serviceActionId, Audit? audit, CancellationToken cancellationToken)
    {
        // Three statements that must see one state (lock, affected workspaces, delete), so the transaction is held here
        // and the optional activity row goes through the shared writer inside it.
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        // The row lock makes a concurrent AddRoleActions (FOR SHARE) wait and then find the action gone, so the list of
        // workspaces to reload cannot miss one.
        await using (var lockRow = new NpgsqlCommand("SELECT 1 FROM service_actions WHERE id = @id FOR UPDATE", connection, tx))
        {
            lockRow.Parameters.AddWithValue("id", serviceActionId);
            if (await lockRow.ExecuteScalarAsync(cancellationToken) is null) return null;
        }
        List<Guid> affected;
        await using (var cmd = new NpgsqlCommand(
            "SELECT DISTINCT r.workspace_id FROM role_actions ra JOIN roles r ON r.id = ra.role_id WHERE ra.service_action_id = @id", connection, tx))
        {
            cmd.Parameters.AddWithValue("id", serviceActionId);
            affected = await cmd.ReadAllAsync(r => r.GetGuid(0), cancellationToken);
        }
        await using (var delete = new NpgsqlCommand("DELETE FROM service_actions WHERE id = @id", connection, tx))
        {
            delete.Parameters.AddWithValue("id", serviceActionId);
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }
        if (audit is not null)
            await ActivityTransaction.WriteAsync(connection, tx, new ActivityRow(audit.Action, audit.ActorId, "service_action", serviceActionId), cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return [.. affected];
    }

    /// <summary>
    /// Deletes every ACL of the service in all workspaces, with the audit's activity row, if any; the workspace of each
    /// deleted ACL (one entry per ACL).
    /// </summary>
    public Task<List<Guid>> PurgeServicePermissionsAsync(string serviceName, Audit? audit, CancellationToken cancellationToken)
    {
        async Task<List<Guid>> Purge(NpgsqlConnection connection, NpgsqlTransaction? tx)
        {
            await using var cmd = new NpgsqlCommand("DELETE FROM resource_permissions WHERE service_name = @service RETURNING workspace_id", connection, tx);
            cmd.Parameters.AddWithValue("service", serviceName);
            return await cmd.ReadAllAsync(r => r.GetGuid(0), cancellationToken);
        }

        // Without an audit (a service app's deletion) the one statement commits on its own.
        return audit is null
            ? WithoutActivityAsync(Purge, cancellationToken)
            : database.WriteWithActivityAsync((connection, tx) => Purge(connection, tx),
                deleted => new ActivityRow(audit.Action, audit.ActorId, "service", Guid.Empty, null, new { service_name = serviceName, deleted_count = deleted.Count }),
                cancellationToken);
    }

    private async Task<T> WithoutActivityAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction?, Task<T>> change, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await change(connection, null);
    }

    private static ServiceActionInfo Read(NpgsqlDataReader r) =>
        new(r.GetGuid(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.GetFieldValue<DateTimeOffset>(4));
}
