using Npgsql;
using Sentinel.Grains.Data;
using Sentinel.Grains.Directory;

namespace Sentinel.Grains.Admin;

/// <summary>Opens the connection a batched CSV import (<see cref="AdminImportJobGrain"/>) runs on.</summary>
internal sealed class AdminImportStore(NpgsqlDataSource database)
{
    public async Task<ImportTransaction> OpenAsync(CancellationToken cancellationToken) =>
        new(await database.OpenConnectionAsync(cancellationToken));
}

/// <summary>
/// One import's connection and its single transaction. Rule relied on: every row of the import is written in this one
/// transaction, so until <see cref="CommitAsync"/> no other session sees any of them, and disposing it uncommitted (a
/// cancel, an error, the loss of the silo closing the connection) rolls all of it back. It is the one write that does not
/// go through <see cref="ActivityTransaction.WriteWithActivityAsync"/>: the job reports progress between its batches.
/// </summary>
internal sealed class ImportTransaction(NpgsqlConnection connection) : IAsyncDisposable
{
    private NpgsqlTransaction? tx;

    /// <summary>The ids of the workspaces with these slugs (before the transaction: validation of the whole file).</summary>
    public Task<Dictionary<string, Guid>> WorkspaceIdsAsync(string[] slugs, CancellationToken ct) => WorkspaceIdsAsync(connection, slugs, ct);

    public async Task BeginAsync(CancellationToken ct) => tx = await connection.BeginTransactionAsync(ct);

    /// <summary>One batch in the import's transaction (see the static overload for what it writes); users created and memberships added.</summary>
    public Task<(int Created, int Added)> WriteBatchAsync((CsvImportRow Row, Guid Workspace)[] batch, Dictionary<string, Guid> userIds,
        HashSet<(Guid, Guid)> memberships, Guid actorId, CancellationToken ct) =>
        WriteBatchAsync(connection, tx!, batch, userIds, memberships, actorId, ct);

    /// <summary>The import's own activity row, in its transaction.</summary>
    public Task RecordAsync(ActivityRow row, CancellationToken ct) => ActivityTransaction.WriteAsync(connection, tx, row, ct);

    /// <summary>Not cancellable: the commit either happens or fails as a whole.</summary>
    public Task CommitAsync() => tx!.CommitAsync(CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        if (tx is not null) await tx.DisposeAsync();
        await connection.DisposeAsync();
    }

