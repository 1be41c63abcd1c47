using System.Globalization;
using System.Text;
using Sentinel.Grains.RateLimiting;

namespace Sentinel.Web.RateLimiting;

/// <summary>
/// <c>RateLimit-Policy</c> and <c>RateLimit</c> as in draft-ietf-httpapi-ratelimit-headers (structured-field lists, one
/// item per tier): <c>RateLimit-Policy: "aggregate";q=300;w=60, "default";q=120;w=60</c> and
/// <c>RateLimit: "aggregate";r=59;t=1, "default";r=23;t=1</c>. <c>r</c> is what may be sent now back to back, <c>t</c>
/// the seconds until the bucket is full again.
/// </summary>
internal static class RateLimitHeaders
{
    public const string Policy = "RateLimit-Policy";
    public const string Current = "RateLimit";

    public static string PolicyValue(RateLimitPlan plan)
    {
        var value = new StringBuilder();
        foreach (var (_, bucket, tier) in plan.All())
        {
            if (value.Length > 0) value.Append(", ");
            value.Append(CultureInfo.InvariantCulture, $"\"{tier.Name()}\";q={bucket.Rule.Permits};w={bucket.Rule.PeriodSeconds}");
        }
        return value.ToString();
    }

    public static string CurrentValue(RateLimitPlan plan, IReadOnlyList<RateLimitBucketState> states)
    {
        var value = new StringBuilder();
        var i = 0;
        foreach (var (_, _, tier) in plan.All())
        {
            if (i >= states.Count) break;
            var state = states[i++];
            if (value.Length > 0) value.Append(", ");
            value.Append(CultureInfo.InvariantCulture, $"\"{tier.Name()}\";r={state.Remaining};t={Seconds(state.Reset, 0)}");
        }
        return value.ToString();
    }

    public static string RefusedValue(RateLimitTier tier, TimeSpan wait) =>
        string.Create(CultureInfo.InvariantCulture, $"\"{tier.Name()}\";r=0;t={Seconds(wait, 1)}");

    /// <summary>Whole seconds, rounded up, at least <paramref name="minimum"/>.</summary>
    public static int Seconds(TimeSpan span, int minimum) => Math.Max(minimum, (int)Math.Min(int.MaxValue, Math.Ceiling(span.TotalSeconds)));
}
