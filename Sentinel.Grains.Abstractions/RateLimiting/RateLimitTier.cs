namespace Sentinel.Grains.RateLimiting;

/// <summary>The limiter tiers of the contract (docs/rate-limiting.md). Each has its own rate, key and routes.</summary>
public enum RateLimitTier
{
    /// <summary><c>RATE_LIMIT_AGGREGATE</c> (300/minute), per IP: everything not under <see cref="Service"/>, summed.</summary>
    Aggregate = 0,
    /// <summary><c>RATE_LIMIT_DEFAULT</c> (120/minute), per IP and route template: routes without a tier of their own.</summary>
    Default = 1,
    /// <summary><c>RATE_LIMIT_AUTH</c> (10/minute), per IP and path: sign-in routes, and <c>/auth/refresh</c> whose token does not verify.</summary>
    Auth = 2,
    /// <summary><c>RATE_LIMIT_REFRESH</c> (30/minute), per refresh family: <c>/auth/refresh</c> once the token verifies.</summary>
    Refresh = 3,
    /// <summary><c>RATE_LIMIT_AUTH_ADMIN</c> (5/minute), per IP and route template: admin sign-in.</summary>
    AuthAdmin = 4,
    /// <summary><c>RATE_LIMIT_SERVICE</c> (6000/minute), per service: calls authenticated by <c>X-Service-Key</c>; not counted per IP.</summary>
    Service = 5,
    /// <summary><c>RATE_LIMIT_AUTHZ_RESOLVE</c> (60/minute), per service and IP: <c>/authz/resolve</c> resolved by <c>Origin</c>.</summary>
    AuthzResolve = 6,
    /// <summary><c>RATE_LIMIT_READ</c> (60/minute), per user, else per IP: member and group lists, the enriched ACL.</summary>
    Read = 7,
    /// <summary><c>RATE_LIMIT_ADMIN_WRITE</c> (10/minute), per user: revoke-tokens, session revokes.</summary>
    AdminWrite = 8,
    /// <summary><c>RATE_LIMIT_SENSITIVE</c> (5/minute), per user: bulk status, service-app create and rotate, purge, CSV import.</summary>
    Sensitive = 9,
}

/// <summary>Names, variables and defaults of the tiers (docs/rate-limiting.md, "Configuration").</summary>
public static class RateLimitTiers
{
    /// <summary>Every tier, in declaration order.</summary>
    public static readonly IReadOnlyList<RateLimitTier> All = Enum.GetValues<RateLimitTier>();

    /// <summary>The stable snake_case name used in bucket names, <c>RateLimit-Policy</c> and logs.</summary>
    public static string Name(this RateLimitTier tier) => tier switch
    {
        RateLimitTier.Aggregate => "aggregate",
        RateLimitTier.Default => "default",
        RateLimitTier.Auth => "auth",
        RateLimitTier.Refresh => "refresh",
        RateLimitTier.AuthAdmin => "auth_admin",
        RateLimitTier.Service => "service",
        RateLimitTier.AuthzResolve => "authz_resolve",
        RateLimitTier.Read => "read",
        RateLimitTier.AdminWrite => "admin_write",
        RateLimitTier.Sensitive => "sensitive",
        _ => throw new ArgumentOutOfRangeException(nameof(tier)),
    };

    /// <summary>The environment variable that sets the tier's rate.</summary>
    public static string Variable(this RateLimitTier tier) => "RATE_LIMIT_" + tier.Name().ToUpperInvariant();

    /// <summary>The contract's default rate of the tier.</summary>
    public static RateLimitRule DefaultRule(this RateLimitTier tier) => tier switch
    {
        RateLimitTier.Aggregate => new(300, RateLimitUnit.Minute),
        RateLimitTier.Default => new(120, RateLimitUnit.Minute),
        RateLimitTier.Auth => new(10, RateLimitUnit.Minute),
        RateLimitTier.Refresh => new(30, RateLimitUnit.Minute),
        RateLimitTier.AuthAdmin => new(5, RateLimitUnit.Minute),
        RateLimitTier.Service => new(6000, RateLimitUnit.Minute),
        RateLimitTier.AuthzResolve => new(60, RateLimitUnit.Minute),
        RateLimitTier.Read => new(60, RateLimitUnit.Minute),
        RateLimitTier.AdminWrite => new(10, RateLimitUnit.Minute),
        RateLimitTier.Sensitive => new(5, RateLimitUnit.Minute),
        _ => throw new ArgumentOutOfRangeException(nameof(tier)),
    };

    /// <summary>
    /// Tiers that guard sign-in and token issuance. They fail closed: when the cluster can't decide, the request gets 503.
    /// </summary>
    public static bool IsAuthTier(this RateLimitTier tier) =>
        tier is RateLimitTier.Auth or RateLimitTier.AuthAdmin or RateLimitTier.Refresh or RateLimitTier.AuthzResolve;
}
