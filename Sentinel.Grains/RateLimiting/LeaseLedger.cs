namespace Sentinel.Grains.RateLimiting;

/// <summary>
/// The leases of one leased bucket (<see cref="RateLimitRule.IsLeased"/>) that may still be spent, over every replica,
/// and the grant rule. Kept by the shard next to the bucket's <see cref="SlidingWindow"/>, in memory only.
/// </summary>
/// <remarks>
/// <para>
/// <b>Grant.</b> A lease counts all its permits in the window at the grant (so the window never counts more than N grants
/// in the span it covers) and takes at most <see cref="RateLimitRule.LeaseSlice"/>, at most what the window has room for,
/// and, beyond the permit of the request that asked (spent at once), at most what keeps the permits of leases still
/// alive within <see cref="RateLimitRule.LeaseCap"/>.
/// </para>
/// <para>
/// <b>Bound: at most N + N/10 in any window <c>[t − period, t]</c>, across all replicas.</b> A permit spent in the window
/// was granted either inside it, and the grants inside it are at most N (the window counted at the last of them covers
/// <c>[t − period, that grant]</c>), or before it by a lease still alive at <c>t − period</c>, and those hold at most
/// N/10. A replica stops spending a lease <see cref="RateLimitRule.LeaseLifetimeTicks"/> after it sent its call, before
/// the shard's own expiry, which it measures from the grant.
/// </para>
/// <para>
/// <b>Early refusal.</b> Permits a replica leased but did not spend are counted all the same: at most one slice per
/// replica, for one period.
/// </para>
/// </remarks>
internal sealed class LeaseLedger
{
    private readonly Queue<(long Expires, int Permits)> alive = new();
    private int outstanding;

    /// <summary>Permits of leases alive at <paramref name="now"/> (a clock that stepped back keeps them longer: never fewer).</summary>
    public int Outstanding(long now)
    {
        while (alive.TryPeek(out var lease) && lease.Expires <= now)
        {
            alive.Dequeue();
            outstanding -= lease.Permits;
        }
        return outstanding;
    }

    /// <summary>
    /// Grants a lease of <paramref name="rule"/>'s bucket at <paramref name="now"/>: the permits granted (0 when the window
    /// is full) and, when refused, the ticks until a request would be admitted.
    /// </summary>
    public (int Granted, long Wait) Grant(SlidingWindow window, RateLimitRule rule, long now)
    {
        window.Advance(now);
        var room = rule.Permits - window.Total;
        if (room <= 0) return (0, Math.Max(1, window.Wait(rule.Permits, now)));
        var extra = Math.Min(Math.Min(rule.LeaseSlice - 1, room - 1), Math.Max(0, rule.LeaseCap - Outstanding(now)));
        window.Add(1 + extra);
        if (extra > 0)
        {
            alive.Enqueue((now + rule.LeaseLifetimeTicks, extra));
            outstanding += extra;
        }
        return (1 + extra, 0);
    }
}
