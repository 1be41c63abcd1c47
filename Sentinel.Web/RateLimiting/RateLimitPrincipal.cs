namespace Sentinel.Web.RateLimiting;

/// <summary>
/// Who a request is, as far as rate limiting cares. Authentication sets it (through
/// <see cref="RateLimitPrincipalExtensions.SetRateLimitPrincipal"/>) before the limiter decides.
/// </summary>
/// <param name="ServiceId">Authenticated by <c>X-Service-Key</c>: the service tier applies, and no per-IP tier.</param>
/// <param name="UserId">A signed-in user: the read, admin-write and sensitive tiers are keyed by the user.</param>
/// <param name="RefreshFamilyId">A refresh token that verified: the refresh tier is keyed by its family.</param>
/// <param name="OriginServiceId">The service that <c>/authz/resolve</c> resolved by <c>Origin</c>: keys the authz-resolve tier with the IP.</param>
public sealed record RateLimitPrincipal(
    string? ServiceId = null,
    Guid? UserId = null,
    Guid? RefreshFamilyId = null,
    string? OriginServiceId = null)
{
    public static RateLimitPrincipal Service(string serviceId) => new(ServiceId: serviceId);
    public static RateLimitPrincipal User(Guid userId) => new(UserId: userId);
    public static RateLimitPrincipal Family(Guid familyId) => new(RefreshFamilyId: familyId);
    public static RateLimitPrincipal Origin(string serviceId) => new(OriginServiceId: serviceId);
}

/// <summary>The request feature carrying the <see cref="RateLimitPrincipal"/>.</summary>
public interface IRateLimitPrincipalFeature
{
    RateLimitPrincipal Principal { get; set; }
}

internal sealed class RateLimitPrincipalFeature(RateLimitPrincipal principal) : IRateLimitPrincipalFeature
{
    public RateLimitPrincipal Principal { get; set; } = principal;
}

/// <summary>The hook for authentication code.</summary>
public static class RateLimitPrincipalExtensions
{
    /// <summary>Tells the limiter who the request is. Call it before the limiter decides (middleware or endpoint).</summary>
    public static void SetRateLimitPrincipal(this HttpContext context, RateLimitPrincipal principal)
    {
        if (context.Features.Get<IRateLimitPrincipalFeature>() is { } feature) feature.Principal = principal;
        else context.Features.Set<IRateLimitPrincipalFeature>(new RateLimitPrincipalFeature(principal));
    }

    /// <summary>The principal set so far; anonymous when none was.</summary>
    public static RateLimitPrincipal GetRateLimitPrincipal(this HttpContext context) =>
        context.Features.Get<IRateLimitPrincipalFeature>()?.Principal ?? Anonymous;

    private static readonly RateLimitPrincipal Anonymous = new();
}
