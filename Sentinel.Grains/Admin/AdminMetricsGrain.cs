using Orleans.Runtime;
using Sentinel.Grains.Cluster;

namespace Sentinel.Grains.Admin;

/// <summary>
/// See <see cref="IAdminMetricsGrain"/>. Counters are summed per bucket; gauges (activations, calls per second) keep
/// the last sample of a bucket. Buckets older than the hour are dropped on every write.
/// </summary>
internal sealed class AdminMetricsGrain(TimeProvider time) : Grain, IAdminMetricsGrain
{
    public const int BucketSeconds = 10;
    public const int Buckets = 360; // one hour

    private readonly Dictionary<(string Series, string Label), Dictionary<long, double>> data = [];
    private readonly Dictionary<string, DateTimeOffset> replicas = new(StringComparer.Ordinal);
    private IGrainTimer? sampler;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        sampler = this.RegisterGrainTimer(SampleAsync, new GrainTimerCreationOptions(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(BucketSeconds)) { Interleave = false });
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        sampler?.Dispose();
        return Task.CompletedTask;
    }

    public Task ReportAsync(string replica, IReadOnlyList<MetricDelta> deltas, DateTimeOffset at)
    {
        var now = time.GetUtcNow();
        replicas[replica] = now;
        // The replica's clock is not trusted to be in step: the bucket is this grain's now.
        var bucket = Bucket(now);
        foreach (var d in deltas) Add((d.Series, d.Label), bucket, d.Count, sum: true);
        Prune(bucket);
        return Task.CompletedTask;
    }

    public Task<MetricsSnapshot> GetAsync()
    {
        var now = time.GetUtcNow();
        var last = Bucket(now);
        var first = last - Buckets + 1;
        var series = data.OrderBy(kv => kv.Key.Series, StringComparer.Ordinal).ThenBy(kv => kv.Key.Label, StringComparer.Ordinal)
            .Select(kv => new MetricSeries(kv.Key.Series, kv.Key.Label,
                Enumerable.Range(0, Buckets).Select(i => kv.Value.TryGetValue(first + i, out var v) ? v : (double?)null).ToArray()))
            .ToList();
        var live = replicas.Count(r => now - r.Value < TimeSpan.FromSeconds(30));
        return Task.FromResult(new MetricsSnapshot(DateTimeOffset.FromUnixTimeSeconds(first * BucketSeconds), BucketSeconds, Buckets, series, live));
    }

    /// <summary>Activations by grain type (short names) and by silo, and calls per second by silo.</summary>
    private async Task SampleAsync(CancellationToken cancellationToken)
    {
        var bucket = Bucket(time.GetUtcNow());
        try
        {
            var management = GrainFactory.GetGrain<IManagementGrain>(0);
            var hosts = await management.GetHosts(onlyActive: true);
            var active = hosts.Keys.ToArray();
            var stats = await management.GetSimpleGrainStatistics(active);
            foreach (var byType in stats.GroupBy(s => ShortType(s.GrainType)))
                Add(("grains", byType.Key), bucket, byType.Sum(s => s.ActivationCount), sum: false);
            foreach (var bySilo in stats.GroupBy(s => s.SiloAddress))
                Add(("silo_activations", bySilo.Key.ToString()), bucket, bySilo.Sum(s => s.ActivationCount), sum: false);
            var rates = await GrainFactory.GetGrain<ICallRateGrain>(0).GetRatesAsync();
            double total = 0;
            foreach (var rate in rates)
            {
                var silo = active.FirstOrDefault(a => a.ToParsableString() == rate.Silo);
                Add(("silo_calls_per_second", silo?.ToString() ?? rate.Silo), bucket, Math.Round(rate.CallsPerSecond, 2), sum: false);
                total += rate.CallsPerSecond;
            }
            Add(("calls_per_second", ""), bucket, Math.Round(total, 2), sum: false);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException or OperationCanceledException)
        {
            // A silo leaving mid-sample: the bucket simply has no cluster sample.
        }
        Prune(bucket);
    }

    /// <summary><c>Sentinel.Grains.Sessions.UserSessionGrain,Sentinel.Grains</c> → <c>UserSessionGrain</c>; generic arguments dropped.</summary>
    public static string ShortType(string clrName)
    {
        var name = clrName.Split(',')[0];
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        if (tick >= 0) name = name[..tick];
        var dot = name.LastIndexOfAny(['.', '+']);
        return dot >= 0 ? name[(dot + 1)..] : name;
    }

    private void Add((string, string) key, long bucket, double value, bool sum)
    {
        if (!data.TryGetValue(key, out var buckets)) data[key] = buckets = [];
        buckets[bucket] = sum && buckets.TryGetValue(bucket, out var old) ? old + value : value;
    }

    private void Prune(long bucket)
    {
        var oldest = bucket - Buckets + 1;
        foreach (var (key, buckets) in data.ToList())
        {
            foreach (var b in buckets.Keys.Where(b => b < oldest).ToList()) buckets.Remove(b);
            if (buckets.Count == 0) data.Remove(key);
        }
    }

    private static long Bucket(DateTimeOffset at) => at.ToUnixTimeSeconds() / BucketSeconds;
}
