namespace Sentinel.Testing;

/// <summary>
/// Limits so high that no test trips them by accident: tests of other features share one client address and, in memory,
/// a frozen clock under which buckets never refill. Rate-limiting tests set their own tiers on top.
/// </summary>
public static class RateLimitTestSettings
{
    public static readonly IReadOnlyDictionary<string, string> Generous = new Dictionary<string, string>
    {
        ["RATE_LIMIT_AGGREGATE"] = "1000000/second",
        ["RATE_LIMIT_DEFAULT"] = "1000000/second",
        ["RATE_LIMIT_AUTH"] = "1000000/second",
        ["RATE_LIMIT_REFRESH"] = "1000000/second",
        ["RATE_LIMIT_AUTH_ADMIN"] = "1000000/second",
        ["RATE_LIMIT_SERVICE"] = "1000000/second",
        ["RATE_LIMIT_AUTHZ_RESOLVE"] = "1000000/second",
        ["RATE_LIMIT_READ"] = "1000000/second",
        ["RATE_LIMIT_ADMIN_WRITE"] = "1000000/second",
        ["RATE_LIMIT_SENSITIVE"] = "1000000/second",
    };
}
