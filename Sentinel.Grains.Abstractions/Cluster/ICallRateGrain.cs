namespace Sentinel.Grains.Cluster;

/// <summary>
/// Grain calls per second of each silo, for the admin cluster view (<c>GET /admin/cluster</c>, docs/admin-api.md). Orleans' runtime statistics count message
/// bytes, not calls, so every silo counts its incoming grain calls itself and reports the running total here every
/// <see cref="CallRates.ReportInterval"/>; the rate is the delta between a silo's last two reports. Use key 0.
/// </summary>
public interface ICallRateGrain : IGrainWithIntegerKey
{
    /// <summary>A silo's running total of incoming grain calls, sampled at <paramref name="at"/>.</summary>
    /// <param name="silo">The silo's address, as <c>SiloAddress.ToParsableString()</c>.</param>
    /// <param name="totalCalls">Incoming grain calls since the silo started.</param>
    /// <param name="at">When the total was read.</param>
    Task ReportAsync(string silo, long totalCalls, DateTimeOffset at);

    /// <summary>The latest rate of every silo that reported twice.</summary>
    Task<IReadOnlyList<SiloCallRate>> GetRatesAsync();
}

/// <summary>One silo's recent call rate.</summary>
/// <param name="Silo">The silo's address, as <c>SiloAddress.ToParsableString()</c>.</param>
/// <param name="CallsPerSecond">Incoming grain calls per second between its last two reports.</param>
/// <param name="TotalCalls">Its running total at the last report.</param>
/// <param name="SampledAt">When the last report was read.</param>
[GenerateSerializer, Immutable, Alias("sentinel.SiloCallRate")]
public sealed record SiloCallRate(
    [property: Id(0)] string Silo,
    [property: Id(1)] double CallsPerSecond,
    [property: Id(2)] long TotalCalls,
    [property: Id(3)] DateTimeOffset SampledAt);

/// <summary>Constants of the call-rate reporting.</summary>
public static class CallRates
{
    /// <summary>How often each silo reports its total (2 s).</summary>
    public static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(2);
}