    private static async Task<Dictionary<string, Guid>> WorkspaceIdsAsync(NpgsqlConnection connection, string[] slugs, CancellationToken ct)
    {
        var found = new Dictionary<string, Guid>(StringComparer.Ordinal);
        await using var cmd = new NpgsqlCommand("SELECT slug, id FROM workspaces WHERE slug = ANY(@slugs)", connection);
        cmd.Parameters.AddWithValue("slugs", slugs);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) found[reader.GetString(0)] = reader.GetGuid(1);
        return found;
    }

    /// <summary>
    /// One batch, in the import's transaction, with a fixed number of statements whatever its size: look up existing
    /// users, insert the missing ones (ON CONFLICT DO NOTHING, then look up again: a concurrent sign-up of the same email
    /// wins and is reused), insert the memberships (an existing one is kept, as the row-by-row path does), and the same
    /// activity rows the row-by-row path writes (user_created, member_invited).
    /// </summary>
    private static async Task<(int Created, int Added)> WriteBatchAsync(NpgsqlConnection connection, NpgsqlTransaction tx,
        (CsvImportRow Row, Guid Workspace)[] batch, Dictionary<string, Guid> userIds, HashSet<(Guid, Guid)> memberships, Guid actorId, CancellationToken ct)
    {
        static string Key(string email) => email.ToLowerInvariant();
        var unknown = batch.Select(b => b.Row.Email).Where(e => !userIds.ContainsKey(Key(e))).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        if (unknown.Length > 0) await LookUpAsync(connection, tx, unknown, userIds, ct);

        var toCreate = new Dictionary<string, (Guid Id, string Email, string Name)>(StringComparer.Ordinal);
        foreach (var (row, _) in batch)
            if (!userIds.ContainsKey(Key(row.Email)) && !toCreate.ContainsKey(Key(row.Email)))
                toCreate[Key(row.Email)] = (Guid.NewGuid(), row.Email, row.Name);
        var created = 0;
        if (toCreate.Count > 0)
        {
            var newIds = new List<Guid>();
            await using (var cmd = new NpgsqlCommand(
                "INSERT INTO users (id, email, name) SELECT * FROM unnest(@ids, @emails, @names) ON CONFLICT DO NOTHING RETURNING id, email", connection, tx))
            {
                cmd.Parameters.AddWithValue("ids", toCreate.Values.Select(v => v.Id).ToArray());
                cmd.Parameters.AddWithValue("emails", toCreate.Values.Select(v => v.Email).ToArray());
                cmd.Parameters.AddWithValue("names", toCreate.Values.Select(v => v.Name).ToArray());
                await using var reader = await cmd.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    userIds[Key(reader.GetString(1))] = reader.GetGuid(0);
                    newIds.Add(reader.GetGuid(0));
                }
            }
            created = newIds.Count;
            var lost = toCreate.Keys.Where(k => !userIds.ContainsKey(k)).Select(k => toCreate[k].Email).ToArray();
            if (lost.Length > 0) await LookUpAsync(connection, tx, lost, userIds, ct);
            if (newIds.Count > 0)
            {
                await using var log = new NpgsqlCommand(
                    "INSERT INTO activity_logs (id, action, actor_id, target_type, target_id) SELECT l, 'user_created', NULL, 'user', u FROM unnest(@logs, @users) AS t(l, u)", connection, tx);
                log.Parameters.AddWithValue("logs", newIds.Select(_ => Guid.NewGuid()).ToArray());
                log.Parameters.AddWithValue("users", newIds.ToArray());
                await log.ExecuteNonQueryAsync(ct);
            }
        }

        // One membership per (workspace, user): the first row in the file wins, as it would row by row.
        var rows = new List<(Guid Id, Guid Workspace, Guid User, string Role)>();
        foreach (var (row, ws) in batch)
        {
            if (!userIds.TryGetValue(Key(row.Email), out var user)) continue;
            if (memberships.Add((ws, user))) rows.Add((Guid.NewGuid(), ws, user, row.Role.ToName()));
        }
        var added = new List<(Guid Workspace, Guid User, string Role)>();
        if (rows.Count > 0)
        {
            await using (var cmd = new NpgsqlCommand(
                "INSERT INTO workspace_memberships (id, workspace_id, user_id, role) SELECT * FROM unnest(@ids, @workspaces, @users, @roles) " +
                "ON CONFLICT DO NOTHING RETURNING workspace_id, user_id, role", connection, tx))
            {
                cmd.Parameters.AddWithValue("ids", rows.Select(r => r.Id).ToArray());
                cmd.Parameters.AddWithValue("workspaces", rows.Select(r => r.Workspace).ToArray());
                cmd.Parameters.AddWithValue("users", rows.Select(r => r.User).ToArray());
                cmd.Parameters.AddWithValue("roles", rows.Select(r => r.Role).ToArray());
                await using var reader = await cmd.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct)) added.Add((reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2)));
            }
            if (added.Count > 0)
            {
                await using var log = new NpgsqlCommand(
                    "INSERT INTO activity_logs (id, action, actor_id, target_type, target_id, workspace_id, detail) " +
                    "SELECT l, 'member_invited', @actor, 'user', u, w, jsonb_build_object('role', r) FROM unnest(@logs, @users, @workspaces, @roles) AS t(l, u, w, r)", connection, tx);
                log.Parameters.AddWithValue("actor", actorId);
                log.Parameters.AddWithValue("logs", added.Select(_ => Guid.NewGuid()).ToArray());
                log.Parameters.AddWithValue("users", added.Select(a => a.User).ToArray());
                log.Parameters.AddWithValue("workspaces", added.Select(a => a.Workspace).ToArray());
                log.Parameters.AddWithValue("roles", added.Select(a => a.Role).ToArray());
                await log.ExecuteNonQueryAsync(ct);
            }
        }
        return (created, added.Count);
    }

    private static async Task LookUpAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string[] emails, Dictionary<string, Guid> userIds, CancellationToken ct)
    {
        // lower(email) is what users_email_lower_key indexes, so this is an index lookup per email.
        await using var cmd = new NpgsqlCommand(
            "SELECT e.email, u.id FROM unnest(@emails) AS e(email) JOIN users u ON lower(u.email) = lower(e.email)", connection, tx);
        cmd.Parameters.AddWithValue("emails", emails);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) userIds[reader.GetString(0).ToLowerInvariant()] = reader.GetGuid(1);
    }
}
