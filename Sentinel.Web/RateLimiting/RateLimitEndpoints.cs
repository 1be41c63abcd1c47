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

/// <summary>
/// Endpoint metadata: the endpoint decides itself, by calling <see cref="RateLimitGate.CheckAsync"/> once it knows the
/// principal (e.g. <c>/auth/refresh</c> after verifying the token), or through <see cref="RateLimitEndpointExtensions.AddRateLimitFilter{TBuilder}"/>.
/// The middleware then leaves the request alone.
/// </summary>
public sealed class RateLimitDecidedInEndpointMetadata
{
    public static readonly RateLimitDecidedInEndpointMetadata Instance = new();
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
    /// Moves the decision from the middleware into the endpoint: the handler calls <see cref="RateLimitGate.CheckAsync"/>
    /// after setting the principal with <see cref="RateLimitPrincipalExtensions.SetRateLimitPrincipal"/>.
    /// </summary>
    public static TBuilder DecideRateLimitInEndpoint<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(RateLimitDecidedInEndpointMetadata.Instance);

    /// <summary>
    /// Decides in an endpoint filter, after the filters added before it (e.g. the one that authenticates the service key),
    /// and answers 429 or 503 from there. Implies <see cref="DecideRateLimitInEndpoint{TBuilder}"/>.
    /// </summary>
    public static TBuilder AddRateLimitFilter<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.DecideRateLimitInEndpoint();
        return builder.AddEndpointFilter(static async (context, next) =>
        {
            var gate = context.HttpContext.RequestServices.GetRequiredService<RateLimitGate>();
            var verdict = await gate.CheckAsync(context.HttpContext);
            return verdict.Rejection() ?? await next(context);
        });
    }
}
