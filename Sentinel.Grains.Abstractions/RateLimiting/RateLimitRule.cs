using System.Globalization;

namespace Sentinel.Grains.RateLimiting;

/// <summary>The unit of a rate: <c>second</c>, <c>minute</c> or <c>hour</c>.</summary>
public enum RateLimitUnit
{
    /// <summary>Per second.</summary>
    Second = 0,
    /// <summary>Per minute.</summary>
    Minute = 1,
    /// <summary>Per hour.</summary>
    Hour = 2,
}

/// <summary>
/// A rate of <see cref="Permits"/> requests per <see cref="Unit"/>, as configured (<c>N/second|minute|hour</c>), and the
/// sliding-window parameters derived from it.
/// </summary>
/// <remarks>
/// <para>
/// <b>Algorithm.</b> A sliding window of <see cref="SubWindows"/> + 1 sub-window counters, each
/// <see cref="SubWindowTicks"/> long (⌈period / 30⌉: 2 s for a minute tier). A request at <c>now</c> is admitted when
/// fewer than N requests were admitted in the sub-windows that overlap <c>[now − period, now]</c>, the oldest of them,
/// which lies partly outside the window, counted in full.
/// </para>
/// <para>
/// <b>Bounds.</b> From idle, N requests pass back to back. Over any window of one period at most N are admitted (the oldest
/// sub-window is counted in full, so counting never under-states). It may refuse early: only when at least N were admitted in
/// the last period + one sub-window, so a refused client waits at most one sub-window longer than an exact log of
/// timestamps would make it wait (2 s for a minute tier, 2 min for an hour tier, 34 ms for a second tier).
/// </para>
/// </remarks>
[GenerateSerializer, Immutable, Alias("sentinel.RateLimitRule")]
public sealed record RateLimitRule(
    [property: Id(0)] int Permits,
    [property: Id(1)] RateLimitUnit Unit)
{
    /// <summary>The largest N accepted per unit.</summary>
    public const int MaxPermits = 1_000_000;

    /// <summary>The period the permits are spread over.</summary>
    public TimeSpan Period => Unit switch
    {
        RateLimitUnit.Second => TimeSpan.FromSeconds(1),
        RateLimitUnit.Minute => TimeSpan.FromMinutes(1),
        _ => TimeSpan.FromHours(1),
    };

    /// <summary>Whole seconds in <see cref="Period"/>, as the <c>w</c> of <c>RateLimit-Policy</c>.</summary>
    public int PeriodSeconds => (int)Period.TotalSeconds;

    /// <summary>Sub-windows per period; a bucket keeps one more, for the sub-window partly outside the window.</summary>
    public const int SubWindows = 30;

    /// <summary>One sub-window, in ticks: the period divided by <see cref="SubWindows"/>, rounded up, so that the
    /// <see cref="SubWindows"/> sub-windows before the current one always reach back a whole period.</summary>
    public long SubWindowTicks => (Period.Ticks + SubWindows - 1) / SubWindows;

    /// <summary>Tiers of at least this many per period are decided with leases at the edge (the contract allows leases from 1,000 per period).</summary>
    public const int LeaseThreshold = 1_000;

    /// <summary>
    /// Whether the edge may hold a slice of this tier (<see cref="IRateLimitGrain.LeaseAsync"/>): N ≥ 1,000. The bound is
    /// then N + N/10 over any window of one period, across all replicas (see <see cref="LeaseCap"/>).
    /// </summary>
    public bool IsLeased => Permits >= LeaseThreshold;

    /// <summary>The most one lease grants: N/100 (60 for 6000/minute), the request that asked included.</summary>
    public int LeaseSlice => Math.Max(1, Permits / 100);

    /// <summary>
    /// The most permits held by leases that are still alive, summed over every replica: N/10. Permits granted before a
    /// window and spent in it are such permits, so a window admits at most N (grants inside it, counted by the sliding
    /// window) + N/10 (leases alive at its start).
    /// </summary>
    public int LeaseCap => Math.Max(1, Permits / 10);

    /// <summary>
    /// How long a lease may be spent after it was asked for: one sub-window, at most 2 s. The edge measures it from
    /// before its call and the shard from the grant, which comes later, so the edge always stops first.
    /// </summary>
    public long LeaseLifetimeTicks => Math.Min(SubWindowTicks, 2 * TimeSpan.TicksPerSecond);

    /// <summary>Parses <c>N/second|minute|hour</c> (case-insensitive, spaces around the parts allowed).</summary>
    public static bool TryParse(string? text, out RateLimitRule? rule)
    {
        rule = null;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0) return false;
        var number = text[..slash].Trim();
        if (number.Length == 0 || !number.All(char.IsAsciiDigit)) return false;
        if (!int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var permits) || permits is < 1 or > MaxPermits) return false;
        RateLimitUnit? unit = text[(slash + 1)..].Trim().ToLowerInvariant() switch
        {
            "second" => RateLimitUnit.Second,
            "minute" => RateLimitUnit.Minute,
            "hour" => RateLimitUnit.Hour,
            _ => null,
        };
        if (unit is null) return false;
        rule = new RateLimitRule(permits, unit.Value);
        return true;
    }

    /// <summary>The configured form, e.g. <c>120/minute</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Permits}/{Unit.ToString().ToLowerInvariant()}");
}
