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
