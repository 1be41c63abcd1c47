using Npgsql;

namespace Sentinel.Grains.Cors;

internal sealed class CorsOriginsGrain(NpgsqlDataSource database, TimeProvider time) : Grain, ICorsOriginsGrain
{
    private CorsOriginSet? current;
    private DateTimeOffset loadedAt;

    public async Task<CorsOriginSet?> GetIfChangedAsync(long knownVersion, CancellationToken cancellationToken)
    {
        if (current is null || time.GetUtcNow() - loadedAt >= CorsOriginSet.MaxAge) await LoadAsync(cancellationToken);
        return current!.Version == knownVersion ? null : current;
    }

    public async Task<CorsOriginSet> InvalidateAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        return current!;
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var origins = new List<string>();
        await using (var cmd = database.CreateCommand("SELECT unnest(redirect_uris) FROM client_apps WHERE is_active"))
        await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken))
                if (!reader.IsDBNull(0) && CorsOriginSet.OriginOf(reader.GetString(0)) is { } origin) origins.Add(origin);
        // Service apps' origins are taken verbatim (§1.5), except the opaque origin "null": a row saved before the admin API
        // refused it must not allow every sandboxed iframe and file: page (issue 23).
        await using (var cmd = database.CreateCommand("SELECT unnest(allowed_origins) FROM service_apps WHERE is_active"))
        await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken))
                if (!reader.IsDBNull(0) && reader.GetString(0) is { Length: > 0 } origin && !IsOpaque(origin)) origins.Add(origin);
        current = CorsOriginSet.Of(origins);
        loadedAt = time.GetUtcNow();
    }

    private static bool IsOpaque(string origin) => origin.Trim().Equals("null", StringComparison.OrdinalIgnoreCase);
}
