using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Sentinel.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Sentinel.Integration.Tests.Cluster;

/// <summary>
/// <c>make cluster</c>'s script end to end: 2 silos and 2 web processes behind the local proxy on one loopback port.
/// Every port, the cluster id and the run directory are the test's own, so a developer's <c>make start</c> or
/// <c>make cluster</c> is never disturbed.
/// </summary>
public sealed class LocalClusterTests(ITestOutputHelper output)
{
    private const string UpstreamHeader = "X-Sentinel-Upstream";

    [Fact]
    public async Task cluster_script_serves_through_one_proxy_port_spreads_over_both_webs_survives_a_killed_web_and_stops_everything()
    {
        var ports = ClusterPorts.PickFree();
        var runDir = Directory.CreateTempSubdirectory("sentinel-cluster-test-").FullName;
        var environment = new Dictionary<string, string>
        {
            ["SILOS"] = "2",
            ["WEB"] = "2",
            ["CLUSTER_ID"] = TestEnvironment.NewClusterId("localcluster"),
            ["SERVICE_ID"] = "sentinel-test",
            ["CLUSTER_FRONT_PORT"] = Str(ports.Front),
            ["CLUSTER_WEB_BASE_PORT"] = Str(ports.WebBase),
            ["CLUSTER_SILO_BASE_PORT"] = Str(ports.SiloBase),
            ["CLUSTER_GATEWAY_BASE_PORT"] = Str(ports.GatewayBase),
            ["CLUSTER_DASHBOARD_PORT"] = "0",
            ["CLUSTER_RUN_DIR"] = runDir,
            ["CLUSTER_BUILD"] = "0", // make test has built this configuration already
            ["CLUSTER_CONFIGURATION"] = TestEnvironment.Configuration,
            ["CLUSTER_DATABASE_URL"] = TestEnvironment.DatabaseUrl,
            ["CLUSTER_READY_SECS"] = "60",
        };
        var front = new Uri($"http://127.0.0.1:{ports.Front}");
        var webPorts = new[] { ports.WebBase, ports.WebBase + 10 };
        var pids = new List<int>();
        var watch = Stopwatch.StartNew();

        // The proxy (Caddy, else nginx, else Caddy installed) is the test's own to install, outside start's time budget.
        output.WriteLine($"proxy: {await TestEnvironment.ProxyPathAsync("auto")}");
        try
        {
            var start = await RunClusterScriptAsync("start", environment, TimeSpan.FromSeconds(100));
            Assert.True(start.ExitCode == 0, $"cluster.sh start exited {start.ExitCode}:\n{start.Output}\n{Logs(runDir)}");
            output.WriteLine($"started in {watch.Elapsed.TotalSeconds:F1}s");
            pids.AddRange(RecordedPids(runDir).Values);
            Assert.Equal(5, pids.Count); // proxy, 2 web, 2 silos

            using var http = new HttpClient { BaseAddress = front, Timeout = TimeSpan.FromSeconds(10) };

            // Ready through the proxy: a web process reached a grain, and through it PostgreSQL.
            using (var ready = await http.GetAsync(new Uri("/health/ready", UriKind.Relative)))
                Assert.Equal(HttpStatusCode.OK, ready.StatusCode);

            // Both web processes serve on their own ports, and the proxy spreads requests over both.
            foreach (var port in webPorts)
            {
                using var direct = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/health/ready"));
                Assert.Equal(HttpStatusCode.OK, direct.StatusCode);
            }
            var servedBy = new Dictionary<string, int>();
            for (var i = 0; i < 20; i++)
            {
                using var response = await http.GetAsync(new Uri("/health", UriKind.Relative));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var upstream = LastUpstream(response);
                servedBy[upstream] = servedBy.GetValueOrDefault(upstream) + 1;
            }
            output.WriteLine("served by: " + string.Join(", ", servedBy.Select(kv => $"{kv.Key}×{kv.Value}")));
            Assert.Equal(webPorts.Select(p => $"127.0.0.1:{p}").Order(), servedBy.Keys.Order());

            // Kill one web process outright: every request through the proxy still succeeds, served by the other.
            var killed = RecordedPids(runDir)["web-1"];
            using (var victim = Process.GetProcessById(killed)) victim.Kill();
            for (var i = 0; i < 20; i++)
            {
                using var response = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"request {i} after killing web-1: {(int)response.StatusCode}");
                Assert.Equal($"127.0.0.1:{webPorts[1]}", LastUpstream(response));
            }
        }
        finally
        {
            if (pids.Count == 0) pids.AddRange(RecordedPids(runDir).Values);
            var stop = await RunClusterScriptAsync("stop", environment, TimeSpan.FromSeconds(75));
            output.WriteLine($"total {watch.Elapsed.TotalSeconds:F1}s");
            Assert.True(stop.ExitCode == 0, $"cluster.sh stop exited {stop.ExitCode}:\n{stop.Output}");
        }

