using System.Net;
using System.Text;
using Microsoft.AspNetCore.Routing.Patterns;
using Sentinel.Grains.RateLimiting;

namespace Sentinel.Web.RateLimiting;

/// <summary>
/// The one grain call that decides a request: the grain to call, its buckets, and the chained principal's buckets.
/// <see cref="Tiers"/> and <see cref="AlsoTiers"/> run parallel to the buckets.
/// </summary>
public sealed record RateLimitPlan(
    string Key,
    IReadOnlyList<RateLimitBucket> Buckets,
    IReadOnlyList<RateLimitTier> Tiers,
    string? AlsoKey,
    IReadOnlyList<RateLimitBucket>? AlsoBuckets,
    IReadOnlyList<RateLimitTier>? AlsoTiers,
    string Route)
{
    /// <summary>The grain that decides <see cref="Key"/>: its shard for IP and service principals (<see cref="RateLimitKeys.GrainFor"/>).</summary>
    public string GrainKey { get; } = RateLimitKeys.GrainFor(Key);

    private RateLimitRequest? request;

    /// <summary>The grain request (general form), built when first asked for.</summary>
    public RateLimitRequest Request => request ??= new(Buckets, AlsoKey, AlsoBuckets, RateLimitKeys.IsSharded(Key) ? Key : null);

    /// <summary>
    /// The compact form (<see cref="IRateLimitGrain.DecideAsync"/>) when the principal lives in a shard, nothing chains and
    /// there are one or two buckets (every address and service decision); else null.
    /// </summary>
    public RateLimitShardRequest? ShardRequest => AlsoKey is null && Buckets.Count is 1 or 2 && RateLimitKeys.IsSharded(Key)
        ? new RateLimitShardRequest(Key, Buckets[0].Name, Buckets[0].Rule.Permits, Buckets[0].Rule.Unit,
            Buckets.Count == 2 ? Buckets[1].Name : null, Buckets.Count == 2 ? Buckets[1].Rule.Permits : 0,
            Buckets.Count == 2 ? Buckets[1].Rule.Unit : default)
        : null;

    /// <summary>Auth tiers fail closed; see <see cref="RateLimitTiers.IsAuthTier"/>.</summary>
    public bool HasAuthTier => Tiers.Any(t => t.IsAuthTier()) || AlsoTiers?.Any(t => t.IsAuthTier()) == true;

    /// <summary>Every bucket in decision order: the called grain's, then the chained one's.</summary>
    public IEnumerable<(string Key, RateLimitBucket Bucket, RateLimitTier Tier)> All()
    {
        for (var i = 0; i < Buckets.Count; i++) yield return (Key, Buckets[i], Tiers[i]);
        if (AlsoKey is null || AlsoBuckets is null || AlsoTiers is null) yield break;
        for (var i = 0; i < AlsoBuckets.Count; i++) yield return (AlsoKey, AlsoBuckets[i], AlsoTiers[i]);
    }
}

/// <summary>
/// Picks the principals, tiers and buckets of a request (the table in docs/rate-limiting.md) from the endpoint's <see cref="RateLimitTierMetadata"/>,
/// the <see cref="RateLimitPrincipal"/> that authentication set, and the client IP.
/// </summary>
/// <remarks>
/// A service caller gets the service tier only. Everyone else gets the per-IP aggregate plus the route's tier. The user
/// tiers and the refresh tier live in the user's or family's grain, which is called and chains to the IP grain for the
/// aggregate: the more specific principal refuses first, and the IP grain, the one floods hit, never waits on another grain.
/// </remarks>
public sealed class RateLimitPlanner(RateLimitOptions options)
{
    /// <summary>The bucket name of requests that matched no endpoint (404s): one bucket, however many paths a scanner tries.</summary>
    public const string UnmatchedRoute = "(unmatched)";

    private const int MaxRouteValueLength = 64;

