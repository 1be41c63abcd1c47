using System.Collections.Concurrent;
using Sentinel.Grains.RateLimiting;

namespace Sentinel.Web.RateLimiting;

/// <summary>
/// Remembers, per replica, buckets the grain refused and until when, so a flooding client is answered 429 here without a
/// grain call. This never admits anything, so it can't break exactness; and it never refuses what the grain would admit:
/// a bucket's conformance time only moves later, and the deadline is taken from when the call was sent, before the grain
/// looked at its clock. (After a silo crash lost a bucket's state, this replica keeps refusing until the deadline it saw.)
/// </summary>
internal sealed class LimitedKeyCache
{
    internal const int Capacity = 100_000;

    private readonly ConcurrentDictionary<(string Key, string Bucket), (long Until, RateLimitTier Tier)> refused = new();

    public int Count => refused.Count;

    /// <summary>The longest remaining refusal among the plan's buckets, or null when none is refused here.</summary>
    public (TimeSpan Wait, RateLimitTier Tier)? Refusal(RateLimitPlan plan, long nowTicks)
    {
        (TimeSpan, RateLimitTier)? longest = null;
        if (refused.IsEmpty) return null;
        foreach (var (key, bucket, _) in plan.All())
        {
            if (!refused.TryGetValue((key, bucket.Name), out var entry)) continue;
            if (entry.Until <= nowTicks)
            {
                refused.TryRemove(new KeyValuePair<(string, string), (long, RateLimitTier)>((key, bucket.Name), entry));
                continue;
            }
            var wait = TimeSpan.FromTicks(entry.Until - nowTicks);
            if (longest is null || wait > longest.Value.Item1) longest = (wait, entry.Tier);
        }
        return longest;
    }

    /// <summary>Records the refused buckets of a decision; <paramref name="sentAtTicks"/> is when the call was sent.</summary>
    public void Remember(RateLimitPlan plan, IReadOnlyList<RateLimitBucketState> states, long sentAtTicks)
    {
        var i = 0;
        foreach (var (key, bucket, tier) in plan.All())
        {
            if (i >= states.Count) break;
            var wait = states[i++].Wait;
            if (wait <= TimeSpan.Zero) continue;
            if (refused.Count >= Capacity) Sweep(sentAtTicks);
            if (refused.Count >= Capacity) return;
            refused[(key, bucket.Name)] = (sentAtTicks + wait.Ticks, tier);
        }
    }

    private void Sweep(long nowTicks)
    {
        foreach (var pair in refused)
        {
            if (pair.Value.Until <= nowTicks) refused.TryRemove(pair);
        }
    }
}
