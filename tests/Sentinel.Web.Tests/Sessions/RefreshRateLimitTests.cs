using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Sentinel.Web.Tests.SignIn;
using Xunit;

namespace Sentinel.Web.Tests.Sessions;

/// <summary><c>RATE_LIMIT_REFRESH</c> per family once the token verifies, <c>RATE_LIMIT_AUTH</c> per IP otherwise.</summary>
[Collection(SignInCollection.Name)]
public sealed class RefreshRateLimitTests(SignInWeb web)
{
    private readonly SignInScenario s = new(web.App);

    /// <summary>The same edge and cluster with 1/minute tiers (one, then none until it leaves the window) and the shiftable clock.</summary>
    private HttpClient TightClient() => web.App.WithWebHostBuilder(builder =>
    {
        builder.UseSetting("RATE_LIMIT_REFRESH", "1/minute");
        builder.UseSetting("RATE_LIMIT_AUTH", "1/minute");
        builder.UseSetting("BEHIND_PROXY", "true");
        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(SentinelWebApplication.Time);
        });
    }).CreateClient();

    private static async Task<HttpResponseMessage> RefreshAsync(HttpClient http, string token, string ip)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/auth/refresh") { Content = JsonContent.Create(new { refresh_token = token }) };
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", ip);
        return await http.SendAsync(request);
    }

    private static string NewIp() => $"198.19.{Random.Shared.Next(256)}.{Random.Shared.Next(1, 255)}";

    [Fact]
    public async Task refreshes_are_limited_per_family_and_a_refused_one_does_not_spend_the_token()
    {
        using var http = TightClient();
        var (alice, aliceWs) = await s.OwnerAsync();
        var (bob, bobWs) = await s.OwnerAsync();
        var a = await s.SignInAsync(alice.Id, aliceWs);
        var b = await s.SignInAsync(bob.Id, bobWs);
        var ip = NewIp();

        using var first = await RefreshAsync(http, a.Refresh, ip);
        var a2 = await TokenPair.ReadAsync(first);
        using var limited = await RefreshAsync(http, a2.Refresh, ip);
        await Scenario.AssertErrorAsync(limited, 429, "Too many requests", "rate_limited");
        Assert.True(int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 1);

        // Another family from the same address has its own bucket.
        using var other = await RefreshAsync(http, b.Refresh, ip);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);

        // The 429 never reached the session grain: once the request left the window (a minute and at most one 2 s
        // sub-window), the same token still rotates.
        SentinelWebApplication.Time.Advance(TimeSpan.FromSeconds(63));
        using var later = await RefreshAsync(http, a2.Refresh, ip);
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
    }

    [Fact]
    public async Task refreshes_with_tokens_that_do_not_verify_are_limited_per_ip_under_the_auth_tier()
    {
        using var http = TightClient();
        var ip = NewIp();

        using var first = await RefreshAsync(http, "not-a-token", ip);
        await Scenario.AssertErrorAsync(first, 401, "Invalid refresh token", "invalid_refresh_token");
        using var second = await RefreshAsync(http, "still-not-a-token", ip);
        await Scenario.AssertErrorAsync(second, 429, "Too many requests", "rate_limited");
        using var elsewhere = await RefreshAsync(http, "not-a-token", NewIp());
        await Scenario.AssertErrorAsync(elsewhere, 401, "Invalid refresh token", "invalid_refresh_token");
    }
}
