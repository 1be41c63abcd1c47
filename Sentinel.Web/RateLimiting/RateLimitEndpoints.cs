using Sentinel.Grains.RateLimiting;

namespace Sentinel.Web.RateLimiting;

/// <summary>Endpoint metadata: the tier a route (or route group) is limited under.</summary>
/// <param name="Tier">The route's tier; routes without one use <see cref="RateLimitTier.Default"/>.</param>
public sealed record RateLimitTierMetadata(RateLimitTier Tier);

/// <summary>Endpoint metadata: never limited (health, metrics, well-known documents).</summary>
public sealed class RateLimitExemptMetadata
{
    public static readonly RateLimitExemptMetadata Instance = new();
}

/// <summary>Where a request's rate limit is decided: exactly one place per endpoint (docs/rate-limiting.md, "Where a request is decided").</summary>
public enum RateLimitDecisionPlace
{
    /// <summary>The middleware, before the endpoint runs (every endpoint without other metadata).</summary>
    Middleware = 0,
    /// <summary>The one rate-limit endpoint filter (<see cref="RateLimitEndpointExtensions.AddRateLimitFilter{TBuilder}"/>), after the filters before it.</summary>
    Filter = 1,
    /// <summary>The handler, which calls <see cref="RateLimitGate.CheckAsync"/> once it knows the principal (<c>/auth/refresh</c>).</summary>
    Handler = 2,
}

/// <summary>
/// Endpoint metadata: the endpoint decides itself, in its rate-limit filter or in its handler (<see cref="Place"/>), once
/// it knows the principal. The middleware then leaves the request alone, and checks afterwards that it was decided.
/// An endpoint carries this at most once (<see cref="RateLimitEndpointExtensions.DecisionPlace"/>).
/// </summary>
public sealed class RateLimitDecidedInEndpointMetadata
{
    private RateLimitDecidedInEndpointMetadata(RateLimitDecisionPlace place) => Place = place;

    /// <summary>Where the endpoint decides: <see cref="RateLimitDecisionPlace.Filter"/> or <see cref="RateLimitDecisionPlace.Handler"/>.</summary>
    public RateLimitDecisionPlace Place { get; }

    /// <summary>Decided in the handler.</summary>
    public static readonly RateLimitDecidedInEndpointMetadata Instance = new(RateLimitDecisionPlace.Handler);

    /// <summary>Decided in the rate-limit endpoint filter.</summary>
    public static readonly RateLimitDecidedInEndpointMetadata Filter = new(RateLimitDecisionPlace.Filter);
}

/// <summary>How routes declare their tier, as policies go on groups (<c>app.MapGroup("/auth").WithRateLimitTier(RateLimitTier.Auth)</c>).</summary>
public static class RateLimitEndpointExtensions
{
    /// <summary>Limits the endpoints under <paramref name="tier"/> (plus the per-IP aggregate, unless the caller is a service).</summary>
    public static TBuilder WithRateLimitTier<TBuilder>(this TBuilder builder, RateLimitTier tier) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RateLimitTierMetadata(tier));

    /// <summary>Never limits the endpoints.</summary>
    public static TBuilder ExemptFromRateLimiting<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(RateLimitExemptMetadata.Instance);

    /// <summary>
    /// Moves the decision from the middleware into the handler: it calls <see cref="RateLimitGate.CheckAsync"/> once,
    /// after setting the principal with <see cref="RateLimitPrincipalExtensions.SetRateLimitPrincipal"/>. Not with
    /// <see cref="AddRateLimitFilter{TBuilder}"/> (which decides in its filter): an endpoint decides in one place.
    /// </summary>
    public static TBuilder DecideRateLimitInEndpoint<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(RateLimitDecidedInEndpointMetadata.Instance);

    /// <summary>
    /// Decides in the rate-limit endpoint filter, after the filters added before it (e.g. the one that sets the caller as
    /// the principal), and answers 429 or 503 from there; the middleware leaves the request to it. The one way for an
    /// endpoint that learns its principal in a filter; its handler does not call the gate.
    /// </summary>
    public static TBuilder AddRateLimitFilter<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.WithMetadata(RateLimitDecidedInEndpointMetadata.Filter);
        return builder.AddEndpointFilter(static async (context, next) =>
        {
            var gate = context.HttpContext.RequestServices.GetRequiredService<RateLimitGate>();
            var verdict = await gate.CheckAsync(context.HttpContext);
            return verdict.Rejection() ?? await next(context);
        });
    }

    /// <summary>
    /// Where <paramref name="endpoint"/>'s requests are decided, or null when they never are (exempt). Throws when the
    /// endpoint names more than one place (a handler decision and a filter, or two filters): a request must be decided
    /// once. Checked for every endpoint by the tests and, per endpoint, on its first request.
    /// </summary>
    public static RateLimitDecisionPlace? DecisionPlace(Endpoint? endpoint)
    {
        if (endpoint is null) return RateLimitDecisionPlace.Middleware;
        if (endpoint.Metadata.GetMetadata<RateLimitExemptMetadata>() is not null) return null;
        var places = endpoint.Metadata.GetOrderedMetadata<RateLimitDecidedInEndpointMetadata>();
        return places.Count switch
        {
            0 => RateLimitDecisionPlace.Middleware,
            1 => places[0].Place,
            _ => throw new InvalidOperationException(
                $"Endpoint {endpoint.DisplayName} decides its rate limit in {places.Count} places ({string.Join(", ", places.Select(p => p.Place))}); a request is decided in one."),
        };
    }
}
