using Npgsql;
using NpgsqlTypes;
using Sentinel.Grains.AuthCodes;
using Sentinel.Grains.Data;

namespace Sentinel.Grains.ClientApps;

/// <summary>The rows of <c>client_apps</c>, and which users started sessions through an app (<c>client_app_sessions</c>).</summary>
internal sealed class ClientAppStore(NpgsqlDataSource database)
{
    private const string Columns = "id, name, redirect_uris, is_active, created_by, created_at, updated_at";

    /// <summary>The new app, or null when the id is taken.</summary>
    public Task<ClientAppInfo?> CreateAsync(Guid id, string name, IReadOnlyList<string> redirectUris, Guid? actorId, CancellationToken cancellationToken) =>
        database.WriteWithActivityAsync(async (connection, tx) =>
        {
            await using var cmd = new NpgsqlCommand(
                $"INSERT INTO client_apps (id, name, redirect_uris, created_by) VALUES (@id, @name, @uris, @actor) ON CONFLICT DO NOTHING RETURNING {Columns}", connection, tx);
            cmd.Parameters.AddWithValue("id", id);
            cmd.Parameters.AddWithValue("name", name);
            cmd.Parameters.AddWithValue("uris", redirectUris.ToArray());
            cmd.Parameters.Add(new NpgsqlParameter("actor", NpgsqlDbType.Uuid) { Value = (object?)actorId ?? DBNull.Value });
            return await cmd.ReadFirstAsync(Read, cancellationToken);
        }, app => app is null ? null : new ActivityRow("client_app_created", actorId, "client_app", id, null, new { name }), cancellationToken);

    public async Task<ClientAppInfo?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var cmd = database.CreateCommand($"SELECT {Columns} FROM client_apps WHERE id = @id");
        cmd.Parameters.AddWithValue("id", id);
        return await cmd.ReadFirstAsync(Read, cancellationToken);
    }

    /// <summary>Every app, newest first.</summary>
    public async Task<IReadOnlyList<ClientAppInfo>> ListAsync(CancellationToken cancellationToken)
    {
        await using var cmd = database.CreateCommand($"SELECT {Columns} FROM client_apps ORDER BY created_at DESC, id");
        return await cmd.ReadAllAsync(Read, cancellationToken);
    }

    /// <summary>
    /// Applies the non-null fields; null when no such app. With <paramref name="withSessionHolders"/>, also the users who
    /// started a refresh family through the app (recorded at token issue), read in the same transaction. The activity row
    /// is not written here: it carries how many sessions were revoked, which is known only after the revocation
    /// (<see cref="RecordUpdatedAsync"/>).
    /// </summary>
    public async Task<(ClientAppInfo App, Guid[] SessionHolders)?> UpdateAsync(
        Guid id, string? name, IReadOnlyList<string>? redirectUris, bool? isActive, bool withSessionHolders, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        ClientAppInfo? app;
        await using (var cmd = new NpgsqlCommand(
            "UPDATE client_apps SET name = COALESCE(@name, name), redirect_uris = COALESCE(@uris, redirect_uris), is_active = COALESCE(@active, is_active), updated_at = now() " +
            $"WHERE id = @id RETURNING {Columns}", connection, tx))
        {
            cmd.Parameters.AddWithValue("id", id);
            cmd.Parameters.Add(new NpgsqlParameter("name", NpgsqlDbType.Text) { Value = (object?)name ?? DBNull.Value });
            cmd.Parameters.Add(new NpgsqlParameter("uris", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = (object?)redirectUris?.ToArray() ?? DBNull.Value });
            cmd.Parameters.Add(new NpgsqlParameter("active", NpgsqlDbType.Boolean) { Value = (object?)isActive ?? DBNull.Value });
            app = await cmd.ReadFirstAsync(Read, cancellationToken);
        }
        if (app is null) return null;
        Guid[] holders = [];
        if (withSessionHolders)
        {
            await using var cmd = new NpgsqlCommand("SELECT user_id FROM client_app_sessions WHERE client_app_id = @id", connection, tx);
            cmd.Parameters.AddWithValue("id", id);
            holders = (await cmd.ReadAllAsync(r => r.GetGuid(0), cancellationToken)).ToArray();
        }
        await tx.CommitAsync(cancellationToken);
        return (app, holders);
    }

    /// <summary>The <c>client_app_updated</c> row, written after the update and the revocations it caused.</summary>
    public Task RecordUpdatedAsync(Guid id, string name, int tokensRevoked, Guid? actorId, CancellationToken cancellationToken) =>
        database.RecordActivityAsync(new ActivityRow("client_app_updated", actorId, "client_app", id, null, new { name, tokens_revoked = tokensRevoked }), cancellationToken);

    /// <summary>False when no such app.</summary>
    public async Task<bool> DeleteAsync(Guid id, Guid? actorId, CancellationToken cancellationToken) =>
        await database.WriteWithActivityAsync(async (connection, tx) =>
        {
            await using var cmd = new NpgsqlCommand("DELETE FROM client_apps WHERE id = @id RETURNING name", connection, tx);
            cmd.Parameters.AddWithValue("id", id);
            return await cmd.ExecuteScalarAsync(cancellationToken) as string;
        }, name => name is null ? null : new ActivityRow("client_app_deleted", actorId, "client_app", id, null, new { name }), cancellationToken) is not null;

    /// <summary>
    /// The oldest active app that lists <paramref name="redirectUri"/> (and has id <paramref name="clientAppId"/> when
    /// given). Read on every sign-in, never cached: an app deactivated a moment ago must not still match.
    /// </summary>
    public async Task<ClientAppRef?> FindActiveForRedirectAsync(string redirectUri, Guid? clientAppId, CancellationToken cancellationToken)
    {
        await using var cmd = database.CreateCommand(
            "SELECT id, name FROM client_apps WHERE is_active AND @uri = ANY(redirect_uris) AND (@app::uuid IS NULL OR id = @app) ORDER BY created_at, id LIMIT 1");
        cmd.Parameters.AddWithValue("uri", redirectUri);
        cmd.Parameters.Add(new NpgsqlParameter("app", NpgsqlDbType.Uuid) { Value = (object?)clientAppId ?? DBNull.Value });
        return await cmd.ReadFirstAsync(r => new ClientAppRef(r.GetGuid(0), r.GetString(1)), cancellationToken);
    }

    private static ClientAppInfo Read(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetString(1), r.GetFieldValue<string[]>(2), r.GetBoolean(3),
        r.IsDBNull(4) ? null : r.GetGuid(4), r.GetFieldValue<DateTimeOffset>(5), r.GetFieldValue<DateTimeOffset>(6));
}
