using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using Sentinel.Grains.Storage;

namespace Sentinel.Grains.RateLimiting;

/// <summary>
/// Sliding-window buckets of one principal, decided in memory; see <see cref="IRateLimitGrain"/>, <see cref="RateLimitRule"/>
/// (the rule and its bounds) and <see cref="SlidingWindow"/>.
/// </summary>
/// <remarks>
/// Not reentrant: a chained call (user → IP) holds this grain's turn, so the own buckets can't change between the
/// decision and the commit, and the decision stays exact. Only user and family grains chain, and only to IP grains, which
/// never wait on anything; an IP grain flooded by one client therefore never waits on another grain. The write-behind timer
/// interleaves: it snapshots the buckets synchronously and awaits storage while decisions go on, so no request ever waits
/// for PostgreSQL (apart from the read on activation). The timer keeps the activation alive while it holds a window worth
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

    /// <summary>
    /// The window of each bucket that counts something, by principal and bucket name. A missing bucket is full. The
    /// principal is empty in a principal's own grain and the principal's key in a shard (<see cref="RateLimitKeys.GrainFor"/>).
    /// </summary>
    private readonly Dictionary<(string Principal, string Bucket), SlidingWindow> windows = [];

    /// <summary>Separates principal and bucket in a shard's stored names (never in a principal key).</summary>
    private const char StoredNameSeparator = '\u001f';

    private bool isShard;

    /// <summary>This grain's key, read once (the runtime decodes it on every <c>GetPrimaryKeyString</c>).</summary>
    private string selfKey = "";

    /// <summary>Windows in the stored row after the last write: fewer worth storing now (emptied, aged) rewrites the row.</summary>
    private int storedWindows;
    private long lastSweep;

    private IGrainTimer? flushTimer;
    private bool changedSinceWrite;
    private Task flushing = Task.CompletedTask;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        selfKey = this.GetPrimaryKeyString();
        isShard = RateLimitKeys.IsShard(selfKey);
        foreach (var (name, stored) in state.State.Windows ?? [])
        {
            if (stored is not null && SlidingWindow.FromStored(stored) is { } window) windows[ParseStoredName(name)] = window;
        }
        storedWindows = windows.Count;
        if (state.RecordExists) EnsureFlushTimer();
        return Task.CompletedTask;
    }

    public async Task<RateLimitDecision> CheckAsync(RateLimitRequest request, CancellationToken cancellationToken)
    {
        // An IP or service principal is decided in its shard only (one place per principal keeps decisions exact): a
        // caller that names the principal's own grain is forwarded there, one hop more.
        var self = this.GetPrimaryKeyString();
        if (!isShard && RateLimitKeys.IsSharded(self))
            return await GrainFactory.GetGrain<IRateLimitGrain>(RateLimitKeys.GrainFor(self)).CheckAsync(request with { Key = self }, cancellationToken);

        var now = time.GetUtcNow().UtcTicks;
        var own = request.Buckets;
        var principal = PrincipalOf(request, self);
        if (request.AlsoKey is null || request.AlsoBuckets is not { Count: > 0 } alsoBuckets) return Decide(principal, own, now);

        // Shards never chain (only user and family grains do, and only to IP principals), so calls can't form a cycle.
        if (isShard) throw new ArgumentException("A rate-limit shard does not chain.", nameof(request));
        var alsoKey = request.AlsoKey;
        var states = new List<RateLimitBucketState>(own.Count + alsoBuckets.Count);
        if (Refusal(principal, own, now, states) is { } refused) return refused;
        var alsoGrain = RateLimitKeys.GrainFor(alsoKey);
        if (alsoGrain == self) throw new ArgumentException("A rate-limit request can't chain to its own grain.", nameof(request));
        var other = await GrainFactory.GetGrain<IRateLimitGrain>(alsoGrain)
            .CheckAsync(new RateLimitRequest(alsoBuckets, Key: alsoGrain == alsoKey ? null : alsoKey), cancellationToken);
        if (other is RateLimitDecision.Limited limited)
        {
            foreach (var bucket in own) states.Add(StateOf(bucket.Rule, Current(principal, bucket, now), now));
            states.AddRange(limited.Buckets);
            return new RateLimitDecision.Limited(limited.RetryAfter, states);
        }
        Commit(principal, own, now, states);
        states.AddRange(other.Buckets);
        return new RateLimitDecision.Allowed(states);
    }

    public ValueTask<RateLimitShardDecision> DecideAsync(RateLimitShardRequest request)
    {
        // A principal is decided in its own shard only (one place per principal keeps decisions exact across replicas).
        var principal = request.Principal;
        if (!isShard || principal is null || !RateLimitKeys.IsSharded(principal) || RateLimitKeys.GrainFor(principal) != selfKey)
            throw new ArgumentException("A sharded principal is decided by its own shard only.", nameof(request));
        var now = time.GetUtcNow().UtcTicks;
        var rule0 = RuleOf(request.Permits0, request.Unit0);
        var name1 = request.Name1;
        var rule1 = name1 is null ? null : RuleOf(request.Permits1, request.Unit1);

        // All or nothing: refused when either bucket would not conform, and then nothing is counted.
        var window0 = Current(principal, request.Name0, rule0, now);
        var window1 = rule1 is null ? null : Current(principal, name1!, rule1, now);
        var wait = Math.Max(window0?.Wait(rule0.Permits, now) ?? 0, rule1 is null ? 0 : window1?.Wait(rule1.Permits, now) ?? 0);
        if (wait <= 0)
        {
            window0 = CountIn(principal, request.Name0, rule0, window0, now);
            if (rule1 is not null) window1 = CountIn(principal, name1!, rule1, window1, now);
            AfterCommit(now);
        }
        var (remaining0, reset0, wait0) = StateTicks(rule0, window0, now);
        var (remaining1, reset1, wait1) = rule1 is null ? (0, 0L, 0L) : StateTicks(rule1, window1, now);
        return new(new RateLimitShardDecision(wait <= 0, Math.Max(wait, 0), remaining0, reset0, wait0, remaining1, reset1, wait1));
    }

    /// <summary>One rule object per rate in this grain, instead of one per request.</summary>
    private RateLimitRule RuleOf(int permits, RateLimitUnit unit)
    {
        if (rules.TryGetValue((permits, unit), out var rule)) return rule;
        if (permits is < 1 or > RateLimitRule.MaxPermits || !Enum.IsDefined(unit)) throw new ArgumentException("Not a rate-limit rule.", nameof(permits));
        return rules[(permits, unit)] = new RateLimitRule(permits, unit);
    }

    private readonly Dictionary<(int, RateLimitUnit), RateLimitRule> rules = [];

    /// <summary>Counts one request in a bucket's window (created when it counted nothing); returns the window.</summary>
    private SlidingWindow CountIn(string principal, string name, RateLimitRule rule, SlidingWindow? window, long now)
    {
        if (window is null) windows[(principal, Intern(name))] = window = new SlidingWindow(rule.SubWindowTicks, rule.Permits, now);
        window.Add();
        if (window.HoldsMoreThan(settings.PersistThreshold)) changedSinceWrite = true;
        return window;
    }

    private static (int Remaining, long Reset, long Wait) StateTicks(RateLimitRule rule, SlidingWindow? window, long now) =>
        window is null ? (rule.Permits, 0, 0) : (window.Remaining(rule.Permits), window.Reset(now), window.Wait(rule.Permits, now));

    public Task<RateLimitDecision[]> CheckManyAsync(RateLimitRequest[] requests, CancellationToken cancellationToken)
    {
        // One replica's concurrent decisions for this shard, decided in the order they arrived at the replica: each as if
        // it had come alone, so exactness across replicas is that of single calls (one activation decides the principal).
        if (!isShard) throw new ArgumentException("Only a rate-limit shard decides several requests in one call.", nameof(requests));
        var self = this.GetPrimaryKeyString();
        var now = time.GetUtcNow().UtcTicks;
        var decisions = new RateLimitDecision[requests.Length];
        for (var i = 0; i < requests.Length; i++)
        {
            var request = requests[i];
            if (request.AlsoKey is not null && request.AlsoBuckets is { Count: > 0 }) throw new ArgumentException("A rate-limit shard does not chain.", nameof(requests));
            decisions[i] = Decide(PrincipalOf(request, self), request.Buckets, now);
        }
        return Task.FromResult(decisions);
    }

    public Task<RateLimitLease> LeaseAsync(string principal, RateLimitBucket bucket, CancellationToken cancellationToken)
    {
        if (!isShard || !RateLimitKeys.IsSharded(principal) || RateLimitKeys.GrainFor(principal) != this.GetPrimaryKeyString())
            throw new ArgumentException("A lease is granted by the principal's shard only.", nameof(principal));
        if (!bucket.Rule.IsLeased) throw new ArgumentException($"Tiers under {RateLimitRule.LeaseThreshold} per period are decided exactly, not leased.", nameof(bucket));
        var now = time.GetUtcNow().UtcTicks;
        var name = Intern(bucket.Name);
        var window = Current(principal, bucket, now);
        if (window is null) windows[(principal, name)] = window = new SlidingWindow(bucket.Rule.SubWindowTicks, bucket.Rule.Permits, now);
        if (!leases.TryGetValue((principal, name), out var ledger)) leases[(principal, name)] = ledger = new LeaseLedger();
        var (granted, wait) = ledger.Grant(window, bucket.Rule, now);
        if (granted > 0)
        {
            if (window.HoldsMoreThan(settings.PersistThreshold)) changedSinceWrite = true;
            EnsureFlushTimer();
        }
        return Task.FromResult(new RateLimitLease(granted, StateOf(bucket.Rule, window, now), TimeSpan.FromTicks(wait)));
    }

    /// <summary>In a shard, the buckets are the named principal's; in a principal's own grain, its own (Key null or itself).</summary>
    private string PrincipalOf(RateLimitRequest request, string self)
    {
        var principal = request.Key is { } key && key != self ? key : "";
        if (isShard && principal.Length == 0) throw new ArgumentException("A request to a rate-limit shard must name its principal.", nameof(request));
        return principal;
    }

    /// <summary>Decides a request that does not chain: refused when a bucket would not conform, else counted in each.</summary>
    private RateLimitDecision Decide(string principal, IReadOnlyList<RateLimitBucket> own, long now)
    {
        var states = new List<RateLimitBucketState>(own.Count);
        if (Refusal(principal, own, now, states) is { } refused) return refused;
        Commit(principal, own, now, states);
        return new RateLimitDecision.Allowed(states);
    }

    /// <summary>The refusal when a bucket does not conform now (its state added to <paramref name="states"/>), else null.</summary>
    private RateLimitDecision.Limited? Refusal(string principal, IReadOnlyList<RateLimitBucket> own, long now, List<RateLimitBucketState> states)
    {
        long wait = 0;
        foreach (var bucket in own)
        {
            if (Current(principal, bucket, now) is { } window) wait = Math.Max(wait, window.Wait(bucket.Rule.Permits, now));
        }
        if (wait <= 0) return null;
        foreach (var bucket in own) states.Add(StateOf(bucket.Rule, Current(principal, bucket, now), now));
        return new RateLimitDecision.Limited(TimeSpan.FromTicks(wait), states);
    }

    /// <summary>Counts the request in each of its buckets.</summary>
    private void Commit(string principal, IReadOnlyList<RateLimitBucket> own, long now, List<RateLimitBucketState> states)
    {
        foreach (var bucket in own)
        {
            var window = CountIn(principal, bucket.Name, bucket.Rule, Current(principal, bucket, now), now);
            states.Add(StateOf(bucket.Rule, window, now));
        }
        AfterCommit(now);
    }

    /// <summary>After a request was counted: keeps the flush timer, and sweeps full buckets when over the cap.</summary>
    private void AfterCommit(long now)
    {
        // A shard keeps its timer while it holds any window: the timer's sweep drops the windows that emptied.
        if (changedSinceWrite || isShard) EnsureFlushTimer();
        // Over the cap, drop the full buckets; at most once per second, so a grain over the cap with nothing full to drop
        // does not scan on every request.
        if (windows.Count > MaxBuckets && now - lastSweep > TimeSpan.TicksPerSecond)
        {
            lastSweep = now;
            DropFullBuckets(now);
        }
    }

    /// <summary>
    /// One string per bucket name in this grain: each request brings its own copy (deserialized), and a bucket would
    /// otherwise keep the copy of the request that created it (<c>default:/users/me</c>: 56 bytes per bucket). Names are
    /// route templates and tier names, a fixed set, plus route values of the auth tier; past <see cref="MaxInterned"/>
    /// names the table stops growing and buckets keep their own copy.
    /// </summary>
    private string Intern(string name)
    {
        if (names.TryGetValue(name, out var known)) return known;
        if (names.Count < MaxInterned) names[name] = name;
        return name;
    }

    private const int MaxInterned = 4096;

    private readonly Dictionary<string, string> names = new(StringComparer.Ordinal);

    /// <summary>Leases alive per leased bucket (service tiers: few principals); dropped with the bucket's window.</summary>
    private readonly Dictionary<(string Principal, string Bucket), LeaseLedger> leases = [];

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

    /// <summary>
    /// The bucket's window advanced to <paramref name="now"/>, or null when it counts nothing. A window of another width
    /// (the tier's period was reconfigured) is dropped: its counts can't be mapped onto the new sub-windows.
    /// </summary>
    private SlidingWindow? Current(string principal, RateLimitBucket bucket, long now) => Current(principal, bucket.Name, bucket.Rule, now);

    private SlidingWindow? Current(string principal, string name, RateLimitRule rule, long now)
    {
        if (!windows.TryGetValue((principal, name), out var window)) return null;
        if (window.Width != rule.SubWindowTicks)
        {
            windows.Remove((principal, name));
            leases.Remove((principal, name));
            return null;
        }
        window.Permits = rule.Permits;
        window.Advance(now);
        return window;
    }

    private static RateLimitBucketState StateOf(RateLimitRule rule, SlidingWindow? window, long now) =>
        window is null
            ? new RateLimitBucketState(rule.Permits, TimeSpan.Zero, TimeSpan.Zero)
            : new RateLimitBucketState(
                window.Remaining(rule.Permits),
                TimeSpan.FromTicks(window.Reset(now)),
                TimeSpan.FromTicks(window.Wait(rule.Permits, now)));

    /// <summary>Buckets kept in memory: per principal in its own grain; in a shard, for all of its principals.</summary>
    private int MaxBuckets => isShard ? settings.MaxShardBuckets : settings.MaxBuckets;

    /// <summary>The stored name of a bucket: its name, or in a shard the principal, a separator, and its name.</summary>
    private static string StoredName((string Principal, string Bucket) key) =>
        key.Principal.Length == 0 ? key.Bucket : key.Principal + StoredNameSeparator + key.Bucket;

    private static (string, string) ParseStoredName(string name) =>
        name.IndexOf(StoredNameSeparator, StringComparison.Ordinal) is >= 0 and var at ? (name[..at], name[(at + 1)..]) : ("", name);

    private void DropFullBuckets(long now)
    {
        foreach (var (name, window) in windows)
        {
            window.Advance(now);
            if (window.Total != 0) continue;
            windows.Remove(name);
            leases.Remove(name);
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
        Dictionary<string, StoredWindow>? keep = null;
        foreach (var (name, window) in windows)
        {
            if (window.HoldsMoreThan(settings.PersistThreshold)) (keep ??= new(StringComparer.Ordinal))[StoredName(name)] = window.ToStored();
        }

        if (keep is null)
        {
            changedSinceWrite = false;
            if (state.RecordExists)
            {
                state.State = new RateLimitState();
                await state.ClearStateAsync(cancellationToken);
            }
            // A shard keeps sweeping while it holds windows (they empty within a period and a sub-window).
            if (isShard && windows.Count > 0) return;
            flushTimer?.Dispose();
            flushTimer = null;
            return;
        }

        // A shard's row also shrinks when some of its principals' windows emptied while others still count.
        if (!changedSinceWrite && state.RecordExists && keep.Count == storedWindows) return;
        changedSinceWrite = false;
        storedWindows = keep.Count;
        state.State = new RateLimitState { Windows = keep };
        try
        {
            try
            {
                await state.WriteStateAsync(cancellationToken);
            }
            catch (InconsistentStateException)
            {
                // The stored ETag moved without this activation writing (seen after a clear, and with a duplicate
                // activation). This activation decides the key, so its windows are the truth: re-read the ETag and write
                // once more; if that conflicts too, the caller deactivates and hands the key over.
                await state.ReadStateAsync(cancellationToken);
                state.State = new RateLimitState { Windows = keep };
                await state.WriteStateAsync(cancellationToken);
            }
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
