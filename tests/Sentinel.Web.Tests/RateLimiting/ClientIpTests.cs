using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Sentinel.Web.RateLimiting;
using Xunit;

namespace Sentinel.Web.Tests.RateLimiting;

public sealed class ClientIpTests
{
    private static readonly IPAddress Peer = IPAddress.Parse("10.0.0.2");

    private static string Resolve(bool behindProxy, int trusted, params string[] forwardedFor)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = Peer;
        if (forwardedFor.Length > 0) context.Request.Headers["X-Forwarded-For"] = new StringValues(forwardedFor);
        var resolver = new ClientIpResolver(new RateLimitOptions { BehindProxy = behindProxy, TrustedProxyCount = trusted });
        return ClientIpResolver.KeyFor(resolver.Resolve(context));
    }

    [Fact]
    public void without_a_proxy_the_peer_is_the_client_and_the_header_is_ignored()
    {
        Assert.Equal("ip:10.0.0.2", Resolve(false, 1, "203.0.113.7"));
    }

    [Fact]
    public void behind_one_proxy_the_right_most_entry_is_the_client()
    {
        Assert.Equal("ip:203.0.113.7", Resolve(true, 1, "203.0.113.7"));
        Assert.Equal("ip:203.0.113.7", Resolve(true, 1, "1.1.1.1, 2.2.2.2,203.0.113.7"));
    }

    [Fact]
    public void left_most_entries_a_client_sends_are_ignored()
    {
        // Whatever the client puts first, the proxy appends the real address last.
        var spoofs = Enumerable.Range(1, 50).Select(i => Resolve(true, 1, $"198.51.100.{i}, 203.0.113.7")).Distinct();
        Assert.Equal(["ip:203.0.113.7"], spoofs);
    }

    [Fact]
    public void behind_n_proxies_the_nth_entry_from_the_right_is_the_client()
    {
        Assert.Equal("ip:203.0.113.7", Resolve(true, 2, "6.6.6.6, 203.0.113.7, 192.0.2.1"));
        Assert.Equal("ip:203.0.113.7", Resolve(true, 3, "6.6.6.6", "203.0.113.7, 192.0.2.1", "192.0.2.2"));
    }

    [Fact]
    public void fewer_entries_than_trusted_proxies_fall_back_to_the_peer()
    {
        Assert.Equal("ip:10.0.0.2", Resolve(true, 2, "203.0.113.7"));
        Assert.Equal("ip:10.0.0.2", Resolve(true, 1));
    }

    [Theory]
    [InlineData("unknown")]
    [InlineData("203.0.113")]
    [InlineData("1")]
    [InlineData("0x7f.0.0.1")]
    [InlineData("not an address")]
    [InlineData("")]
    [InlineData("1.2.3.4, ")]
    [InlineData("1.2.3.4,2001:db8::zz")]
    public void a_malformed_client_entry_falls_back_to_the_peer(string header)
    {
        Assert.Equal("ip:10.0.0.2", Resolve(true, 1, header));
    }

    [Theory]
    [InlineData("203.0.113.7:5123", "ip:203.0.113.7")]
    [InlineData("[2001:db8::1]:443", "ip6:2001:db8::/64")]
    [InlineData("::ffff:203.0.113.7", "ip:203.0.113.7")]
    public void ports_brackets_and_mapped_addresses_are_normalized(string entry, string key)
    {
        Assert.Equal(key, Resolve(true, 1, entry));
    }

    [Fact]
    public void ipv6_clients_are_grouped_by_their_64()
    {
        Assert.Equal("ip6:2001:db8:1:2::/64", Resolve(true, 1, "2001:db8:1:2:aaaa:bbbb:cccc:dddd"));
        Assert.Equal("ip6:2001:db8:1:2::/64", Resolve(true, 1, "2001:db8:1:2::1"));
        Assert.Equal("ip6:2001:db8:1:3::/64", Resolve(true, 1, "2001:db8:1:3::1"));
    }
}
