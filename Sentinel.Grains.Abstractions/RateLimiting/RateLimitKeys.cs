namespace Sentinel.Grains.RateLimiting;

/// <summary>
/// Keys of <see cref="IRateLimitGrain"/>: one grain per principal. Every key has a prefix with a colon, so none parses as
/// a hex number or a Guid (which ADO.NET storage would file as an integer or Guid key).
/// </summary>
public static class RateLimitKeys
{
    /// <summary>An IPv4 client, e.g. <c>ip:203.0.113.7</c>, or an IPv6 /64 already formatted, e.g. <c>ip6:2001:db8:1:2::/64</c>.</summary>
    public const string IpPrefix = "ip:";

    /// <summary>The prefix of IPv6 /64 networks.</summary>
    public const string Ip6Prefix = "ip6:";

    /// <summary>A user, by id.</summary>
    public static string ForUser(Guid userId) => "user:" + userId.ToString("D");

    /// <summary>A refresh-token family, by id.</summary>
    public static string ForFamily(Guid familyId) => "family:" + familyId.ToString("D");

    /// <summary>A service app, by its id or name (never the key itself).</summary>
    public static string ForService(string service) => "svc:" + service;
}
