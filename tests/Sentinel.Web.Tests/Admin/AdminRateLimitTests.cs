using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Sentinel.Web.Tests.SignIn;
using Xunit;

namespace Sentinel.Web.Tests.Admin;

/// <summary>The contract's per-route limits on admin writes (docs/rate-limiting.md), per admin user.</summary>
[Collection(SignInCollection.Name)]
public sealed class AdminRateLimitTests(SignInWeb web)
{
    private readonly AdminScenario a = new(web.App);

    /// <summary>The same edge and cluster with the contract's default sensitive and admin-write tiers.</summary>
    private WebApplicationFactory<Program> DefaultTiers() => web.App.WithWebHostBuilder(b =>
    {
        b.UseSetting("RATE_LIMIT_SENSITIVE", "5/minute");
        b.UseSetting("RATE_LIMIT_ADMIN_WRITE", "10/minute");
    });

    [Fact]
    public async Task bulk_status_is_limited_per_admin_and_rejected_input_uses_no_quota()
    {
        await using var app = DefaultTiers();
        using var http = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var admin = await a.AdminAsync();
        var other = await a.AdminAsync();
        var user = await a.S.UserAsync();

        // 5/minute admits five back to back: after a refused body (not counted), five requests pass, the sixth is limited.
        using (var invalid = await http.SendAsync(AdminScenario.Request(HttpMethod.Post, "/admin/users/bulk-status", admin.Cookie, new { user_ids = new[] { user.Id } })))
            Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid.StatusCode);
        var body = new { user_ids = new[] { user.Id }, is_active = true };
        for (var i = 0; i < 5; i++)
        {
            using var admitted = await http.SendAsync(AdminScenario.Request(HttpMethod.Post, "/admin/users/bulk-status", admin.Cookie, body));
            Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
        }
        using (var second = await http.SendAsync(AdminScenario.Request(HttpMethod.Post, "/admin/users/bulk-status", admin.Cookie, body)))
        {
            await Scenario.AssertErrorAsync(second, 429, "Too many requests", "rate_limited");
            Assert.True(int.Parse(second.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
            Assert.Contains("\"sensitive\"", second.Headers.GetValues("RateLimit-Policy").Single(), StringComparison.Ordinal);
        }
        // Per admin: another admin from the same address still passes.
        using (var another = await http.SendAsync(AdminScenario.Request(HttpMethod.Post, "/admin/users/bulk-status", other.Cookie, body)))
            Assert.Equal(HttpStatusCode.OK, another.StatusCode);
    }

    [Fact]
    public async Task revoke_tokens_and_session_revokes_share_the_admin_write_tier()
    {
        await using var app = DefaultTiers();
        using var http = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var admin = await a.AdminAsync();
        var user = await a.S.UserAsync();

        // 10/minute admits ten back to back, whichever of the two routes they use.
        using (var first = await http.SendAsync(AdminScenario.Request(HttpMethod.Post, $"/admin/users/{user.Id}/revoke-tokens", admin.Cookie)))
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        using (var second = await http.SendAsync(AdminScenario.Request(HttpMethod.Delete, $"/admin/users/{user.Id}/sessions/{Guid.NewGuid()}", admin.Cookie)))
            Assert.Equal(HttpStatusCode.NotFound, second.StatusCode);
        for (var i = 0; i < 8; i++)
        {
            using var admitted = await http.SendAsync(AdminScenario.Request(HttpMethod.Post, $"/admin/users/{user.Id}/revoke-tokens", admin.Cookie));
            Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
        }
        using (var eleventh = await http.SendAsync(AdminScenario.Request(HttpMethod.Post, $"/admin/users/{user.Id}/revoke-tokens", admin.Cookie)))
            await Scenario.AssertErrorAsync(eleventh, 429, "Too many requests", "rate_limited");
    }
}
