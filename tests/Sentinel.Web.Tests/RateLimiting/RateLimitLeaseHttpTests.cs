using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Sentinel.Web.RateLimiting;
using Xunit;
using static Sentinel.Web.Tests.RateLimiting.RateLimitTestHost;

namespace Sentinel.Web.Tests.RateLimiting;

/// <summary>
/// The service tier at 1,000/minute or more is leased: the edge spends slices held here and calls the shard once per
/// slice, not once per request; the tier still admits N back to back from idle and then refuses.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class RateLimitLeaseHttpTests(SentinelWebApplication app) : IDisposable
{
    private WebApplicationFactory<Program>? host;
    private HttpClient? client;

    private WebApplicationFactory<Program> Host => host ??= With(app, extra: new Dictionary<string, string> { ["RATE_LIMIT_SERVICE"] = "1000/minute" });

    private HttpClient Http => client ??= Host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    public void Dispose()
    {
        client?.Dispose();
        host?.Dispose();
    }

    [Fact]
    public async Task a_service_tier_of_1000_per_minute_admits_n_back_to_back_with_one_shard_call_per_slice_then_refuses()
    {
        Align();
        var ip = NewIp();
        var service = "svc-" + Guid.NewGuid().ToString("N");
        var gate = Host.Services.GetRequiredService<RateLimitGate>();
        var callsBefore = gate.LeaseCalls;
        var admitted = 0;
        string? lastRemaining = null;
        for (var i = 0; i < 1000; i++)
        {
            // Leases live 2 s and at most N/10 may be alive at once: move the clock 2 s after every 100 requests (18 s in
            // all, each block's ten slices spent), as a service sending at its rate would, not at the test's pace.
            if (i % 100 == 0 && i > 0) SentinelWebApplication.Time.Advance(TimeSpan.FromSeconds(2));
            using var response = await Http.SendAsync(Get("/test/default", ip, ("X-Test-Service", service)));
            if (response.StatusCode == HttpStatusCode.OK) admitted++;
            lastRemaining = string.Join(",", response.Headers.GetValues("RateLimit"));
        }
        var calls = gate.LeaseCalls - callsBefore;
        Assert.Equal(1000, admitted);
        // Slices of 10 (N/100): 100 calls for 1000 requests.
        Assert.Equal(100, calls);
        Assert.StartsWith("\"service\";r=0;", lastRemaining);

        using var refused = await Http.SendAsync(Get("/test/default", ip, ("X-Test-Service", service)));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("\"service\";q=1000;w=60", string.Join(",", refused.Headers.GetValues("RateLimit-Policy")));
        Assert.NotNull(refused.Headers.RetryAfter?.Delta);
    }
}
