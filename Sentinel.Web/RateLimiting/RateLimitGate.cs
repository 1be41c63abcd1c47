using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Sentinel.Grains.RateLimiting;
using Sentinel.Web.Infrastructure.Cluster;
using Sentinel.Web.Infrastructure.Errors;
using Sentinel.Web.Infrastructure.Forwarding;
using Sentinel.Web.Infrastructure.Hosting;

namespace Sentinel.Web.RateLimiting;

/// <summary>
/// Decides a request once: plans its buckets, answers from <see cref="LimitedKeyCache"/> when a bucket is known to refuse,
/// otherwise makes the one grain call; sets <c>RateLimit-Policy</c>, <c>RateLimit</c> and <c>Retry-After</c>, and logs each 429.
/// The middleware calls it; endpoints that learn their principal late call it themselves.
/// </summary>
public sealed class RateLimitGate
{
    private static readonly TimeSpan FailOpenWarningEvery = TimeSpan.FromSeconds(10);

    private readonly RateLimitOptions options;
    private readonly RateLimitPlanner planner;
    private readonly ClientAddressResolver resolver;
    private readonly GrainCalls calls;
    private readonly LimitedKeyCache cache;
    private readonly ShardCoalescer shards;
    private readonly EdgeLeases leases;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly Infrastructure.Hosting.SentinelMetrics metrics;
    private readonly byte[] pseudonymKey;
    private long lastFailOpenWarning = long.MinValue;
    private long suppressedFailOpenWarnings;

