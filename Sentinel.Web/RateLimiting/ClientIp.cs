using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Primitives;
using Sentinel.Grains.RateLimiting;

namespace Sentinel.Web.RateLimiting;

/// <summary>
/// The client address as §8.5 defines it. With <c>BEHIND_PROXY=false</c>, the TCP peer. With <c>BEHIND_PROXY=true</c>, the
/// <c>TRUSTED_PROXY_COUNT</c>-th entry of <c>X-Forwarded-For</c> counted from the right: the one our own proxy appended.
/// Everything left of it is client-controlled and ignored. Fewer entries, or a malformed one, fall back to the peer.
/// </summary>
public sealed class ClientIpResolver(RateLimitOptions options)
{
    /// <summary>The client of <paramref name="context"/>; null when the transport has no address (in-memory tests).</summary>
    public IPAddress? Resolve(HttpContext context)
    {
        var peer = context.Connection.RemoteIpAddress;
        if (!options.BehindProxy) return Normalize(peer);
        return FromForwardedFor(context.Request.Headers["X-Forwarded-For"], options.TrustedProxyCount) ?? Normalize(peer);
    }

    /// <summary>The <paramref name="trusted"/>-th entry from the right, or null when there are fewer entries or it is malformed.</summary>
    public static IPAddress? FromForwardedFor(StringValues headers, int trusted)
    {
        // Several header lines are one list, in order (RFC 9110 §5.3); walk it from the right.
        var seen = 0;
        for (var h = headers.Count - 1; h >= 0; h--)
        {
            var line = headers[h].AsSpan();
            while (true)
            {
                var comma = line.LastIndexOf(',');
                var entry = comma < 0 ? line : line[(comma + 1)..];
                if (++seen == trusted) return ParseEntry(entry);
                if (comma < 0) break;
                line = line[..comma];
            }
        }
        return null;
    }

    /// <summary>One entry: an IPv4 dotted quad or an IPv6 address, optionally bracketed or with a port. Anything else is null.</summary>
    public static IPAddress? ParseEntry(ReadOnlySpan<char> entry)
    {
        entry = entry.Trim(" \t");
        if (entry.IsEmpty || entry.Length > 64) return null;
        if (!IPEndPoint.TryParse(entry, out var endpoint)) return null;
        var address = endpoint.Address;
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            // IPAddress also accepts "1", "127.1" and hex parts; a proxy writes four decimal parts.
            var host = entry.IndexOf(':') is var colon and >= 0 ? entry[..colon] : entry;
            if (host.Count('.') != 3) return null;
            foreach (var ch in host) if (ch != '.' && !char.IsAsciiDigit(ch)) return null;
        }
        return Normalize(address);
    }

    /// <summary>IPv4-mapped IPv6 addresses become IPv4; scope ids are dropped.</summary>
    public static IPAddress? Normalize(IPAddress? address)
    {
        if (address is null) return null;
        if (address.IsIPv4MappedToIPv6) return address.MapToIPv4();
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0) return new IPAddress(address.GetAddressBytes());
        return address;
    }

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
