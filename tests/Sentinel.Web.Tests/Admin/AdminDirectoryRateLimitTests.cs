using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using Xunit;
using static Sentinel.Web.Tests.RateLimiting.RateLimitTestHost;

namespace Sentinel.Web.Tests.Admin;

/// <summary>The sensitive tier (RATE_LIMIT_SENSITIVE) on the admin's purge, service-app create and rotate routes: per admin, after authentication.</summary>
[Collection(WebCollection.Name)]
public sealed class AdminDirectoryRateLimitTests(SentinelWebApplication app) : IDisposable
{
    private readonly AdminDirectoryScenario a = new(app);
    private readonly WebApplicationFactory<Program> host = With(app, extra: new Dictionary<string, string> { ["RATE_LIMIT_SENSITIVE"] = "5/minute" });

    public void Dispose() => host.Dispose();

    private async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string path, string? cookie, string ip, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", ip);
        request.Headers.Add("X-Requested-With", "XMLHttpRequest");
        if (cookie is not null) request.Headers.Add("Cookie", $"admin_token={cookie}");
        if (body is not null) request.Content = System.Net.Http.Json.JsonContent.Create(body);
        return await http.SendAsync(request);
    }

    [Fact]
    public async Task sensitive_admin_routes_share_one_bucket_per_admin_and_refused_logins_use_no_quota()
    {
        using var http = host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var ip = NewIp();
        var (_, first) = await a.AdminAsync();
        var (_, second) = await a.AdminAsync();
        var purge = $"/admin/permissions/service/{Scenario.Unique("svc")}";

        for (var i = 0; i < 3; i++)
        {
            using var anonymous = await SendAsync(http, HttpMethod.Delete, purge, null, ip);
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }
        // 5/minute: five requests pass back to back, the next one within the minute is refused.
        for (var i = 0; i < 5; i++)
        {
            using var admitted = await SendAsync(http, HttpMethod.Delete, purge, first, ip);
            Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
        }
        using (var limited = await SendAsync(http, HttpMethod.Delete, purge, first, ip))
        {
            await Scenario.AssertErrorAsync(limited, 429, "Too many requests", "rate_limited");
            Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        }
        using (var create = await SendAsync(http, HttpMethod.Post, "/admin/service-apps", first, ip, new { name = "x", service_name = Scenario.Unique("svc"), allowed_origins = Array.Empty<string>() }))
            await Scenario.AssertErrorAsync(create, 429, "Too many requests", "rate_limited");
        using (var rotate = await SendAsync(http, HttpMethod.Post, $"/admin/service-apps/{Guid.NewGuid()}/rotate-key", first, ip))
            await Scenario.AssertErrorAsync(rotate, 429, "Too many requests", "rate_limited");
        // Keyed by the admin, not the address: another admin from the same IP still has a full bucket.
        using (var other = await SendAsync(http, HttpMethod.Delete, purge, second, ip))
            Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }
}
