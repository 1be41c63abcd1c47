using System.Collections.Frozen;
using Sentinel.Grains.Cors;
using Sentinel.Web.Infrastructure.Cluster;
using Sentinel.Web.Infrastructure.Conventions;

namespace Sentinel.Web.Cors;

/// <summary>Options of the CORS allowlist cache.</summary>
public sealed class CorsOptions
{
    /// <summary><c>CORS_REFRESH_SECONDS</c>: how often each replica asks the cluster whether the app origins changed. Default: 5.</summary>
    public int RefreshSeconds { get; init; } = 5;
}

/// <summary>
/// The allowlist this replica applies: <c>CORS_ORIGINS</c> plus the app origins held by <see cref="ICorsOriginsGrain"/>.
/// Web holds no database, so the app part is a cached copy with a version stamp. Freshness:
/// <list type="bullet">
/// <item>the replica that changes an app calls <see cref="InvalidateAsync"/>: its own copy is new when the call returns;</item>
/// <item>every other replica polls every <see cref="CorsOptions.RefreshSeconds"/> (5 s) with its version, so it sees the
/// change within that time (the grain only sends the set when the version differs);</item>
/// <item>a change made outside the grains (SQL by hand) is read by the grain within <see cref="CorsOriginSet.MaxAge"/> (30 s).</item>
/// </list>
/// While the cluster is unreachable the last known set stays in force (at start: <c>CORS_ORIGINS</c> only).
/// </summary>
public sealed partial class CorsOrigins(SecuritySettings security, GrainCalls calls, CorsOptions options, ILogger<CorsOrigins> logger)
    : BackgroundService
{
    private readonly FrozenSet<string> configured = security.CorsOrigins.ToFrozenSet(StringComparer.Ordinal);
    private readonly SemaphoreSlim firstLoad = new(1, 1);
    private volatile Snapshot? snapshot;
    private volatile bool attempted;
    private volatile bool failing;

    private sealed record Snapshot(long Version, FrozenSet<string> Origins);

    /// <summary>The version of the app origins this replica holds, or null before the first load.</summary>
    public long? Version => snapshot?.Version;

    /// <summary>Whether <paramref name="origin"/> is allowed (exact match). The first call waits for the first load.</summary>
    public async ValueTask<bool> IsAllowedAsync(string origin, CancellationToken cancellationToken)
    {
        if (configured.Contains(origin)) return true;
        var current = snapshot ?? await FirstLoadAsync(cancellationToken);
        return current?.Origins.Contains(origin) == true;
    }

    /// <summary>
    /// Tells the cluster that client or service apps changed and takes the new set at once. Call it after any
    /// client-app create/update/delete and service-app create/update/delete made through this replica.
    /// </summary>
    public async Task InvalidateAsync(CancellationToken cancellationToken)
    {
        var set = await calls.RunAsync((g, ct) => g.GetGrain<ICorsOriginsGrain>(0).InvalidateAsync(ct), cancellationToken);
        Apply(set);
    }

    /// <summary>Asks the cluster for a newer set; false when the cluster could not be reached.</summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        attempted = true;
        try
        {
            var known = snapshot?.Version ?? 0;
            var set = await calls.RunAsync((g, ct) => g.GetGrain<ICorsOriginsGrain>(0).GetIfChangedAsync(known, ct), cancellationToken);
            if (set is not null) Apply(set);
            else if (snapshot is null) Apply(CorsOriginSet.Of([]));
            failing = false;
            return true;
        }
        catch (ClusterUnavailableException ex)
        {
            // Once per outage, not once per poll.
            if (!failing) Log.RefreshFailed(logger, (ex.InnerException ?? ex).GetType().Name);
            failing = true;
            return false;
        }
    }

    private void Apply(CorsOriginSet set)
    {
        if (snapshot?.Version == set.Version) return;
        snapshot = new Snapshot(set.Version, set.Origins.ToFrozenSet(StringComparer.Ordinal));
        Log.Refreshed(logger, set.Origins.Count, set.Version);
    }

    private async Task<Snapshot?> FirstLoadAsync(CancellationToken cancellationToken)
    {
        await firstLoad.WaitAsync(cancellationToken);
        try
        {
            // One wait per process: while the cluster is down, requests go on with CORS_ORIGINS and the poller retries.
            if (snapshot is null && !attempted) await RefreshAsync(cancellationToken);
            return snapshot;
        }
        finally
        {
            firstLoad.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(1, options.RefreshSeconds)));
        do
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.RefreshError(logger, ex.GetType().Name);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
