namespace Sentinel.Grains.RateLimiting;

/// <summary>
/// Keys of principals and of the <see cref="IRateLimitGrain"/> that decides them. Every key has a prefix with a colon, so
/// none parses as a hex number or a Guid (which ADO.NET storage would file as an integer or Guid key).
/// </summary>
/// <remarks>
/// IP and service principals are many, short-lived and cheap (a client address seen once): they are co-located, by a
/// stable hash of the principal, in <see cref="Shards"/> shard grains (<c>rl-shard:0</c> … <c>rl-shard:31</c>), each
/// holding the buckets of every principal that hashes to it. A new client address then costs a dictionary entry instead
/// of a grain activation and a storage read. Each shard still has one activation, so decisions stay exact across
/// replicas. User and family principals keep a grain of their own (they chain to the IP's shard; shards never chain, so
/// calls can't form a cycle).
/// </remarks>
public static class RateLimitKeys
{
    /// <summary>Shard grains for IP and service principals. Every replica must agree on it: a constant, not a setting.</summary>
    public const int Shards = 32;

    /// <summary>The prefix of shard grain keys.</summary>
    public const string ShardPrefix = "rl-shard:";

    private static readonly string[] ShardKeys = Enumerable.Range(0, Shards).Select(i => ShardPrefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    /// <summary>The grain that decides <paramref name="principal"/>: its shard for IP and service principals, else its own.</summary>
    public static string GrainFor(string principal) => IsSharded(principal) ? ShardKeys[ShardOf(principal)] : principal;

    /// <summary>IP (v4 and v6 /64) and service principals live in shards.</summary>
    public static bool IsSharded(string principal) =>
        principal.StartsWith(IpPrefix, StringComparison.Ordinal) || principal.StartsWith(Ip6Prefix, StringComparison.Ordinal)
        || principal.StartsWith(ServicePrefix, StringComparison.Ordinal);

    /// <summary>Whether a grain key names a shard.</summary>
    public static bool IsShard(string grainKey) => grainKey.StartsWith(ShardPrefix, StringComparison.Ordinal);

    /// <summary>FNV-1a over the key's UTF-16 code units: stable across processes and runtimes (string.GetHashCode is not).</summary>
    internal static int ShardOf(string principal)
    {
        var hash = 2166136261u;
        foreach (var c in principal)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return (int)(hash % Shards);
    }

    /// <summary>The prefix of service principals.</summary>
    public const string ServicePrefix = "svc:";

    /// <summary>An IPv4 client, e.g. <c>ip:203.0.113.7</c>, or an IPv6 /64 already formatted, e.g. <c>ip6:2001:db8:1:2::/64</c>.</summary>
    public const string IpPrefix = "ip:";

    /// <summary>The prefix of IPv6 /64 networks.</summary>
    public const string Ip6Prefix = "ip6:";

    /// <summary>A user, by id.</summary>
    public static string ForUser(Guid userId) => "user:" + userId.ToString("D");

    /// <summary>A refresh-token family, by id.</summary>
    public static string ForFamily(Guid familyId) => "family:" + familyId.ToString("D");

    /// <summary>A service app, by its id or name (never the key itself).</summary>
    public static string ForService(string service) => ServicePrefix + service;
}
