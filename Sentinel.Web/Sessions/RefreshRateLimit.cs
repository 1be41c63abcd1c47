namespace Sentinel.Web.Sessions;

/// <summary>The verdict of the per-family refresh limiter.</summary>
public abstract record RefreshRateDecision
{
    public sealed record Allow : RefreshRateDecision;

    public sealed record Limited(TimeSpan RetryAfter) : RefreshRateDecision;

    public static readonly RefreshRateDecision Allowed = new Allow();
}

/// <summary>
/// The hook for <c>RATE_LIMIT_REFRESH</c> (§8.5): asked once per <c>/auth/refresh</c> whose token verified, keyed by the
/// refresh family, before the session grain is called. The rate-limiting work registers its implementation (its
/// registration wins over the default, which allows everything); a refusal answers 429 without touching the family.
/// </summary>
public interface IRefreshRateLimit
{
    ValueTask<RefreshRateDecision> CheckAsync(HttpContext context, Guid userId, Guid familyId);
}

internal sealed class NoRefreshRateLimit : IRefreshRateLimit
{
    public ValueTask<RefreshRateDecision> CheckAsync(HttpContext context, Guid userId, Guid familyId) => ValueTask.FromResult(RefreshRateDecision.Allowed);
}
