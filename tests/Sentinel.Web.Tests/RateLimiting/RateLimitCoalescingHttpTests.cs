using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Sentinel.Web.RateLimiting;
using Xunit;
using static Sentinel.Web.Tests.RateLimiting.RateLimitTestHost;

namespace Sentinel.Web.Tests.RateLimiting;

/// <summary>
/// Concurrent decisions of one replica for one shard go in one call, decided in arrival order as if each came alone: a
/// flood of concurrent requests is coalesced and still admits exactly N.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class RateLimitCoalescingHttpTests(SentinelWebApplication app) : IDisposable
{
    private WebApplicationFactory<Program>? host;

    public void Dispose() => host?.Dispose();

    private async Task<(int Admitted, long Coalesced)> FloodAsync(bool coalesce)
    {
        host = With(app, extra: new Dictionary<string, string> { ["RATE_LIMIT_COALESCE"] = coalesce ? "true" : "false" });
        using var http = host.CreateClient();
        var gate = host.Services.GetRequiredService<RateLimitGate>();
        Align();
        var ip = NewIp();
        var before = gate.CoalescedDecisions;
        // 200 at once from one address, on the default tier (10/minute): ten admitted, whatever the batching.
        var statuses = await Task.WhenAll(Enumerable.Range(0, 200).Select(async _ =>
        {
            using var response = await http.SendAsync(Get("/test/default", ip));
            return response.StatusCode;
        }));
        Assert.Equal(200, statuses.Count(s => s is HttpStatusCode.OK or HttpStatusCode.TooManyRequests));
        return (statuses.Count(s => s == HttpStatusCode.OK), gate.CoalescedDecisions - before);
    }

    [Fact]
    public async Task concurrent_decisions_for_one_shard_are_coalesced_and_admit_exactly_n()
    {
        var (admitted, coalesced) = await FloodAsync(coalesce: true);
        Assert.Equal(10, admitted);
        Assert.True(coalesced > 0, "no decision went in a batch");
    }

    [Fact]
    public async Task with_rate_limit_coalesce_false_every_decision_is_a_call_of_its_own()
    {
        var (admitted, coalesced) = await FloodAsync(coalesce: false);
        Assert.Equal(10, admitted);
        Assert.Equal(0, coalesced);
    }
}
