using System.Diagnostics;
using System.Net;
using Sentinel.Grains.Sessions;
using Sentinel.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Sentinel.Integration.Tests.Cluster;

public sealed class FailoverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task two_silos_join_membership_and_requests_recover_after_one_is_killed()
    {
        await using var cluster = new ClusterHarness("failover");
        var silo1 = cluster.StartSilo("silo-1");
        var silo2 = cluster.StartSilo("silo-2");
        var (_, api) = cluster.StartWeb("web-1");
        using var http = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromSeconds(10) };

        await using var client = await OrleansTestClient.ConnectAsync(cluster.ClusterId, TimeSpan.FromSeconds(60));
        var management = client.Client.GetGrain<IManagementGrain>(0);
        await ClusterHarness.WaitUntilAsync(
            async () => (await management.GetHosts(onlyActive: true)).Count == 2,
            TimeSpan.FromSeconds(60), "both silos Active in membership", cluster.AllOutput);
        var hosts = await management.GetHosts(onlyActive: false);
        Assert.Equal(2, hosts.Count(h => h.Value == SiloStatus.Active));

        await ClusterHarness.WaitUntilAsync(
            () => ClusterHarness.IsStatusAsync(http, new Uri("/health/ready", UriKind.Relative), HttpStatusCode.OK),
            TimeSpan.FromSeconds(60), "web ready through the cluster", cluster.AllOutput);

        // Spread grains over both silos, so the kill takes some of them down.
        var users = Enumerable.Range(0, 40).Select(_ => Guid.NewGuid()).ToArray();
        await Task.WhenAll(users.Select(u => client.Client.GetGrain<IUserSessionGrain>(u).DenyTokenAsync(Guid.NewGuid(), DateTimeOffset.UtcNow.AddMinutes(10))));

        silo1.Kill();
        var watch = Stopwatch.StartNew();
        var recovered = await ClusterHarness.WaitUntilAsync(async () =>
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            var calls = users.Select(u => client.Client.GetGrain<IUserSessionGrain>(u).GetRevocationAsync(cts.Token));
            var snapshots = await Task.WhenAll(calls);
            using var ready = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
            return ready.StatusCode == HttpStatusCode.OK && snapshots.All(s => s.DeniedTokens == 1);
        }, TimeSpan.FromSeconds(60), "every grain answering after SIGKILL of one silo", cluster.AllOutput);

        output.WriteLine($"recovery after SIGKILL of one of two silos: {recovered.TotalSeconds:F1}s");
        Assert.False(silo2.HasExited);
        Assert.True(recovered < TimeSpan.FromSeconds(30), $"recovery took {recovered.TotalSeconds:F1}s");
        var after = await management.GetHosts(onlyActive: true);
        Assert.Single(after);
    }
}
