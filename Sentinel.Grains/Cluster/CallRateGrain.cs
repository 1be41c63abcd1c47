namespace Sentinel.Grains.Cluster;

/// <summary>Keeps the last two reports of each silo in memory; a lost activation refills within two report intervals.</summary>
internal sealed class CallRateGrain : Grain, ICallRateGrain
{
    private readonly Dictionary<string, (Sample Previous, Sample Last)> silos = new(StringComparer.Ordinal);

    public Task ReportAsync(string silo, long totalCalls, DateTimeOffset at)
    {
        var sample = new Sample(totalCalls, at);
        silos[silo] = silos.TryGetValue(silo, out var known) && at > known.Last.At ? (known.Last, sample) : (sample, sample);
        // Silos that stopped reporting (dead or restarted under a new address) are forgotten after a minute.
        foreach (var stale in silos.Where(s => at - s.Value.Last.At > TimeSpan.FromMinutes(1)).Select(s => s.Key).ToList()) silos.Remove(stale);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<SiloCallRate>> GetRatesAsync()
    {
        IReadOnlyList<SiloCallRate> rates = silos
            .Where(s => s.Value.Last.At > s.Value.Previous.At)
            .Select(s => new SiloCallRate(s.Key,
                Math.Max(0, s.Value.Last.Total - s.Value.Previous.Total) / (s.Value.Last.At - s.Value.Previous.At).TotalSeconds,
                s.Value.Last.Total, s.Value.Last.At))
            .ToList();
        return Task.FromResult(rates);
    }

    private readonly record struct Sample(long Total, DateTimeOffset At);
}
