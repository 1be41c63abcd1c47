using Npgsql;
using Sentinel.Grains.Activity;

namespace Sentinel.Grains.ServiceApps;

internal sealed class ServiceAppGrain(NpgsqlDataSource database) : Grain, IServiceAppGrain
{
    private const string Columns = "id, name, service_name, key_prefix, is_active, allowed_origins, allowed_idp_audiences, last_used_at, created_by, created_at, updated_at";

    private Guid Id => this.GetPrimaryKey();

    public async Task<ServiceAppResult<ServiceAppWithKey>> CreateAsync(string name, string serviceName, IReadOnlyList<string> allowedOrigins, IReadOnlyList<string> allowedIdpAudiences, Guid? actorId, CancellationToken cancellationToken)
    {
        var key = ServiceKeys.NewKey();
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        ServiceAppInfo app;
        await using (var cmd = new NpgsqlCommand(
            $"INSERT INTO service_apps (id, name, service_name, key_hash, key_prefix, allowed_origins, allowed_idp_audiences, created_by) " +
            $"VALUES (@id, @name, @service, @hash, @prefix, @origins, @audiences, @actor) ON CONFLICT DO NOTHING RETURNING {Columns}", connection, tx))
        {
            cmd.Parameters.AddWithValue("id", Id);
            cmd.Parameters.AddWithValue("name", name);
            cmd.Parameters.AddWithValue("service", serviceName);
            cmd.Parameters.AddWithValue("hash", ServiceKeys.Hash(key));
            cmd.Parameters.AddWithValue("prefix", ServiceKeys.DisplayPrefix(key));
            cmd.Parameters.AddWithValue("origins", allowedOrigins.ToArray());
            cmd.Parameters.AddWithValue("audiences", allowedIdpAudiences.ToArray());
            cmd.Parameters.AddWithValue("actor", (object?)actorId ?? DBNull.Value);
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken)) return ServiceAppResult<ServiceAppWithKey>.Refused(ServiceAppError.ServiceNameTaken);
            app = Read(reader);
        }
        await ActivityLog.WriteAsync(connection, tx, "service_app_created", actorId, "service_app", Id, null, new { name, service_name = serviceName }, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        // Unlike the original (D21), a new app's origins are allowed at once.
        await GrainFactory.GetGrain<Cors.ICorsOriginsGrain>(0).InvalidateAsync(cancellationToken);
        return ServiceAppResult<ServiceAppWithKey>.Ok(new ServiceAppWithKey(app, key));
    }

    public async Task<ServiceAppInfo?> GetAsync(CancellationToken cancellationToken)
    {
        await using var cmd = database.CreateCommand($"SELECT {Columns} FROM service_apps WHERE id = @id");
        cmd.Parameters.AddWithValue("id", Id);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    public async Task<ServiceAppResult<ServiceAppWithKey>> RotateKeyAsync(Guid? actorId, CancellationToken cancellationToken)
    {
        var key = ServiceKeys.NewKey();
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        string? oldHash;
        await using (var old = new NpgsqlCommand("SELECT key_hash FROM service_apps WHERE id = @id FOR UPDATE", connection, tx))
        {
            old.Parameters.AddWithValue("id", Id);
            oldHash = await old.ExecuteScalarAsync(cancellationToken) as string;
        }
        if (oldHash is null) return ServiceAppResult<ServiceAppWithKey>.Refused(ServiceAppError.NotFound);
        ServiceAppInfo app;
        await using (var cmd = new NpgsqlCommand($"UPDATE service_apps SET key_hash = @hash, key_prefix = @prefix, updated_at = now() WHERE id = @id RETURNING {Columns}", connection, tx))
        {
            cmd.Parameters.AddWithValue("id", Id);
            cmd.Parameters.AddWithValue("hash", ServiceKeys.Hash(key));
            cmd.Parameters.AddWithValue("prefix", ServiceKeys.DisplayPrefix(key));
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            app = Read(reader);
        }
        await ActivityLog.WriteAsync(connection, tx, "service_app_key_rotated", actorId, "service_app", Id, null, null, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        // The old key's grain holds the app in memory: drop it, so the old key dies at once.
        await GrainFactory.GetGrain<IServiceKeyGrain>(oldHash).InvalidateAsync(cancellationToken);
        await KeyChangedAsync(oldHash, cancellationToken);
        return ServiceAppResult<ServiceAppWithKey>.Ok(new ServiceAppWithKey(app, key));
    }

    public async Task<ServiceAppResult<ServiceAppInfo>> UpdateAsync(string? name, bool? isActive, IReadOnlyList<string>? allowedOrigins, IReadOnlyList<string>? allowedIdpAudiences, Guid? actorId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        ServiceAppInfo app;
        string hash;
        await using (var cmd = new NpgsqlCommand(
            "UPDATE service_apps SET name = COALESCE(@name, name), is_active = COALESCE(@active, is_active), " +
            "allowed_origins = COALESCE(@origins, allowed_origins), allowed_idp_audiences = COALESCE(@audiences, allowed_idp_audiences), updated_at = now() " +
            $"WHERE id = @id RETURNING {Columns}, key_hash", connection, tx))
        {
            cmd.Parameters.AddWithValue("id", Id);
            cmd.Parameters.AddWithValue("name", (object?)name ?? DBNull.Value);
            cmd.Parameters.AddWithValue("active", (object?)isActive ?? DBNull.Value);
            cmd.Parameters.Add(new NpgsqlParameter("origins", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)allowedOrigins?.ToArray() ?? DBNull.Value });
            cmd.Parameters.Add(new NpgsqlParameter("audiences", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)allowedIdpAudiences?.ToArray() ?? DBNull.Value });
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken)) return ServiceAppResult<ServiceAppInfo>.Refused(ServiceAppError.NotFound);
            app = Read(reader);
            hash = reader.GetString(11);
        }
        await ActivityLog.WriteAsync(connection, tx, "service_app_updated", actorId, "service_app", Id, null, null, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        await GrainFactory.GetGrain<IServiceKeyGrain>(hash).InvalidateAsync(cancellationToken);
        await KeyChangedAsync(hash, cancellationToken);
        await GrainFactory.GetGrain<Cors.ICorsOriginsGrain>(0).InvalidateAsync(cancellationToken);
        return ServiceAppResult<ServiceAppInfo>.Ok(app);
    }

    public async Task<ServiceAppResult<int>> DeleteAsync(Guid? actorId, CancellationToken cancellationToken)
    {
        string hash, serviceName, name;
        await using (var connection = await database.OpenConnectionAsync(cancellationToken))
        await using (var tx = await connection.BeginTransactionAsync(cancellationToken))
        {
            await using (var cmd = new NpgsqlCommand("DELETE FROM service_apps WHERE id = @id RETURNING key_hash, service_name, name", connection, tx))
            {
                cmd.Parameters.AddWithValue("id", Id);
                await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
                if (!await reader.ReadAsync(cancellationToken)) return ServiceAppResult<int>.Refused(ServiceAppError.NotFound);
                (hash, serviceName, name) = (reader.GetString(0), reader.GetString(1), reader.GetString(2));
            }
            await ActivityLog.WriteAsync(connection, tx, "service_app_deleted", actorId, "service_app", Id, null, new { name, service_name = serviceName }, cancellationToken);
            await tx.CommitAsync(cancellationToken);
        }
        // The key dies first, then the service's ACLs go; the registry reloads every workspace they were in.
        await GrainFactory.GetGrain<IServiceKeyGrain>(hash).InvalidateAsync(cancellationToken);
        await KeyChangedAsync(hash, cancellationToken);
        var purged = await GrainFactory.GetGrain<Authorization.IServiceActionRegistryGrain>(0).PurgeServicePermissionsAsync(serviceName, null, cancellationToken);
        return ServiceAppResult<int>.Ok(purged);
    }

    /// <summary>
    /// The edge replicas keep key verdicts for at most 500 ms; push tells them at once, so the replica that served the
    /// admin call refuses the old key before the response is sent, and the others within the push's delivery.
    /// </summary>
    private Task KeyChangedAsync(string hash, CancellationToken cancellationToken) =>
        GrainFactory.GetGrain<IServiceKeyWatchGrain>(0).KeyChangedAsync(hash, cancellationToken);

    internal static ServiceAppInfo Read(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetBoolean(4),
        r.GetFieldValue<string[]>(5), r.GetFieldValue<string[]>(6),
        r.IsDBNull(7) ? null : r.GetFieldValue<DateTimeOffset>(7), r.IsDBNull(8) ? null : r.GetGuid(8),
        r.GetFieldValue<DateTimeOffset>(9), r.GetFieldValue<DateTimeOffset>(10));
}
