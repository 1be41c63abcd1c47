namespace Sentinel.Grains.Cors;

internal sealed class CorsOriginsGrain(CorsOriginStore store, TimeProvider time) : Grain, ICorsOriginsGrain
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
        current = CorsOriginSet.Of(await store.ListAllowedOriginsAsync(cancellationToken));
        loadedAt = time.GetUtcNow();
    }
}
