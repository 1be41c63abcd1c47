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
/// GCRA parameters derived from it.
/// </summary>
/// <remarks>
/// <para>
/// <b>Algorithm.</b> GCRA (the generic cell rate algorithm, a token bucket stated as one timestamp). Each bucket keeps a
/// theoretical arrival time <c>TAT</c>. A request at <c>now</c> conforms when <c>TAT − τ ≤ now</c>; if it is admitted,
/// <c>TAT := max(TAT, now) + T</c>. <c>T = period / N</c> is the emission interval and <c>τ = (Burst − 1) · T</c> the
/// burst tolerance. A bucket with <c>TAT ≤ now</c> is full and needs no state at all.
/// </para>
/// <para>
/// <b>Burst.</b> <see cref="Burst"/> = ⌈N / 5⌉ requests may arrive back to back from idle; after that, one every <c>T</c>.
/// Over any window of one period at most <c>N + Burst − 1</c> requests are admitted (e.g. 300/minute: 359), never the
/// 2 × N that a fixed window admits across its edge. Refused requests consume nothing.
/// </para>
/// </remarks>
/// <param name="Permits">N, from 1 to <see cref="MaxPermits"/>.</param>
/// <param name="Unit">The period.</param>
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

    /// <summary><c>T</c>, in ticks: the period divided by N, rounded up so the rate is never exceeded.</summary>
    public long EmissionIntervalTicks => (Period.Ticks + Permits - 1) / Permits;

    /// <summary>Requests admitted back to back from idle: ⌈N / 5⌉, at least 1.</summary>
    public int Burst => Math.Max(1, (Permits + 4) / 5);

    /// <summary><c>τ = (Burst − 1) · T</c>, in ticks.</summary>
    public long BurstToleranceTicks => (Burst - 1) * EmissionIntervalTicks;

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