        // Nothing left behind: no process it started, nothing on its ports.
        var survivors = pids.Where(IsAlive).ToList();
        Assert.True(survivors.Count == 0, $"still running after stop: {string.Join(", ", survivors)}");
        Assert.Empty(Directory.GetFiles(runDir, "*.pid"));
        foreach (var port in webPorts.Prepend(ports.Front))
            Assert.False(TestEnvironment.IsListening(port), $"port {port} still answers after stop");
        Directory.Delete(runDir, recursive: true);
    }

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The proxy names the replica that answered; after a retry, the last one in the list.</summary>
    private static string LastUpstream(HttpResponseMessage response)
    {
        Assert.True(response.Headers.TryGetValues(UpstreamHeader, out var values), $"no {UpstreamHeader} header");
        return values.Last().Split(',').Last().Trim();
    }

    private static Dictionary<string, int> RecordedPids(string runDir) =>
        Directory.GetFiles(runDir, "*.pid").ToDictionary(
            f => Path.GetFileNameWithoutExtension(f),
            f => int.Parse(File.ReadAllText(f).Split(' ', 2)[0], CultureInfo.InvariantCulture));

    /// <summary>Alive and not a zombie: an exited child not yet reaped by its new parent counts as gone.</summary>
    private static bool IsAlive(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat)) return false;
        try
        {
            var text = File.ReadAllText(stat);
            return text[(text.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static string Logs(string runDir) => ClusterScript.LogsOf(runDir);

    private Task<(int ExitCode, string Output)> RunClusterScriptAsync(string verb, IReadOnlyDictionary<string, string> environment, TimeSpan timeout) =>
        ClusterScript.RunAsync(output, verb, environment, timeout);

    /// <summary>One block of loopback ports below the ephemeral range, all free at the time of the check.</summary>
    private sealed record ClusterPorts(int Front, int WebBase, int SiloBase, int GatewayBase)
    {
        public static ClusterPorts PickFree()
        {
            for (var attempt = 0; attempt < 50; attempt++)
            {
                var block = 20_000 + Random.Shared.Next(0, 120) * 100;
                var candidate = new ClusterPorts(block, block + 3, block + 50, block + 60);
                int[] all = [candidate.Front, candidate.WebBase, candidate.WebBase + 1, candidate.WebBase + 10, candidate.WebBase + 11,
                    candidate.SiloBase, candidate.SiloBase + 1, candidate.GatewayBase, candidate.GatewayBase + 1];
                if (all.All(IsFree)) return candidate;
            }
            throw new InvalidOperationException("No free block of loopback ports found in 20000-31999.");
        }

        private static bool IsFree(int port)
        {
            try
            {
                var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                listener.Stop();
                return !TestEnvironment.IsListening(port);
            }
            catch (SocketException)
            {
                return false;
            }
        }
    }
}
