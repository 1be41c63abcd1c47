using System.Net;
using Microsoft.AspNetCore.Hosting;
using Xunit;

namespace Sentinel.Web.Tests.Authz;

/// <summary>
/// Rate limits for authz mode (docs/rate-limiting.md): <c>/authz/resolve</c> by <c>Origin</c> counts per service and IP under
/// <c>RATE_LIMIT_AUTHZ_RESOLVE</c>; with a key it counts under the service tier only.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class AuthzRateLimitTests(SentinelWebApplication app)
{
    [Fact]
    public async Task resolve_by_origin_is_limited_per_service_and_ip_but_a_key_uses_the_service_tier()
    {
        var s = new ServiceScenario(app);
        var origin = $"https://{Scenario.Unique("rl")}.example";
        var service = await s.ServiceAsync(origins: [origin]);
        using var tight = app.WithWebHostBuilder(b => b.UseSetting("RATE_LIMIT_AUTHZ_RESOLVE", "1/minute"));
        using var http = tight.CreateClient();
        var body = new { idp_token = "x", provider = "nope" };

        async Task<HttpStatusCode> SendAsync(string? key, string? from)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/authz/resolve") { Content = System.Net.Http.Json.JsonContent.Create(body) };
            if (key is not null) request.Headers.Add("X-Service-Key", key);
            if (from is not null) request.Headers.Add("Origin", from);
            using var response = await http.SendAsync(request);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.BadRequest, await SendAsync(null, origin));
        Assert.Equal(HttpStatusCode.TooManyRequests, await SendAsync(null, origin));
        for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.BadRequest, await SendAsync(service.Key, null));
    }
}
