namespace Sentinel.Grains.RateLimiting;

/// <summary>
/// The limiter of one principal (key: see <see cref="RateLimitKeys"/>), holding every tier's bucket for it. Decisions are
/// made in memory by the single activation of the key, so they hold exactly across every Web replica.
/// </summary>
/// <remarks>
/// <para>
/// <b>One call per request.</b> The edge sends every bucket that applies in one call. When a request involves a second
/// principal (a user's read tier plus the per-IP aggregate, say), the edge calls the more specific principal's grain and
/// names the other in <see cref="RateLimitRequest.AlsoKey"/>: this grain decides its own buckets, and only if they conform
/// asks the other grain, then commits. IP and service grains never chain, so calls can't form a cycle.
/// </para>
/// <para>
/// <b>All or nothing.</b> A request is admitted only if every bucket conforms; a refused request consumes nothing.
/// </para>
/// <para>
/// <b>Storage.</b> State is written behind, never per request: at most every couple of seconds, and on deactivation. Only
/// buckets that count more than a couple of seconds' worth of their rate are stored; when none is left the stored row is
/// deleted.
/// </para>
/// </remarks>
public interface IRateLimitGrain : IGrainWithStringKey
{
    /// <summary>Decides one request against every bucket of <paramref name="request"/>, and commits it when all conform.</summary>
    Task<RateLimitDecision> CheckAsync(RateLimitRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Decides one request of a principal that lives in this shard (an address or a service: no chaining, one or two
    /// buckets), exactly as <see cref="CheckAsync"/> would, in a compact form: the buckets inline, the answer a struct.
    /// This is the call almost every request makes (docs/rate-limiting.md, "Cost of a decision").
    /// </summary>
    /// <remarks>
    /// No <see cref="CancellationToken"/>: a decision takes microseconds in the shard, so cancelling it saves nothing,
    /// while a token parameter makes Orleans register every call for cancellation on both sides. Its deadline is this
    /// method's response timeout, the default <c>GRAIN_CALL_TIMEOUT_MS</c> (the edge adds its own when that is set lower).
    /// </remarks>
    [ResponseTimeout("00:00:05")]
    ValueTask<RateLimitShardDecision> DecideAsync(RateLimitShardRequest request);

    /// <summary>
    /// Decides several requests of one replica in one call, in order, each exactly as <see cref="CheckAsync"/> would (a
    /// shard only; requests that chain are refused). The edge coalesces concurrent decisions for one shard into this call.
    /// </summary>
    Task<RateLimitDecision[]> CheckManyAsync(RateLimitRequest[] requests, CancellationToken cancellationToken = default);

    /// <summary>
    /// Grants the edge a slice of a leased bucket (<see cref="RateLimitRule.IsLeased"/>) of <paramref name="principal"/>
    /// (a shard only): up to <see cref="RateLimitRule.LeaseSlice"/> permits, all counted now, the first for the request
    /// that asked; the rest may be spent by that replica for <see cref="RateLimitRule.LeaseLifetimeTicks"/>. Permits of
    /// leases still alive never exceed <see cref="RateLimitRule.LeaseCap"/> across replicas.
    /// </summary>
    Task<RateLimitLease> LeaseAsync(string principal, RateLimitBucket bucket, CancellationToken cancellationToken = default);
}

/// <summary>A slice of a leased bucket.</summary>
/// <param name="Granted">Permits granted, the asking request's included; 0 when refused.</param>
/// <param name="State">The bucket after the grant (<c>Remaining</c> excludes the slice).</param>
/// <param name="RetryAfter">When refused, until a request would be admitted; else zero.</param>
[GenerateSerializer, Immutable, Alias("sentinel.RateLimitLease")]
public sealed record RateLimitLease(
    [property: Id(0)] int Granted,
    [property: Id(1)] RateLimitBucketState State,
    [property: Id(2)] TimeSpan RetryAfter);

/// <summary>One bucket of a principal: a tier, qualified when the tier is per route or per service.</summary>
/// <param name="Name">Unique within the principal, e.g. <c>aggregate</c> or <c>default:/users/me</c>. Stored as a JSON key.</param>
/// <param name="Rule">The rate. Sent with each request, so the edge's configuration is the only one.</param>
[GenerateSerializer, Immutable, Alias("sentinel.RateLimitBucket")]
public sealed record RateLimitBucket(
    [property: Id(0)] string Name,
    [property: Id(1)] RateLimitRule Rule);

/// <summary>The buckets of one request.</summary>
/// <param name="Buckets">The called grain's own buckets.</param>
/// <param name="AlsoKey">Another principal whose buckets must conform too (the called grain asks it), or null.</param>
/// <param name="AlsoBuckets">The buckets of <paramref name="AlsoKey"/>.</param>
/// <param name="Key">
/// The principal the buckets belong to when the called grain is a shard (<see cref="RateLimitKeys.GrainFor"/>); null when
/// the called grain is the principal's own.
/// </param>
[GenerateSerializer, Immutable, Alias("sentinel.RateLimitRequest")]
public sealed record RateLimitRequest(
    [property: Id(0)] IReadOnlyList<RateLimitBucket> Buckets,
    [property: Id(1)] string? AlsoKey = null,
    [property: Id(2)] IReadOnlyList<RateLimitBucket>? AlsoBuckets = null,
    [property: Id(3)] string? Key = null);

/// <summary>Where one bucket stands after a decision.</summary>
/// <param name="Remaining">Requests that would be admitted now, back to back.</param>
/// <param name="Reset">Until the bucket is full again (counts nothing: its newest request has left the window).</param>
/// <param name="Wait">Until the next request conforms; zero when <paramref name="Remaining"/> is positive.</param>
[GenerateSerializer, Immutable, Alias("sentinel.RateLimitBucketState")]
public sealed record RateLimitBucketState(
    [property: Id(0)] int Remaining,
    [property: Id(1)] TimeSpan Reset,
    [property: Id(2)] TimeSpan Wait);

/// <summary>
/// The verdict on one request: <see cref="Allowed"/> or <see cref="Limited"/>. <see cref="Buckets"/> lists the state of
/// the own buckets, then those of the chained principal when it was asked (a request refused by its own buckets never
/// reaches the chained grain).
/// </summary>
[GenerateSerializer, Immutable, Alias("sentinel.RateLimitDecision")]
public abstract record RateLimitDecision([property: Id(0)] IReadOnlyList<RateLimitBucketState> Buckets)
{
    /// <summary>Admitted and counted in every bucket.</summary>
    [GenerateSerializer, Immutable, Alias("sentinel.RateLimitDecision.Allowed")]
    public sealed record Allowed(IReadOnlyList<RateLimitBucketState> Buckets) : RateLimitDecision(Buckets);

    /// <summary>Refused; nothing was counted.</summary>
    /// <param name="RetryAfter">The earliest time a retry could be admitted, if nothing else used the buckets.</param>
    /// <param name="Buckets">As on the base.</param>
    [GenerateSerializer, Immutable, Alias("sentinel.RateLimitDecision.Limited")]
    public sealed record Limited([property: Id(0)] TimeSpan RetryAfter, IReadOnlyList<RateLimitBucketState> Buckets) : RateLimitDecision(Buckets);
}

/// <summary>
/// One request of a sharded principal (<see cref="IRateLimitGrain.DecideAsync"/>): its key and its one or two buckets,
/// each a name and a rate, inline (no list, no bucket or rule objects to serialize and allocate on both sides).
/// </summary>
/// <param name="Principal">The principal, e.g. <c>ip:203.0.113.7</c>; it must hash to the called shard.</param>
/// <param name="Name0">The first bucket's name (<see cref="RateLimitBucket.Name"/>).</param>
/// <param name="Permits0">The first bucket's N.</param>
/// <param name="Unit0">The first bucket's period.</param>
/// <param name="Name1">The second bucket's name, or null when the request has one bucket.</param>
/// <param name="Permits1">The second bucket's N (0 without a second bucket).</param>
/// <param name="Unit1">The second bucket's period.</param>
[GenerateSerializer, Immutable, Alias("sentinel.RateLimitShardRequest")]
public readonly record struct RateLimitShardRequest(
    [property: Id(0)] string Principal,
    [property: Id(1)] string Name0,
    [property: Id(2)] int Permits0,
    [property: Id(3)] RateLimitUnit Unit0,
    [property: Id(4)] string? Name1,
    [property: Id(5)] int Permits1,
    [property: Id(6)] RateLimitUnit Unit1)
{
    /// <summary>The request's buckets: 1 or 2.</summary>
    public int Count => Name1 is null ? 1 : 2;
}

/// <summary>
/// The answer to a <see cref="RateLimitShardRequest"/>: admitted or not, and each bucket's state
/// (<see cref="RateLimitBucketState"/>, in ticks), in the request's order.
/// </summary>
/// <param name="Allowed">Admitted and counted in every bucket; else refused and nothing counted.</param>
/// <param name="RetryAfterTicks">When refused, until a request would be admitted; else zero.</param>
/// <param name="Remaining0">The first bucket's <see cref="RateLimitBucketState.Remaining"/>.</param>
/// <param name="Reset0">The first bucket's <see cref="RateLimitBucketState.Reset"/>, in ticks.</param>
/// <param name="Wait0">The first bucket's <see cref="RateLimitBucketState.Wait"/>, in ticks.</param>
/// <param name="Remaining1">The second bucket's, as the first's (zero without a second bucket).</param>
/// <param name="Reset1">The second bucket's, as the first's.</param>
/// <param name="Wait1">The second bucket's, as the first's.</param>
[GenerateSerializer, Immutable, Alias("sentinel.RateLimitShardDecision")]
public readonly record struct RateLimitShardDecision(
    [property: Id(0)] bool Allowed,
    [property: Id(1)] long RetryAfterTicks,
    [property: Id(2)] int Remaining0,
    [property: Id(3)] long Reset0,
    [property: Id(4)] long Wait0,
    [property: Id(5)] int Remaining1,
    [property: Id(6)] long Reset1,
    [property: Id(7)] long Wait1)
{
    /// <summary>The state of bucket <paramref name="index"/> (0 or 1).</summary>
    public RateLimitBucketState State(int index) => index == 0
        ? new RateLimitBucketState(Remaining0, TimeSpan.FromTicks(Reset0), TimeSpan.FromTicks(Wait0))
        : new RateLimitBucketState(Remaining1, TimeSpan.FromTicks(Reset1), TimeSpan.FromTicks(Wait1));
}
