using System.Net;
using System.Net.Sockets;
using Sentinel.Grains.RateLimiting;

namespace Sentinel.Web.RateLimiting;

/// <summary>
/// The per-IP grain key of a client. Which address is the client's (<c>BEHIND_PROXY</c>, <c>TRUSTED_PROXY_COUNT</c>) is
/// <see cref="Infrastructure.Forwarding.ClientAddressResolver"/>'s business, shared with sessions, audit and activity.
/// </summary>
public static class ClientIp
{
    /// <summary>
    /// The grain key of a client: <c>ip:203.0.113.7</c>, or for IPv6 its /64 network, <c>ip6:2001:db8:1:2::/64</c>, since one
    /// host usually holds a whole /64. No address: <c>ip:unknown</c>.
    /// </summary>
    public static string KeyFor(IPAddress? address)
    {
        if (address is null) return RateLimitKeys.IpPrefix + "unknown";
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return RateLimitKeys.IpPrefix + address;
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return RateLimitKeys.Ip6Prefix + new IPAddress(bytes) + "/64";
    }
}
