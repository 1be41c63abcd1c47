using Npgsql;
using Orleans.Concurrency;

namespace Sentinel.Grains.AuthCodes;

/// <summary>Reads the table on every call: sign-ins are rate-limited and rare next to token checks, and an app deactivated a moment ago must not still match.</summary>
[StatelessWorker]
internal sealed class ClientAppLookupGrain(NpgsqlDataSource database) : Grain, IClientAppLookupGrain
{
    public async Task<ClientAppRef?> FindActiveForRedirectAsync(string redirectUri, Guid? clientAppId, CancellationToken cancellationToken)
    {
        await using var cmd = database.CreateCommand(
            "SELECT id, name FROM client_apps WHERE is_active AND @uri = ANY(redirect_uris) AND (@app::uuid IS NULL OR id = @app) ORDER BY created_at, id LIMIT 1");
        cmd.Parameters.AddWithValue("uri", redirectUri);
        cmd.Parameters.Add(new NpgsqlParameter("app", NpgsqlTypes.NpgsqlDbType.Uuid) { Value = (object?)clientAppId ?? DBNull.Value });
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new ClientAppRef(reader.GetGuid(0), reader.GetString(1)) : null;
    }
}
