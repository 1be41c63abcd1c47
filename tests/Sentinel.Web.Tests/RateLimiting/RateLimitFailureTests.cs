using Microsoft.Extensions.Configuration;
using System.Net;
using System.Text.Json;
using Xunit;
using static Sentinel.Web.Tests.RateLimiting.RateLimitTestHost;

namespace Sentinel.Web.Tests.RateLimiting;

/// <summary>No silo answers: auth tiers fail closed; the others follow RATE_LIMIT_FAIL_OPEN.</summary>
public sealed class RateLimitFailureTests : IAsyncLifetime
{
    private readonly SentinelWebApplication app = new() { ClusterDown = true };

    public Task InitializeAsync() => ((IAsyncLifetime)app).InitializeAsync();

    public Task DisposeAsync() => ((IAsyncLifetime)app).DisposeAsync();

    private static async Task AssertClusterUnavailableAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("cluster_unavailable", body.RootElement.GetProperty("code").GetString());
    }

    [Fact]
    public async Task auth_tiers_fail_closed_with_503_and_retry_after_when_no_silo_answers()
    {
        using var host = With(app);
        var http = host.CreateClient();
        using var login = await http.SendAsync(Get("/test/auth/login/google", NewIp()));
        await AssertClusterUnavailableAsync(login);
        using var refresh = await http.SendAsync(Get("/test/refresh", NewIp(), ("X-Test-Family", Guid.NewGuid().ToString())));
        await AssertClusterUnavailableAsync(refresh);
    }

    [Fact]
    public async Task other_tiers_fail_open_by_default_without_ratelimit_headers()
    {
        using var host = With(app);
        using var response = await host.CreateClient().SendAsync(Get("/test/default", NewIp()));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("RateLimit-Policy"));
    }

    [Fact]
    public async Task every_tier_fails_closed_when_fail_open_is_false()
    {
        using var host = With(app, extra: new Dictionary<string, string> { ["RATE_LIMIT_FAIL_OPEN"] = "false" });
        using var response = await host.CreateClient().SendAsync(Get("/test/default", NewIp()));
        await AssertClusterUnavailableAsync(response);
    }

    [Fact]
    public void an_empty_tier_value_stops_start_up()
    {
        // The edge checks every setting before it builds its host (the shared settings binder) and exits listing them.
        using var host = With(app, extra: new Dictionary<string, string> { ["RATE_LIMIT_AUTH"] = " " });
        Assert.ThrowsAny<Exception>(() => host.CreateClient());
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["DEBUG"] = "true", ["RATE_LIMIT_AUTH"] = " " }).Build();
        using var check = Sentinel.Web.WebSettingsSetup.Check(configuration);
        Assert.Contains(check.Failures, f => f.StartsWith("RATE_LIMIT_AUTH is empty", StringComparison.Ordinal));
    }
}
