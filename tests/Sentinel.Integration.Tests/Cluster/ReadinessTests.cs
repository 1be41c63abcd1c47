using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Integration.Tests.Cluster;

public sealed class ReadinessTests
{
    [Fact]
    public async Task web_without_silo_is_live_but_not_ready_then_ready_once_a_silo_joins()
    {
        await using var cluster = new ClusterHarness("ready");
        var (_, api) = cluster.StartWeb("web-1");
        using var http = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromSeconds(10) };

        // Kestrel listens at once, with no silo anywhere.
        await ClusterHarness.WaitUntilAsync(
            () => ClusterHarness.IsStatusAsync(http, new Uri("/health", UriKind.Relative), HttpStatusCode.OK),
            TimeSpan.FromSeconds(30), "web /health", cluster.AllOutput);
        using (var live = await http.GetAsync(new Uri("/health", UriKind.Relative)))
            Assert.Equal("{\"status\":\"ok\"}", await live.Content.ReadAsStringAsync());

        var watch = Stopwatch.StartNew();
        using (var notReady = await http.GetAsync(new Uri("/health/ready", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"503 took {watch.Elapsed.TotalSeconds:F1}s");
            Assert.True(notReady.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
            using var body = JsonDocument.Parse(await notReady.Content.ReadAsStringAsync());
            Assert.Equal("cluster_unavailable", body.RootElement.GetProperty("code").GetString());
        }

        cluster.StartSilo("silo-1");
        await ClusterHarness.WaitUntilAsync(
            () => ClusterHarness.IsStatusAsync(http, new Uri("/health/ready", UriKind.Relative), HttpStatusCode.OK),
            TimeSpan.FromSeconds(90), "web ready after a silo joined", cluster.AllOutput);
    }
}
