using Sentinel.Grains.RateLimiting;
using Sentinel.Web.Infrastructure.Errors;

namespace Sentinel.Web.RateLimiting;

/// <summary>What the edge does with a request, once decided. A closed set: exactly these four.</summary>
public abstract record RateLimitVerdict
{
    private RateLimitVerdict() { }

    /// <summary>Not subject to limiting: exempt, limiting disabled, or admitted because the cluster failed and the tier fails open.</summary>
    public sealed record NotLimited : RateLimitVerdict
    {
        internal static readonly NotLimited Instance = new();
    }

    /// <summary>Admitted and counted.</summary>
    public sealed record Admitted : RateLimitVerdict
    {
        internal static readonly Admitted Instance = new();
    }

    /// <summary>Refused: 429.</summary>
    /// <param name="RetryAfterSeconds">Whole seconds, at least 1.</param>
    /// <param name="Tier">The tier that refused (the longest wait).</param>
    public sealed record Limited(int RetryAfterSeconds, RateLimitTier Tier) : RateLimitVerdict;

    /// <summary>The cluster could not decide and the tier fails closed: 503 <c>cluster_unavailable</c>.</summary>
    public sealed record Unavailable : RateLimitVerdict
    {
        internal static readonly Unavailable Instance = new();
    }

    /// <summary>The contract's 429 body: <c>{"detail":"Too many requests","code":"rate_limited"}</c>.</summary>
    public static readonly ApiError TooManyRequests = new("Too many requests", ErrorCodes.RateLimited);

    /// <summary>The response for a refusal, for endpoints that decide themselves (headers are already set); null when admitted.</summary>
    public IResult? Rejection() => this switch
    {
        Limited => Results.Json(TooManyRequests, statusCode: StatusCodes.Status429TooManyRequests),
        Unavailable => ApiErrors.ClusterUnavailable(),
        _ => null,
    };
}

/// <summary>The decision of this request, so it is made once.</summary>
internal sealed record RateLimitVerdictFeature(RateLimitVerdict Verdict);
