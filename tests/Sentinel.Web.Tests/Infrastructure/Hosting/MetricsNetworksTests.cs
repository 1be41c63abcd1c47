using System.Net;
using Sentinel.Configuration;
using Xunit;

namespace Sentinel.Web.Tests.Infrastructure.Hosting;

/// <summary><c>METRICS_ALLOWED_NETWORKS</c> as Web and the silo both read it (<c>common/MetricsNetworks.cs</c>).</summary>
public sealed class MetricsNetworksTests
{
    [Theory]
    [InlineData("", "203.0.113.9", true)]
    [InlineData("10.0.0.0/8", "10.1.2.3", true)]
    [InlineData("10.0.0.0/8", "127.0.0.1", false)]
    [InlineData("10.0.0.0/8, 192.168.0.0/16", "192.168.4.4", true)]
    [InlineData("10.0.0.0/8", "::ffff:10.9.9.9", true)]
    [InlineData("::1/128", "::1", true)]
    [InlineData("::1/128", "127.0.0.1", false)]
    public void a_peer_may_scrape_only_from_a_listed_network_or_when_none_is_listed(string networks, string peer, bool allowed) =>
        Assert.Equal(allowed, MetricsNetworks.Allows(MetricsNetworks.Parse(networks), IPAddress.Parse(peer)));

    [Fact]
    public void an_unknown_peer_is_refused_when_networks_are_listed() =>
        Assert.False(MetricsNetworks.Allows(MetricsNetworks.Parse("10.0.0.0/8"), null));

    [Fact]
    public void a_malformed_network_is_named_in_the_error()
    {
        var error = Assert.Throws<FormatException>(() => MetricsNetworks.Parse("10.0.0.0/8, ten.0.0.0/8"));
        Assert.Contains("'ten.0.0.0/8'", error.Message, StringComparison.Ordinal);
    }
}
