using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Sentinel.Web.Forwarding;
using Sentinel.Web.RateLimiting;
using Sentinel.Web.SignIn;
using Xunit;

namespace Sentinel.Web.Tests.Forwarding;

/// <summary>
/// The client IP (docs/rate-limiting.md), one resolver for every reader: the rate-limit key (IPv6 grouped by /64) and the address recorded for
/// sessions, audit and activity (<see cref="ClientAddress.Of"/>, in full) come from the same decision.
/// </summary>
public sealed class ClientAddressResolverTests
{
    private static readonly IPAddress Peer = IPAddress.Parse("10.0.0.2");

    /// <summary>A request as Web sees it, with the resolver registered the way Program registers it.</summary>
    private static HttpContext Request(bool behindProxy, int trusted, params string[] forwardedFor)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["BEHIND_PROXY"] = behindProxy ? "true" : "false",
            ["TRUSTED_PROXY_COUNT"] = trusted.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }).Build();
        var services = new ServiceCollection().AddClientAddressResolver(configuration).BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        context.Connection.RemoteIpAddress = Peer;
        if (forwardedFor.Length > 0) context.Request.Headers["X-Forwarded-For"] = new StringValues(forwardedFor);
        return context;
    }

    private static string Key(bool behindProxy, int trusted, params string[] forwardedFor)
    {
        var context = Request(behindProxy, trusted, forwardedFor);
        return ClientIp.KeyFor(context.RequestServices.GetRequiredService<ClientAddressResolver>().Resolve(context));
    }

    private static string? Recorded(bool behindProxy, int trusted, params string[] forwardedFor) =>
        ClientAddress.Of(Request(behindProxy, trusted, forwardedFor));

    [Fact]
    public void without_a_proxy_the_peer_is_the_client_and_the_header_is_ignored()
    {
        Assert.Equal("ip:10.0.0.2", Key(false, 1, "203.0.113.7"));
        Assert.Equal("10.0.0.2", Recorded(false, 1, "203.0.113.7"));
    }

    [Fact]
    public void behind_one_proxy_the_right_most_entry_is_the_client()
    {
        Assert.Equal("ip:203.0.113.7", Key(true, 1, "203.0.113.7"));
        Assert.Equal("ip:203.0.113.7", Key(true, 1, "1.1.1.1, 2.2.2.2,203.0.113.7"));
    }

    [Fact]
    public void sessions_audit_and_activity_record_the_forwarded_client_not_the_proxy()
    {
        Assert.Equal("203.0.113.7", Recorded(true, 1, "198.51.100.1, 203.0.113.7"));
        Assert.Equal("198.51.100.1", Recorded(true, 2, "198.51.100.1, 203.0.113.7"));
    }

    [Fact]
    public void left_most_entries_a_client_sends_are_ignored()
    {
        // Whatever the client puts first, the proxy appends the real address last.
        var spoofs = Enumerable.Range(1, 50).Select(i => Key(true, 1, $"198.51.100.{i}, 203.0.113.7")).Distinct();
        Assert.Equal(["ip:203.0.113.7"], spoofs);
    }

    [Fact]
    public void behind_n_proxies_the_nth_entry_from_the_right_is_the_client()
    {
        Assert.Equal("ip:203.0.113.7", Key(true, 2, "6.6.6.6, 203.0.113.7, 192.0.2.1"));
        Assert.Equal("ip:203.0.113.7", Key(true, 3, "6.6.6.6", "203.0.113.7, 192.0.2.1", "192.0.2.2"));
    }

    [Fact]
    public void fewer_entries_than_trusted_proxies_fall_back_to_the_peer()
    {
        Assert.Equal("ip:10.0.0.2", Key(true, 2, "203.0.113.7"));
        Assert.Equal("ip:10.0.0.2", Key(true, 1));
        Assert.Equal("10.0.0.2", Recorded(true, 2, "203.0.113.7"));
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
    [InlineData("<script>, 203.0.113.7 x")]
    public void a_malformed_client_entry_falls_back_to_the_peer(string header)
    {
        Assert.Equal("ip:10.0.0.2", Key(true, 1, header));
        Assert.Equal("10.0.0.2", Recorded(true, 1, header));
    }

    [Theory]
    [InlineData("203.0.113.7:5123", "ip:203.0.113.7")]
    [InlineData("[2001:db8::1]:443", "ip6:2001:db8::/64")]
    [InlineData("::ffff:203.0.113.7", "ip:203.0.113.7")]
    public void ports_brackets_and_mapped_addresses_are_normalized(string entry, string key)
    {
        Assert.Equal(key, Key(true, 1, entry));
    }

    [Fact]
    public void ipv6_clients_are_grouped_by_their_64_for_the_key_only()
    {
        Assert.Equal("ip6:2001:db8:1:2::/64", Key(true, 1, "2001:db8:1:2:aaaa:bbbb:cccc:dddd"));
        Assert.Equal("ip6:2001:db8:1:2::/64", Key(true, 1, "2001:db8:1:2::1"));
        Assert.Equal("ip6:2001:db8:1:3::/64", Key(true, 1, "2001:db8:1:3::1"));
        // The recorded address keeps all 128 bits: two hosts of one /64 stay apart in the sessions list.
        Assert.Equal("2001:db8:1:2:aaaa:bbbb:cccc:dddd", Recorded(true, 1, "2001:db8:1:2:aaaa:bbbb:cccc:dddd"));
        Assert.Equal("2001:db8::1", Recorded(true, 1, "[2001:db8::1]:443"));
    }

    [Fact]
    public void the_address_is_worked_out_once_per_request()
    {
        var context = Request(true, 1, "203.0.113.7");
        var resolver = context.RequestServices.GetRequiredService<ClientAddressResolver>();
        var first = resolver.Resolve(context);
        // A later change of the header within the same request does not change the answer: one decision per request.
        context.Request.Headers["X-Forwarded-For"] = "198.51.100.9";
        Assert.Same(first, resolver.Resolve(context));
        Assert.Equal("203.0.113.7", ClientAddress.Of(context));
    }

    [Fact]
    public void defaults_are_the_peer_and_one_proxy_and_bad_values_are_all_reported_at_once()
    {
        static IReadOnlyList<string> Failures(ForwardingOptions o)
        {
            var result = new ForwardingOptionsValidator().Validate(null, o);
            return result.Failed ? result.Failures.ToList() : [];
        }
        var defaults = new ForwardingOptions();
        ForwardingOptions.Bind(defaults, new ConfigurationBuilder().Build());
        Assert.False(defaults.BehindProxy);
        Assert.Equal(1, defaults.TrustedProxyCount);
        Assert.Empty(Failures(defaults));

        var bad = new ForwardingOptions();
        ForwardingOptions.Bind(bad, new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["BEHIND_PROXY"] = "maybe",
            ["TRUSTED_PROXY_COUNT"] = "0",
        }).Build());
        var failures = Failures(bad);
        Assert.Contains(failures, f => f.StartsWith("BEHIND_PROXY must be a boolean", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("TRUSTED_PROXY_COUNT must be 1-16", StringComparison.Ordinal));
        Assert.Equal(2, failures.Count);
    }

    [Fact]
    public void a_bad_trusted_proxy_count_stops_the_host_at_start()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["TRUSTED_PROXY_COUNT"] = "17" }).Build();
        var services = new ServiceCollection().AddClientAddressResolver(configuration).BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<ClientAddressResolver>());
        Assert.Contains("TRUSTED_PROXY_COUNT must be 1-16.", error.Failures);
    }
}
