using Npgsql;
using NpgsqlTypes;
using Sentinel.Grains.Data;

namespace Sentinel.Grains.ServiceApps;

/// <summary>The rows of <c>service_apps</c>: the admin's changes, and the key lookups of <see cref="ServiceKeyGrain"/>.</summary>
internal sealed class ServiceAppStore(NpgsqlDataSource database)
{
    private const string Columns = "id, name, service_name, key_prefix, is_active, allowed_origins, allowed_idp_audiences, last_used_at, created_by, created_at, updated_at";

    /// <summary>The new app, or null when its service name (or id) is taken.</summary>
    public Task<ServiceAppInfo?> CreateAsync(Guid id, string name, string serviceName, string keyHash, string keyPrefix,
        IReadOnlyList<string> allowedOrigins, IReadOnlyList<string> allowedIdpAudiences, Guid? actorId, CancellationToken cancellationToken) =>
        database.WriteWithActivityAsync(async (connection, tx) =>
        {
            await using var cmd = new NpgsqlCommand(
                $"INSERT INTO service_apps (id, name, service_name, key_hash, key_prefix, allowed_origins, allowed_idp_audiences, created_by) " +
                $"VALUES (@id, @name, @service, @hash, @prefix, @origins, @audiences, @actor) ON CONFLICT DO NOTHING RETURNING {Columns}", connection, tx);
            cmd.Parameters.AddWithValue("id", id);
            cmd.Parameters.AddWithValue("name", name);
            cmd.Parameters.AddWithValue("service", serviceName);
            cmd.Parameters.AddWithValue("hash", keyHash);
            cmd.Parameters.AddWithValue("prefix", keyPrefix);
            cmd.Parameters.AddWithValue("origins", allowedOrigins.ToArray());
            cmd.Parameters.AddWithValue("audiences", allowedIdpAudiences.ToArray());
            cmd.Parameters.AddWithValue("actor", (object?)actorId ?? DBNull.Value);
            return await cmd.ReadFirstAsync(Read, cancellationToken);
        }, app => app is null ? null : new ActivityRow("service_app_created", actorId, "service_app", id, null, new { name, service_name = serviceName }), cancellationToken);

