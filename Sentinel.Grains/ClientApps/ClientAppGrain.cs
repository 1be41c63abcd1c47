using Npgsql;
using NpgsqlTypes;
using Sentinel.Grains.Activity;
using Sentinel.Grains.Sessions;

namespace Sentinel.Grains.ClientApps;

/// <summary>
/// One client app's row. Sign-in reads <c>client_apps</c> on every use (<c>IClientAppLookupGrain</c>), so a change here
/// applies to the next sign-in on every silo without a cache to flush.
/// </summary>
internal sealed class ClientAppGrain(NpgsqlDataSource database) : Grain, IClientAppGrain
{
    internal const string Columns = "id, name, redirect_uris, is_active, created_by, created_at, updated_at";

    private Guid Id => this.GetPrimaryKey();

    public async Task<ClientAppInfo?> CreateAsync(string name, IReadOnlyList<string> redirectUris, Guid? actorId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        ClientAppInfo app;
        await using (var cmd = new NpgsqlCommand(
            $"INSERT INTO client_apps (id, name, redirect_uris, created_by) VALUES (@id, @name, @uris, @actor) ON CONFLICT DO NOTHING RETURNING {Columns}", connection, tx))
        {
            cmd.Parameters.AddWithValue("id", Id);
            cmd.Parameters.AddWithValue("name", name);
            cmd.Parameters.AddWithValue("uris", redirectUris.ToArray());
            cmd.Parameters.Add(new NpgsqlParameter("actor", NpgsqlDbType.Uuid) { Value = (object?)actorId ?? DBNull.Value });
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken)) return null;
            app = Read(reader);
        }
        await ActivityLog.WriteAsync(connection, tx, "client_app_created", actorId, "client_app", Id, null, new { name }, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return app;
    }

    public async Task<ClientAppInfo?> GetAsync(CancellationToken cancellationToken)
    {
        await using var cmd = database.CreateCommand($"SELECT {Columns} FROM client_apps WHERE id = @id");
        cmd.Parameters.AddWithValue("id", Id);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    public async Task<ClientAppUpdated?> UpdateAsync(string? name, IReadOnlyList<string>? redirectUris, bool? isActive, bool revokeSessions, Guid? actorId, CancellationToken cancellationToken)
    {
        ClientAppInfo app;
        Guid[] holders = [];
        await using (var connection = await database.OpenConnectionAsync(cancellationToken))
        await using (var tx = await connection.BeginTransactionAsync(cancellationToken))
        {
            await using (var cmd = new NpgsqlCommand(
                "UPDATE client_apps SET name = COALESCE(@name, name), redirect_uris = COALESCE(@uris, redirect_uris), is_active = COALESCE(@active, is_active), updated_at = now() " +
                $"WHERE id = @id RETURNING {Columns}", connection, tx))
            {
                cmd.Parameters.AddWithValue("id", Id);
                cmd.Parameters.Add(new NpgsqlParameter("name", NpgsqlDbType.Text) { Value = (object?)name ?? DBNull.Value });
                cmd.Parameters.Add(new NpgsqlParameter("uris", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = (object?)redirectUris?.ToArray() ?? DBNull.Value });
                cmd.Parameters.Add(new NpgsqlParameter("active", NpgsqlDbType.Boolean) { Value = (object?)isActive ?? DBNull.Value });
                await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
                if (!await reader.ReadAsync(cancellationToken)) return null;
                app = Read(reader);
            }
            if (revokeSessions) holders = await SessionHoldersAsync(connection, tx, cancellationToken);
            await tx.CommitAsync(cancellationToken);
        }

        var revoked = 0;
        if (revokeSessions)
        {
            foreach (var chunk in holders.Chunk(32))
            {
                var counts = await Task.WhenAll(chunk.Select(user => RevokeAppFamiliesAsync(user, cancellationToken)));
                revoked += counts.Sum();
            }
        }
        await using (var connection = await database.OpenConnectionAsync(cancellationToken))
            await ActivityLog.WriteAsync(connection, null, "client_app_updated", actorId, "client_app", Id, null, new { name = app.Name, tokens_revoked = revoked }, cancellationToken);
        return new ClientAppUpdated(app, revoked);
    }

    public async Task<bool> DeleteAsync(Guid? actorId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        string name;
        await using (var cmd = new NpgsqlCommand("DELETE FROM client_apps WHERE id = @id RETURNING name", connection, tx))
        {
            cmd.Parameters.AddWithValue("id", Id);
            if (await cmd.ExecuteScalarAsync(cancellationToken) is not string deleted) return false;
            name = deleted;
        }
        await ActivityLog.WriteAsync(connection, tx, "client_app_deleted", actorId, "client_app", Id, null, new { name }, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Users who started a refresh family through this app (recorded at token issue).</summary>
    private async Task<Guid[]> SessionHoldersAsync(NpgsqlConnection connection, NpgsqlTransaction tx, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand("SELECT user_id FROM client_app_sessions WHERE client_app_id = @id", connection, tx);
        cmd.Parameters.AddWithValue("id", Id);
        var result = new List<Guid>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) result.Add(reader.GetGuid(0));
        return result.ToArray();
    }

    /// <summary>Revokes the user's live families of this app, with their access tokens; returns how many.</summary>
    private async Task<int> RevokeAppFamiliesAsync(Guid userId, CancellationToken cancellationToken)
    {
        var sessions = GrainFactory.GetGrain<IUserSessionGrain>(userId);
        var revoked = 0;
        foreach (var session in await sessions.ListSessionsAsync(null, cancellationToken))
            if (session.ClientAppId == Id && await sessions.RevokeFamilyAsync(session.FamilyId, "client_app", cancellationToken)) revoked++;
        return revoked;
    }

    internal static ClientAppInfo Read(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetString(1), r.GetFieldValue<string[]>(2), r.GetBoolean(3),
        r.IsDBNull(4) ? null : r.GetGuid(4), r.GetFieldValue<DateTimeOffset>(5), r.GetFieldValue<DateTimeOffset>(6));
}
