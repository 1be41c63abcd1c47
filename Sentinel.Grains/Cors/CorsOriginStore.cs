using Npgsql;

namespace Sentinel.Grains.Cors;

/// <summary>The origins the edge's CORS policy allows, read from the active client and service apps.</summary>
internal sealed class CorsOriginStore(NpgsqlDataSource database)
{
    /// <summary>
    /// The origins of active client apps' redirect URIs, then active service apps' allowed origins. Service apps'
    /// origins are taken verbatim, except the opaque origin "null": a row saved before the admin API refused it must not
    /// allow every sandboxed iframe and file: page.
    /// </summary>
    public async Task<List<string>> ListAllowedOriginsAsync(CancellationToken cancellationToken)
    {
        var origins = new List<string>();
        await using (var cmd = database.CreateCommand("SELECT unnest(redirect_uris) FROM client_apps WHERE is_active"))
        await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken))
                if (!reader.IsDBNull(0) && CorsOriginSet.OriginOf(reader.GetString(0)) is { } origin) origins.Add(origin);
        await using (var cmd = database.CreateCommand("SELECT unnest(allowed_origins) FROM service_apps WHERE is_active"))
        await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken))
                if (!reader.IsDBNull(0) && reader.GetString(0) is { Length: > 0 } origin && !IsOpaque(origin)) origins.Add(origin);
        return origins;
    }

    private static bool IsOpaque(string origin) => origin.Trim().Equals("null", StringComparison.OrdinalIgnoreCase);
}
