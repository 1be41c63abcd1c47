using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Primitives;

namespace Sentinel.Web.Forwarding;

/// <summary>
/// The client address as docs/rate-limiting.md ("Client IP") defines it. With <c>BEHIND_PROXY=false</c>, the TCP peer. With <c>BEHIND_PROXY=true</c>, the
/// <c>TRUSTED_PROXY_COUNT</c>-th entry of <c>X-Forwarded-For</c> counted from the right: the one our own proxy appended.
/// Everything left of it is client-controlled and ignored. Fewer entries, or a malformed one, fall back to the peer.
/// The full address is returned (IPv6 grouping by /64 is the rate-limit key's business, not the recorded address's).
/// </summary>
public sealed class ClientAddressResolver(ForwardingOptions options)
{
    /// <summary>The client of <paramref name="context"/>, computed once per request; null when the transport has no address.</summary>
    public IPAddress? Resolve(HttpContext context)
    {
        if (context.Features.Get<ClientAddressFeature>() is { } known) return known.Address;
        var feature = new ClientAddressFeature(Compute(context));
        context.Features.Set(feature);
        return feature.Address;
    }

    /// <summary>The client of <paramref name="context"/> as text for activity rows and the sessions list, or null.</summary>
    public static string? Of(HttpContext context)
    {
        if (context.Features.Get<ClientAddressFeature>() is { } known) return known.Text;
        // Every Sentinel.Web host registers the resolver; a bare context (unit tests) has only its peer.
        var resolver = context.RequestServices?.GetService<ClientAddressResolver>();
        if (resolver is null) return Normalize(context.Connection.RemoteIpAddress)?.ToString();
        resolver.Resolve(context);
        return context.Features.Get<ClientAddressFeature>()!.Text;
    }

    private IPAddress? Compute(HttpContext context)
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

    /// <summary>The per-request result: every caller of one request sees the same address, worked out once.</summary>
    private sealed class ClientAddressFeature(IPAddress? address)
    {
        public IPAddress? Address { get; } = address;
        public string? Text { get; } = address?.ToString();
    }
}