    internal RateLimitGate(RateLimitOptions options, RateLimitPlanner planner, ClientAddressResolver resolver, GrainCalls calls,
        LimitedKeyCache cache, TimeProvider time, ILogger<RateLimitGate> logger, WebSettings settings, Infrastructure.Hosting.SentinelMetrics metrics)
    {
        shards = new ShardCoalescer(calls);
        leases = new EdgeLeases(calls, time);
        this.metrics = metrics;
        this.options = options;
        this.planner = planner;
        this.resolver = resolver;
        this.calls = calls;
        this.cache = cache;
        this.time = time;
        this.logger = logger;
        pseudonymKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(settings.SessionSecretKey), 32,
            info: "sentinel/rate-limit/log-pseudonym"u8.ToArray());
    }

    /// <summary>Grain calls made for leases on this replica (tests).</summary>
    internal long LeaseCalls => leases.Calls;

    /// <summary>Decisions this replica sent to a shard in a batch of more than one (tests).</summary>
    internal long CoalescedDecisions => shards.Coalesced;

    /// <summary>Paths never limited (health, readiness, metrics, well-known documents), whatever their endpoint says.</summary>
    public static bool IsExemptPath(PathString path) =>
        path.Equals("/health", StringComparison.OrdinalIgnoreCase)
        || path.Equals("/health/ready", StringComparison.OrdinalIgnoreCase)
        || path.Equals("/metrics", StringComparison.OrdinalIgnoreCase)
        || path.StartsWithSegments("/.well-known", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Decides this request. A request is decided in one place (the middleware, the endpoint's rate-limit filter, or its
    /// handler); a second call is a defect of the endpoint: it is logged (<c>RateLimitDecidedTwice</c>) and answered
    /// with the first verdict, never counted twice.
    /// </summary>
    public async ValueTask<RateLimitVerdict> CheckAsync(HttpContext context)
    {
        if (context.Features.Get<RateLimitVerdictFeature>() is { } decided)
        {
            Log.DecidedTwice(logger, (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? RateLimitPlanner.UnmatchedRoute);
            return decided.Verdict;
        }
        var verdict = await DecideAsync(context);
        context.Features.Set(new RateLimitVerdictFeature(verdict));
        return verdict;
    }

    internal bool IsExempt(HttpContext context)
    {
        if (!options.Enabled || IsExemptPath(context.Request.Path)) return true;
        if (context.GetEndpoint()?.Metadata.GetMetadata<RateLimitExemptMetadata>() is not null) return true;
        // CORS preflights never reach limits: the browser sends them on its own, before the real request is limited.
        var request = context.Request;
        return HttpMethods.IsOptions(request.Method) && request.Headers.Origin.Count > 0 && request.Headers.AccessControlRequestMethod.Count > 0;
    }

    private async ValueTask<RateLimitVerdict> DecideAsync(HttpContext context)
    {
        if (IsExempt(context)) return RateLimitVerdict.NotLimited.Instance;
        var plan = planner.Plan(context, resolver.Resolve(context));
        var headers = context.Response.Headers;
        headers[RateLimitHeaders.Policy] = RateLimitHeaders.PolicyValue(plan);

        // Taken before the call, so a deadline derived from it never outlasts the grain's.
        var sentAt = time.GetUtcNow().UtcTicks;
        if (cache.Refusal(plan, sentAt) is { } known)
        {
            headers[RateLimitHeaders.Current] = RateLimitHeaders.RefusedValue(known.Tier, known.Wait);
            return Refuse(context, plan, known.Wait, known.Tier, "edge");
        }

        RateLimitDecision decision;
        try
        {
            // Leased tiers (service: 6000/minute) spend a slice held here, with a shard call per slice. With
            // RATE_LIMIT_COALESCE=true (off by default: it measured costlier), other shard principals (addresses) go in one
            // call with this replica's concurrent decisions for the same shard. Everything else: one call per decision.
            if (EdgeLeases.Applies(plan)) decision = await leases.DecideAsync(plan);
            else if (options.Coalesce && plan.AlsoKey is null && RateLimitKeys.IsShard(plan.GrainKey)) decision = await shards.DecideAsync(plan.GrainKey, plan.Request);
            else if (options.CompactCalls && plan.ShardRequest is { } compact) decision = await DecideInShardAsync(plan, compact, context.RequestAborted);
            else decision = await calls.RunIdempotentAsync(
                (grains, ct) => grains.GetGrain<IRateLimitGrain>(plan.GrainKey).CheckAsync(plan.Request, ct), context.RequestAborted);
        }
        catch (ClusterUnavailableException ex)
        {
            headers.Remove(RateLimitHeaders.Policy);
            var reason = (ex.InnerException ?? ex).GetType().Name;
            if (plan.HasAuthTier || !options.FailOpen)
            {
                Log.FailedClosed(logger, reason, plan.Tiers[^1].Name(), plan.Route);
                ApiErrors.SetClusterRetryAfter(context.Response);
                return RateLimitVerdict.Unavailable.Instance;
            }
            WarnFailOpen(reason);
            return RateLimitVerdict.NotLimited.Instance;
        }

        headers[RateLimitHeaders.Current] = RateLimitHeaders.CurrentValue(plan, decision.Buckets);
        if (decision is RateLimitDecision.Limited limited)
        {
            cache.Remember(plan, limited.Buckets, sentAt);
            return Refuse(context, plan, limited.RetryAfter, LimitingTier(plan, limited.Buckets), "grain");
        }
        return RateLimitVerdict.Admitted.Instance;
    }

    /// <summary>The deadline <see cref="IRateLimitGrain.DecideAsync"/> carries (its <c>[ResponseTimeout]</c>).</summary>
    private static readonly TimeSpan ShardCallTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The compact call for a sharded principal (<see cref="IRateLimitGrain.DecideAsync"/>): no token and no timer per
    /// call, the shard's reference reused (<see cref="ShardReference"/>), and a struct each way.
    /// </summary>
    private async ValueTask<RateLimitDecision> DecideInShardAsync(RateLimitPlan plan, RateLimitShardRequest request, CancellationToken requestAborted)
    {
        var answer = await calls.RunIdempotentUncancellableAsync(
            static (grains, s) => s.Gate.ShardReference(grains, s.GrainKey).DecideAsync(s.Request), (Gate: this, plan.GrainKey, Request: request),
            ShardCallTimeout, requestAborted);
        RateLimitBucketState[] states = request.Count == 1 ? [answer.State(0)] : [answer.State(0), answer.State(1)];
        return answer.Allowed
            ? new RateLimitDecision.Allowed(states)
            : new RateLimitDecision.Limited(TimeSpan.FromTicks(answer.RetryAfterTicks), states);
    }

    private (IGrainFactory Factory, Dictionary<string, IRateLimitGrain> Shards)? shardReferences;

    /// <summary>
    /// The reference of a shard grain, made once per cluster client (there are <see cref="RateLimitKeys.Shards"/>), instead
    /// of a grain id and a reference per request. A new client (after a reconnection) gets new references.
    /// </summary>
    private IRateLimitGrain ShardReference(IGrainFactory grains, string shardKey)
    {
        var current = shardReferences;
        if (current is not { } known || !ReferenceEquals(known.Factory, grains))
        {
            var all = new Dictionary<string, IRateLimitGrain>(StringComparer.Ordinal);
            for (var i = 0; i < RateLimitKeys.Shards; i++)
            {
                var key = RateLimitKeys.ShardPrefix + i.ToString(CultureInfo.InvariantCulture);
                all[key] = grains.GetGrain<IRateLimitGrain>(key);
            }
            shardReferences = current = (grains, all);
        }
        return current.Value.Shards.TryGetValue(shardKey, out var shard) ? shard : grains.GetGrain<IRateLimitGrain>(shardKey);
    }

    private RateLimitVerdict.Limited Refuse(HttpContext context, RateLimitPlan plan, TimeSpan wait, RateLimitTier tier, string source)
    {
        var seconds = RateLimitHeaders.Seconds(wait, 1);
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var principal = tier == RateLimitTier.Aggregate && plan.AlsoKey is { } ip ? ip : plan.Key;
        Log.RateLimited(logger, tier.Name(), Pseudonym(principal), plan.Route, seconds, source);
        metrics.Limited(tier.Name());
        return new RateLimitVerdict.Limited(seconds, tier);
    }

    private static RateLimitTier LimitingTier(RateLimitPlan plan, IReadOnlyList<RateLimitBucketState> states)
    {
        var tier = plan.Tiers[0];
        var longest = TimeSpan.MinValue;
        var i = 0;
        foreach (var (_, _, t) in plan.All())
        {
            if (i >= states.Count) break;
            if (states[i].Wait > longest) (longest, tier) = (states[i].Wait, t);
            i++;
        }
        return tier;
    }

    /// <summary>IP keys are personal data: logs get a keyed hash, stable across replicas. Other keys are subject ids.</summary>
    internal string Pseudonym(string key)
    {
        if (!key.StartsWith(RateLimitKeys.IpPrefix, StringComparison.Ordinal) && !key.StartsWith(RateLimitKeys.Ip6Prefix, StringComparison.Ordinal))
            return key;
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(pseudonymKey, Encoding.UTF8.GetBytes(key), mac);
        return "ip#" + Convert.ToHexStringLower(mac[..8]);
    }

    private void WarnFailOpen(string reason)
    {
        var now = time.GetTimestamp();
        var last = Interlocked.Read(ref lastFailOpenWarning);
        if (last != long.MinValue && time.GetElapsedTime(last, now) < FailOpenWarningEvery)
        {
            Interlocked.Increment(ref suppressedFailOpenWarnings);
            return;
        }
        if (Interlocked.CompareExchange(ref lastFailOpenWarning, now, last) != last) return;
        Log.FailedOpen(logger, reason, Interlocked.Exchange(ref suppressedFailOpenWarnings, 0));
    }
}
