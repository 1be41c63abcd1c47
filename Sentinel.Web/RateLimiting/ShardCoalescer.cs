using System.Collections.Concurrent;
using Sentinel.Grains.RateLimiting;
using Sentinel.Web.Infrastructure.Cluster;

namespace Sentinel.Web.RateLimiting;

/// <summary>
/// Coalesces this replica's concurrent decisions for one shard into one grain call: while a call to a shard is in
/// flight, the decisions that arrive for it wait, in arrival order, and go together as the next call
/// (<see cref="IRateLimitGrain.CheckManyAsync"/>) as soon as it returns. Nothing waits for a timer: an idle shard gets its
/// call at once, so a quiet replica pays no latency, and a busy one pays one call per batch instead of one per request.
/// </summary>
/// <remarks>
/// The shard decides a batch in its order, each request as if alone, in its one activation: exactness across replicas is
/// that of single calls. A failed call fails every decision of its batch, each of which then follows its own tiers' failure
/// policy in <see cref="RateLimitGate"/> (auth tiers fail closed). Only shard requests that do not chain come here.
/// </remarks>
internal sealed class ShardCoalescer(GrainCalls calls)
{
    private readonly ConcurrentDictionary<string, Lane> lanes = new(StringComparer.Ordinal);

    private sealed class Lane
    {
        public bool Busy;
        public List<(RateLimitRequest Request, TaskCompletionSource<RateLimitDecision> Verdict)> Waiting = [];
    }

    /// <summary>Decisions sent in a batch of more than one, and batches (for the bench and tests).</summary>
    public long Coalesced => Interlocked.Read(ref coalesced);

    /// <summary>Calls made with more than one decision.</summary>
    public long Batches => Interlocked.Read(ref batches);

    private long coalesced;
    private long batches;

    public Task<RateLimitDecision> DecideAsync(string shard, RateLimitRequest request)
    {
        var lane = lanes.GetOrAdd(shard, static _ => new Lane());
        lock (lane)
        {
            if (lane.Busy)
            {
                var verdict = new TaskCompletionSource<RateLimitDecision>(TaskCreationOptions.RunContinuationsAsynchronously);
                lane.Waiting.Add((request, verdict));
                return verdict.Task;
            }
            lane.Busy = true;
        }
        return SendOneAsync(shard, lane, request);
    }

    private async Task<RateLimitDecision> SendOneAsync(string shard, Lane lane, RateLimitRequest request)
    {
        try
        {
            return await calls.RunIdempotentAsync((grains, ct) => grains.GetGrain<IRateLimitGrain>(shard).CheckAsync(request, ct), CancellationToken.None);
        }
        finally
        {
            SendWaiting(shard, lane);
        }
    }

    /// <summary>Sends what waited during the last call as the next one, or marks the lane idle.</summary>
    private void SendWaiting(string shard, Lane lane)
    {
        List<(RateLimitRequest Request, TaskCompletionSource<RateLimitDecision> Verdict)> batch;
        lock (lane)
        {
            if (lane.Waiting.Count == 0)
            {
                lane.Busy = false;
                return;
            }
            batch = lane.Waiting;
            lane.Waiting = [];
        }
        _ = SendBatchAsync(shard, lane, batch);
    }

    private async Task SendBatchAsync(string shard, Lane lane, List<(RateLimitRequest Request, TaskCompletionSource<RateLimitDecision> Verdict)> batch)
    {
        try
        {
            if (batch.Count == 1)
            {
                var one = batch[0].Request;
                batch[0].Verdict.TrySetResult(await calls.RunIdempotentAsync((grains, ct) => grains.GetGrain<IRateLimitGrain>(shard).CheckAsync(one, ct), CancellationToken.None));
                return;
            }
            Interlocked.Increment(ref batches);
            Interlocked.Add(ref coalesced, batch.Count);
            var requests = new RateLimitRequest[batch.Count];
            for (var i = 0; i < requests.Length; i++) requests[i] = batch[i].Request;
            var decisions = await calls.RunIdempotentAsync((grains, ct) => grains.GetGrain<IRateLimitGrain>(shard).CheckManyAsync(requests, ct), CancellationToken.None);
            for (var i = 0; i < batch.Count; i++) batch[i].Verdict.TrySetResult(decisions[i]);
        }
        catch (Exception ex)
        {
            foreach (var (_, verdict) in batch) verdict.TrySetException(ex);
        }
        finally
        {
            SendWaiting(shard, lane);
        }
    }
}