    public RateLimitPlan Plan(HttpContext context, IPAddress? client)
    {
        var endpoint = context.GetEndpoint();
        var routeEndpoint = endpoint as RouteEndpoint;
        var route = routeEndpoint?.RoutePattern.RawText ?? UnmatchedRoute;
        var tier = endpoint?.Metadata.GetMetadata<RateLimitTierMetadata>()?.Tier ?? RateLimitTier.Default;
        var principal = context.GetRateLimitPrincipal();

        if (principal.ServiceId is { } service)
            return Single(RateLimitKeys.ForService(service), route, (RateLimitTier.Service, "service"));

        var ip = ClientIp.KeyFor(client);
        var aggregate = (RateLimitTier.Aggregate, "aggregate");
        return tier switch
        {
            RateLimitTier.Aggregate => Single(ip, route, aggregate),
            RateLimitTier.Auth => Single(ip, route, aggregate, (RateLimitTier.Auth, "auth:" + ConcretePath(context, routeEndpoint))),
            RateLimitTier.AuthAdmin => Single(ip, route, aggregate, (RateLimitTier.AuthAdmin, "auth_admin:" + route)),
            RateLimitTier.AuthzResolve => Single(ip, route, aggregate, (RateLimitTier.AuthzResolve, "authz_resolve:" + (principal.OriginServiceId ?? "-"))),
            RateLimitTier.Refresh => principal.RefreshFamilyId is { } family
                ? Chained(RateLimitKeys.ForFamily(family), (RateLimitTier.Refresh, "refresh"), ip, route)
                // A refresh token that does not verify has no family: the auth tier, per IP and path, as the original.
                : Single(ip, route, aggregate, (RateLimitTier.Auth, "auth:" + ConcretePath(context, routeEndpoint))),
            RateLimitTier.Read => principal.UserId is { } reader
                ? Chained(RateLimitKeys.ForUser(reader), (RateLimitTier.Read, "read"), ip, route)
                : Single(ip, route, aggregate, (RateLimitTier.Read, "read")),
            // Per user only. Without a user the request is refused by authentication, which runs before the limiter.
            RateLimitTier.AdminWrite or RateLimitTier.Sensitive => principal.UserId is { } user
                ? Chained(RateLimitKeys.ForUser(user), (tier, tier.Name()), ip, route)
                : Single(ip, route, aggregate),
            // Default, and Service on a route called without a key: buckets built once per route template (a fixed set;
            // 404s share one), not per request.
            _ => new RateLimitPlan(ip, DefaultBuckets(route), DefaultTiers, null, null, null, route),
        };
    }

    private static readonly RateLimitTier[] DefaultTiers = [RateLimitTier.Aggregate, RateLimitTier.Default];

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, RateLimitBucket[]> defaultBuckets = new(StringComparer.Ordinal);

    private RateLimitBucket[] DefaultBuckets(string route) => defaultBuckets.GetOrAdd(route, static (r, o) =>
        [new RateLimitBucket("aggregate", o[RateLimitTier.Aggregate]), new RateLimitBucket("default:" + r, o[RateLimitTier.Default])], options);

    private RateLimitPlan Single(string key, string route, params (RateLimitTier Tier, string Name)[] buckets) =>
        new(key, buckets.Select(b => new RateLimitBucket(b.Name, options[b.Tier])).ToArray(), buckets.Select(b => b.Tier).ToArray(), null, null, null, route);

    private RateLimitPlan Chained(string key, (RateLimitTier Tier, string Name) own, string ip, string route) =>
        new(key, [new RateLimitBucket(own.Name, options[own.Tier])], [own.Tier],
            ip, [new RateLimitBucket("aggregate", options[RateLimitTier.Aggregate])], [RateLimitTier.Aggregate], route);

    /// <summary>
    /// The route with its values filled in and lower-cased (<c>/auth/login/google</c>), so each provider counts apart, as
    /// in the original, while case or encoding variants of one path share a bucket.
    /// </summary>
    internal static string ConcretePath(HttpContext context, RouteEndpoint? endpoint)
    {
        if (endpoint is null) return UnmatchedRoute;
        var pattern = endpoint.RoutePattern;
        if (pattern.Parameters.Count == 0) return pattern.RawText ?? UnmatchedRoute;
        var path = new StringBuilder();
        foreach (var segment in pattern.PathSegments)
        {
            path.Append('/');
            foreach (var part in segment.Parts)
            {
                switch (part)
                {
                    case RoutePatternLiteralPart literal:
                        path.Append(literal.Content.ToLowerInvariant());
                        break;
                    case RoutePatternSeparatorPart separator:
                        path.Append(separator.Content);
                        break;
                    case RoutePatternParameterPart parameter:
                        var value = context.Request.RouteValues[parameter.Name]?.ToString() ?? "";
                        path.Append((value.Length > MaxRouteValueLength ? value[..MaxRouteValueLength] : value).ToLowerInvariant());
                        break;
                }
            }
        }
        return path.ToString();
    }
}
