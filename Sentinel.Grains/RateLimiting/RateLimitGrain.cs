using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using Sentinel.Grains.Storage;

namespace Sentinel.Grains.RateLimiting;

/// <summary>
/// GCRA buckets of one principal, decided in memory; see <see cref="IRateLimitGrain"/> and <see cref="RateLimitRule"/>.
/// </summary>
/// <remarks>
/// Not reentrant: a chained call (user → IP) holds this grain's turn, so the own buckets can't change between the
/// decision and the commit, and the decision stays exact. Only user and family grains chain, and only to IP grains, which
/// never wait on anything; an IP grain flooded by one client therefore never waits on another grain. The write-behind timer
/// interleaves: it snapshots the buckets synchronously and awaits storage while decisions go on, so no request ever waits
/// for PostgreSQL (apart from the read on activation). The timer keeps the activation alive while it has a backlog worth
/// storing, so an idle principal deletes its own row instead of leaving it behind on collection.
/// </remarks>
[CollectionAgeLimit(Minutes = 2)]
internal sealed partial class RateLimitGrain(
    [PersistentState(RateLimitJanitor.StateName, StorageNames.RateLimits)] IPersistentState<RateLimitState> state,
    TimeProvider time,
    IOptions<RateLimitStorageOptions> options,
    ILogger<RateLimitGrain> logger) : Grain, IRateLimitGrain
{
    private readonly RateLimitStorageOptions settings = options.Value;

    /// <summary>TAT per bucket, in UTC ticks. A missing bucket is full.</summary>
    private readonly Dictionary<string, long> tat = new(StringComparer.Ordinal);

    private IGrainTimer? flushTimer;
    private bool changedSinceWrite;
    private Task flushing = Task.CompletedTask;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var (name, at) in state.State.Buckets) tat[name] = at.UtcTicks;
        if (state.RecordExists) EnsureFlushTimer();
        return Task.CompletedTask;
    }

    public async Task<RateLimitDecision> CheckAsync(RateLimitRequest request, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcTicks;
        var own = request.Buckets;
        var states = new List<RateLimitBucketState>(own.Count + (request.AlsoBuckets?.Count ?? 0));
        long wait = 0;
        foreach (var bucket in own)
        {
            var current = Current(bucket.Name, now);
            var tolerance = bucket.Rule.BurstToleranceTicks;
            wait = Math.Max(wait, current - tolerance - now);
        }
        if (wait > 0)
        {
            foreach (var bucket in own) states.Add(StateOf(bucket.Rule, Current(bucket.Name, now), now));
            return new RateLimitDecision.Limited(TimeSpan.FromTicks(wait), states);
        }

        IReadOnlyList<RateLimitBucketState> chained = [];
        if (request.AlsoKey is { } alsoKey && request.AlsoBuckets is { Count: > 0 } alsoBuckets)
        {
            if (alsoKey == this.GetPrimaryKeyString()) throw new ArgumentException("A rate-limit request can't chain to its own grain.", nameof(request));
            var other = await GrainFactory.GetGrain<IRateLimitGrain>(alsoKey).CheckAsync(new RateLimitRequest(alsoBuckets), cancellationToken);
            if (other is RateLimitDecision.Limited limited)
            {
                foreach (var bucket in own) states.Add(StateOf(bucket.Rule, Current(bucket.Name, now), now));
                states.AddRange(limited.Buckets);
                return new RateLimitDecision.Limited(limited.RetryAfter, states);
            }
            chained = other.Buckets;
        }

        var persistAbove = now + settings.PersistThreshold.Ticks;
        foreach (var bucket in own)
        {
            var next = Math.Max(Current(bucket.Name, now), now) + bucket.Rule.EmissionIntervalTicks;
            tat[bucket.Name] = next;
            if (next > persistAbove) changedSinceWrite = true;
            states.Add(StateOf(bucket.Rule, next, now));
        }
        states.AddRange(chained);
        if (changedSinceWrite) EnsureFlushTimer();
        if (tat.Count > settings.MaxBuckets) DropFullBuckets(now);
        return new RateLimitDecision.Allowed(states);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        flushTimer?.Dispose();
        flushTimer = null;
        try
        {
            await flushing;
            await FlushAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFlushFailed(logger, ex, KeyKind);
        }
    }

    /// <summary>The kind of principal (<c>ip</c>, <c>user</c>…), for logs: the key itself may be an address.</summary>
    private string KeyKind => this.GetPrimaryKeyString() is var key && key.IndexOf(':', StringComparison.Ordinal) is > 0 and var colon ? key[..colon] : "?";

    private long Current(string name, long now) => tat.TryGetValue(name, out var at) ? at : now;

    private static RateLimitBucketState StateOf(RateLimitRule rule, long bucketTat, long now)
    {
        var interval = rule.EmissionIntervalTicks;
        var tolerance = rule.BurstToleranceTicks;
        var backlog = Math.Max(bucketTat, now) - now;
        var remaining = backlog - tolerance > 0 ? 0 : (int)Math.Min(rule.Burst, (tolerance - backlog) / interval + 1);
        var wait = Math.Max(0, bucketTat - tolerance - now);
        return new RateLimitBucketState(remaining, TimeSpan.FromTicks(backlog), TimeSpan.FromTicks(wait));
    }

    private void DropFullBuckets(long now)
    {
        foreach (var (name, at) in tat)
        {
            if (at <= now) tat.Remove(name);
        }
    }

    private void EnsureFlushTimer()
    {
        flushTimer ??= this.RegisterGrainTimer(
            static (grain, ct) => grain.OnFlushTimerAsync(ct),
            this,
            new GrainTimerCreationOptions(settings.FlushInterval, settings.FlushInterval) { Interleave = true, KeepAlive = true });
    }

    private async Task OnFlushTimerAsync(CancellationToken cancellationToken)
    {
        if (!flushing.IsCompleted) return;
        try
        {
            flushing = FlushAsync(cancellationToken);
            await flushing;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // PostgreSQL unreachable, or another activation wrote (version conflict): decisions go on from memory, and the
            // next tick retries. A conflict means a duplicate activation; deactivating hands the key to the other one.
            LogFlushFailed(logger, ex, KeyKind);
            if (ex is InconsistentStateException) DeactivateOnIdle();
        }
    }

    /// <summary>Writes the buckets worth keeping, or deletes the row when none is; stops the timer once nothing is stored.</summary>
    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcTicks;
        DropFullBuckets(now);
        var keepAbove = now + settings.PersistThreshold.Ticks;
        Dictionary<string, DateTimeOffset>? keep = null;
        foreach (var (name, at) in tat)
        {
            if (at > keepAbove) (keep ??= new(StringComparer.Ordinal))[name] = new DateTimeOffset(at, TimeSpan.Zero);
        }

        if (keep is null)
        {
            changedSinceWrite = false;
            if (state.RecordExists)
            {
                state.State = new RateLimitState();
                await state.ClearStateAsync(cancellationToken);
            }
            flushTimer?.Dispose();
            flushTimer = null;
            return;
        }

        if (!changedSinceWrite && state.RecordExists) return;
        changedSinceWrite = false;
        state.State = new RateLimitState { Buckets = keep };
        try
        {
            await state.WriteStateAsync(cancellationToken);
        }
        catch
        {
            changedSinceWrite = true;
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rate-limit state of a {KeyKind} principal could not be written; decisions continue from memory")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception, string keyKind);
}