    public async Task<ServiceAppInfo?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var cmd = database.CreateCommand($"SELECT {Columns} FROM service_apps WHERE id = @id");
        cmd.Parameters.AddWithValue("id", id);
        return await cmd.ReadFirstAsync(Read, cancellationToken);
    }

    /// <summary>Every app, newest first.</summary>
    public async Task<IReadOnlyList<ServiceAppInfo>> ListAsync(CancellationToken cancellationToken)
    {
        await using var cmd = database.CreateCommand($"SELECT {Columns} FROM service_apps ORDER BY created_at DESC, id");
        return await cmd.ReadAllAsync(Read, cancellationToken);
    }

    /// <summary>Replaces the key; the app and the old key's hash (whose cached verdicts must go), or null when no such app.</summary>
    public Task<(ServiceAppInfo App, string OldKeyHash)?> RotateKeyAsync(Guid id, string keyHash, string keyPrefix, Guid? actorId, CancellationToken cancellationToken) =>
        database.WriteWithActivityAsync<(ServiceAppInfo, string)?>(async (connection, tx) =>
        {
            string? oldHash;
            await using (var old = new NpgsqlCommand("SELECT key_hash FROM service_apps WHERE id = @id FOR UPDATE", connection, tx))
            {
                old.Parameters.AddWithValue("id", id);
                oldHash = await old.ExecuteScalarAsync(cancellationToken) as string;
            }
            if (oldHash is null) return null;
            await using var cmd = new NpgsqlCommand($"UPDATE service_apps SET key_hash = @hash, key_prefix = @prefix, updated_at = now() WHERE id = @id RETURNING {Columns}", connection, tx);
            cmd.Parameters.AddWithValue("id", id);
            cmd.Parameters.AddWithValue("hash", keyHash);
            cmd.Parameters.AddWithValue("prefix", keyPrefix);
            return ((await cmd.ReadFirstAsync(Read, cancellationToken))!, oldHash);
        }, rotated => rotated is null ? null : new ActivityRow("service_app_key_rotated", actorId, "service_app", id), cancellationToken);

    /// <summary>Applies the non-null fields; the app and its current key hash, or null when no such app.</summary>
    public Task<(ServiceAppInfo App, string KeyHash)?> UpdateAsync(Guid id, string? name, bool? isActive, IReadOnlyList<string>? allowedOrigins,
        IReadOnlyList<string>? allowedIdpAudiences, Guid? actorId, CancellationToken cancellationToken) =>
        database.WriteWithActivityAsync<(ServiceAppInfo, string)?>(async (connection, tx) =>
        {
            await using var cmd = new NpgsqlCommand(
                "UPDATE service_apps SET name = COALESCE(@name, name), is_active = COALESCE(@active, is_active), " +
                "allowed_origins = COALESCE(@origins, allowed_origins), allowed_idp_audiences = COALESCE(@audiences, allowed_idp_audiences), updated_at = now() " +
                $"WHERE id = @id RETURNING {Columns}, key_hash", connection, tx);
            cmd.Parameters.AddWithValue("id", id);
            cmd.Parameters.AddWithValue("name", (object?)name ?? DBNull.Value);
            cmd.Parameters.AddWithValue("active", (object?)isActive ?? DBNull.Value);
            cmd.Parameters.Add(new NpgsqlParameter("origins", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = (object?)allowedOrigins?.ToArray() ?? DBNull.Value });
            cmd.Parameters.Add(new NpgsqlParameter("audiences", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = (object?)allowedIdpAudiences?.ToArray() ?? DBNull.Value });
            return await cmd.ReadFirstAsync<(ServiceAppInfo, string)?>(r => (Read(r), r.GetString(11)), cancellationToken);
        }, updated => updated is null ? null : new ActivityRow("service_app_updated", actorId, "service_app", id), cancellationToken);

    /// <summary>Deletes the app; its key hash and service name, or null when no such app.</summary>
    public async Task<(string KeyHash, string ServiceName)?> DeleteAsync(Guid id, Guid? actorId, CancellationToken cancellationToken)
    {
        var deleted = await database.WriteWithActivityAsync<(string KeyHash, string ServiceName, string Name)?>(async (connection, tx) =>
        {
            await using var cmd = new NpgsqlCommand("DELETE FROM service_apps WHERE id = @id RETURNING key_hash, service_name, name", connection, tx);
            cmd.Parameters.AddWithValue("id", id);
            return await cmd.ReadFirstAsync<(string, string, string)?>(r => (r.GetString(0), r.GetString(1), r.GetString(2)), cancellationToken);
        }, row => row is not { } d ? null : new ActivityRow("service_app_deleted", actorId, "service_app", id, null, new { name = d.Name, service_name = d.ServiceName }), cancellationToken);
        return deleted is { } app ? (app.KeyHash, app.ServiceName) : null;
    }

    /// <summary>
    /// The active app a key hash belongs to, with the hash as stored (the caller compares it again in constant time), or
    /// null when no active app has it.
    /// </summary>
    public async Task<(ServiceKeyIdentity Identity, string StoredHash)?> FindActiveByKeyHashAsync(string keyHash, CancellationToken cancellationToken)
    {
        await using var cmd = database.CreateCommand(
            "SELECT id, service_name, allowed_origins, allowed_idp_audiences, key_hash FROM service_apps WHERE key_hash = @hash AND is_active");
        cmd.Parameters.AddWithValue("hash", keyHash);
        return await cmd.ReadFirstAsync<(ServiceKeyIdentity, string)?>(r =>
            (new ServiceKeyIdentity(r.GetGuid(0), r.GetString(1), r.GetFieldValue<string[]>(2), r.GetFieldValue<string[]>(3)), r.GetString(4)), cancellationToken);
    }

    /// <summary>Moves <c>last_used_at</c> forward to <paramref name="used"/> (never back: flushes may arrive out of order).</summary>
    public async Task RecordUseAsync(Guid appId, DateTimeOffset used, CancellationToken cancellationToken)
    {
        await using var cmd = database.CreateCommand("UPDATE service_apps SET last_used_at = GREATEST(COALESCE(last_used_at, @used), @used) WHERE id = @id");
        cmd.Parameters.AddWithValue("id", appId);
        cmd.Parameters.AddWithValue("used", used);
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    private static ServiceAppInfo Read(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetBoolean(4),
        r.GetFieldValue<string[]>(5), r.GetFieldValue<string[]>(6),
        r.IsDBNull(7) ? null : r.GetFieldValue<DateTimeOffset>(7), r.IsDBNull(8) ? null : r.GetGuid(8),
        r.GetFieldValue<DateTimeOffset>(9), r.GetFieldValue<DateTimeOffset>(10));
}
