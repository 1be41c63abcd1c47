using System.Net;
using Microsoft.Extensions.Configuration;
using Sentinel.Web.Infrastructure.Conventions;
using Xunit;

namespace Sentinel.Web.Tests.Infrastructure.Conventions;

/// <summary>
/// Issue 15: with <c>DEBUG=true</c> and <c>ALLOWED_HOSTS</c> unset, the loopback names <c>localhost</c>, <c>127.0.0.1</c>
/// and <c>[::1]</c> reach both ports; every other host is still refused with <c>invalid_host</c>.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class LoopbackHostsInDevelopmentTests(SentinelWebApplication app)
{
    public static TheoryData<string, string> LoopbackUrls()
    {
        var data = new TheoryData<string, string>();
        foreach (var host in new[] { "localhost", "127.0.0.1", "[::1]" })
        foreach (var path in new[] { ":9003/health/ready", ":9004/", ":9004/demo", ":9003/.well-known/jwks.json" })
            data.Add(host, path);
        return data;
    }

    [Theory]
    [MemberData(nameof(LoopbackUrls))]
    public async Task every_loopback_name_reaches_both_ports(string host, string portAndPath)
    {
        using var response = await app.CreateClient().SendAsync(new HttpRequestMessage(HttpMethod.Get, $"http://{host}{portAndPath}"));
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{host}{portAndPath}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    [Theory]
    [InlineData("http://evil.example:9003/health/ready")]
    [InlineData("http://evil.example:9004/")]
    [InlineData("http://127.0.0.2:9003/health/ready")]
    [InlineData("http://[::2]:9004/demo")]
    [InlineData("http://localhost.evil.example:9004/")]
    public async Task any_other_host_is_still_refused_with_invalid_host(string url)
    {
        using var response = await app.CreateClient().SendAsync(new HttpRequestMessage(HttpMethod.Get, url));
        await Scenario.AssertErrorAsync(response, 400, "Invalid host header", "invalid_host");
    }
}

/// <summary>Production (<c>DEBUG=false</c>) keeps its fail-closed check: only the hosts of <c>BASE_URL</c> and <c>ADMIN_URL</c>.</summary>
public sealed class LoopbackHostsInProductionTests : Xunit.IAsyncLifetime
{
    private readonly SentinelWebApplication app = new()
    {
        Settings =
        {
            ["DEBUG"] = "false",
            ["COOKIE_SECURE"] = "true",
            ["SESSION_SECRET_KEY"] = "production-like-secret-for-tests-0123456789",
            ["REDIS_URL"] = "rediss://:pw@127.0.0.1:9/0",
            ["REDIS_TLS_VERIFY"] = "required",
            // ALLOWED_HOSTS deliberately unset: the hosts of BASE_URL (localhost:9003) and ADMIN_URL (localhost:9004).
        },
    };

    public Task InitializeAsync() => ((Xunit.IAsyncLifetime)app).InitializeAsync();
    public Task DisposeAsync() => ((Xunit.IAsyncLifetime)app).DisposeAsync();

    [Theory]
    [InlineData("http://127.0.0.1:9003/.well-known/jwks.json")]
    [InlineData("http://[::1]:9003/.well-known/jwks.json")]
    [InlineData("http://127.0.0.1:9004/")]
    [InlineData("http://[::1]:9004/")]
    [InlineData("http://evil.example:9003/.well-known/jwks.json")]
    public async Task loopback_addresses_not_named_by_the_urls_are_refused(string url)
    {
        using var response = await app.CreateClient().SendAsync(new HttpRequestMessage(HttpMethod.Get, url));
        await Scenario.AssertErrorAsync(response, 400, "Invalid host header", "invalid_host");
    }

    [Fact]
    public async Task the_hosts_of_the_urls_are_accepted()
    {
        using var response = await app.CreateClient().SendAsync(new HttpRequestMessage(HttpMethod.Get, "http://localhost:9003/.well-known/jwks.json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}

/// <summary>How <c>ALLOWED_HOSTS</c> resolves in each mode.</summary>
public sealed class AllowedHostsSettingsTests
{
    private static IReadOnlyList<string> Hosts(params (string Key, string Value)[] values)
    {
        var c = new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
        return SecuritySettings.FromConfiguration(c, "https://auth.example.com").AllowedHosts;
    }

    [Fact]
    public void development_without_allowed_hosts_adds_the_loopback_names_to_the_hosts_of_the_urls()
    {
        Assert.Equal(["auth.example.com", "localhost", "127.0.0.1", "[::1]"], Hosts(("DEBUG", "true")));
    }

    [Fact]
    public void production_without_allowed_hosts_keeps_only_the_hosts_of_the_urls()
    {
        Assert.Equal(["auth.example.com", "admin.example.com"], Hosts(("DEBUG", "false"), ("ADMIN_URL", "https://admin.example.com")));
        Assert.Equal(["auth.example.com", "localhost"], Hosts());
    }

    [Fact]
    public void an_explicit_allowed_hosts_is_taken_as_written_in_either_mode()
    {
        Assert.Equal(["auth.example.com"], Hosts(("DEBUG", "true"), ("ALLOWED_HOSTS", "auth.example.com")));
        Assert.Equal(["auth.example.com"], Hosts(("DEBUG", "false"), ("ALLOWED_HOSTS", "auth.example.com")));
    }
}
