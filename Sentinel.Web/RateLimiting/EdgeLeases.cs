using System.Collections.Concurrent;
using Sentinel.Grains.RateLimiting;
using Sentinel.Web.Infrastructure.Cluster;

namespace Sentinel.Web.RateLimiting;

/// <summary>
/// Slices of leased buckets held by this replica (tiers of 1,000 per period or more, alone in their plan: the service
/// tier, 6000/minute, on every request with <c>X-Service-Key</c>). A request spends a permit of the slice without a
/// grain call; when the slice is spent or expired, one request asks the principal's shard for the next
/// (<see cref="IRateLimitGrain.LeaseAsync"/>) while the others wait for it. See <c>LeaseLedger</c> in Sentinel.Grains for
/// the bound (at most N + N/10 in any window, across replicas).
/// </summary>
/// <remarks>
/// A slice is spent until <see cref="RateLimitRule.LeaseLifetimeTicks"/> after its call was sent, measured on this
/// replica's clock from before the call, so it always expires here before the shard, which measures from the grant, lets
/// the permits go. A refusal is answered to every request that waited for that call.
/// </remarks>
internal sealed class EdgeLeases(GrainCalls calls, TimeProvider time)
{
    private const int MaxSlices = 10_000;

    private readonly ConcurrentDictionary<(string Key, string Bucket), Slice> slices = new();

    private sealed class Slice
    {
        public int Left;
        public long Expires;
        public RateLimitBucketState State = new(0, TimeSpan.Zero, TimeSpan.Zero);
        public long StateAt;
        public Task<RateLimitDecision>? Refill;
    }

    /// <summary>Whether a plan is decided with a lease: one bucket, of a leased tier, of a principal that lives in a shard.</summary>
    public static bool Applies(RateLimitPlan plan) =>
        plan.AlsoKey is null && plan.Buckets.Count == 1 && plan.Buckets[0].Rule.IsLeased && RateLimitKeys.IsSharded(plan.Key);

    /// <summary>Grain calls made for leases (for tests and the bench).</summary>
    public long Calls => Interlocked.Read(ref callCount);

    private long callCount;

    public async Task<RateLimitDecision> DecideAsync(RateLimitPlan plan)
    {
        var bucket = plan.Buckets[0];
        if (slices.Count >= MaxSlices) Sweep(time.GetUtcNow().UtcTicks);
        var slice = slices.GetOrAdd((plan.Key, bucket.Name), static _ => new Slice());
        while (true)
        {
            TaskCompletionSource<RateLimitDecision>? mine = null;
            Task<RateLimitDecision> pending;
            long sentAt;
            lock (slice)
            {
                sentAt = time.GetUtcNow().UtcTicks;
                if (slice.Left > 0 && sentAt < slice.Expires)
                {
                    slice.Left--;
                    return new RateLimitDecision.Allowed([Spent(slice, sentAt)]);
                }
                if (slice.Refill is null)
                {
                    mine = new TaskCompletionSource<RateLimitDecision>(TaskCreationOptions.RunContinuationsAsynchronously);
                    slice.Refill = mine.Task;
                }
                pending = slice.Refill;
            }
            if (mine is null)
            {
                // Another request is asking for the next slice: wait for it, then spend from it (or share its refusal).
                if (await pending is RateLimitDecision.Limited refused) return refused;
                continue;
            }
            try
            {
                Interlocked.Increment(ref callCount);
                var lease = await calls.RunIdempotentAsync(
                    (grains, ct) => grains.GetGrain<IRateLimitGrain>(plan.GrainKey).LeaseAsync(plan.Key, bucket, ct), CancellationToken.None);
                RateLimitDecision decision;
                lock (slice)
                {
                    slice.Refill = null;
                    if (lease.Granted > 0)
                    {
                        // The first permit is this request's; the rest are the slice.
                        slice.Left = lease.Granted - 1;
                        slice.Expires = sentAt + bucket.Rule.LeaseLifetimeTicks;
                        slice.State = lease.State;
                        slice.StateAt = sentAt;
                        decision = new RateLimitDecision.Allowed([Spent(slice, sentAt)]);
                    }
                    else
                    {
                        slice.Left = 0;
                        decision = new RateLimitDecision.Limited(lease.RetryAfter, [lease.State]);
                    }
                }
                mine.SetResult(decision);
                return decision;
            }
            catch (Exception ex)
            {
                lock (slice) slice.Refill = null;
                mine.SetException(ex);
                _ = mine.Task.Exception; // observed here: waiters rethrow it themselves
                throw;
            }
        }
    }

    /// <summary>The bucket as this replica sees it: what the shard had left at the grant, plus this slice's unspent permits.</summary>
    private static RateLimitBucketState Spent(Slice slice, long now) =>
        new(slice.State.Remaining + slice.Left, slice.State.Reset - TimeSpan.FromTicks(Math.Max(0, now - slice.StateAt)) is var reset && reset > TimeSpan.Zero ? reset : TimeSpan.Zero, TimeSpan.Zero);

    private void Sweep(long now)
    {
        foreach (var pair in slices)
        {
            if (pair.Value.Refill is null && pair.Value.Expires <= now) slices.TryRemove(pair);
        }
    }
}
