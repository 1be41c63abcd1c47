using System.Diagnostics;
using System.Globalization;
using System.Text;
using Sentinel.Testing;
using Xunit.Abstractions;

namespace Sentinel.Integration.Tests.Cluster;

/// <summary><c>scripts/cluster.sh</c> with a run directory, a cluster id and a block of loopback ports of its own.</summary>
internal sealed class ClusterScript(ITestOutputHelper output, string proxy, int silos, int webs) : IDisposable
{
    private readonly string runDir = Directory.CreateTempSubdirectory("sentinel-cluster-test-").FullName;
    private readonly int front = PickFreeBlock();

    public string ClusterId { get; } = TestEnvironment.NewClusterId("proxyaddr");

    public Uri Front => new($"http://127.0.0.1:{front}");

    private Dictionary<string, string> Environment() => new()
    {
        ["SILOS"] = Str(silos),
        ["WEB"] = Str(webs),
        ["CLUSTER_PROXY"] = proxy,
        ["CLUSTER_ID"] = ClusterId,
        ["SERVICE_ID"] = "sentinel-test",
        ["CLUSTER_FRONT_PORT"] = Str(front),
        ["CLUSTER_WEB_BASE_PORT"] = Str(front + 3),
        ["CLUSTER_SILO_BASE_PORT"] = Str(front + 50),
        ["CLUSTER_GATEWAY_BASE_PORT"] = Str(front + 60),
        ["CLUSTER_DASHBOARD_PORT"] = "0",
        ["CLUSTER_RUN_DIR"] = runDir,
        ["CLUSTER_BUILD"] = "0", // make test has built this configuration already
        ["CLUSTER_CONFIGURATION"] = TestEnvironment.Configuration,
        ["CLUSTER_DATABASE_URL"] = TestEnvironment.DatabaseUrl,
        ["CLUSTER_READY_SECS"] = "60",
        // A provider for the codes the test issues (/auth/token checks it is configured); its metadata is never fetched.
        ["DEX_CLIENT_ID"] = "sentinel-test",
        ["DEX_CLIENT_SECRET"] = "sentinel-test-secret",
        ["DEX_SERVER_METADATA_URL"] = "http://127.0.0.1:9/.well-known/openid-configuration",
    };

    public Task<(int ExitCode, string Output)> RunAsync(string verb, TimeSpan timeout) => RunAsync(output, verb, Environment(), timeout);

    /// <summary>Runs <c>scripts/cluster.sh VERB</c> with <paramref name="environment"/>, both streams into the test's output; killed past <paramref name="timeout"/>.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(ITestOutputHelper output, string verb, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var info = new ProcessStartInfo("bash", [Path.Combine(TestEnvironment.RepoRoot, "scripts", "cluster.sh"), verb])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = TestEnvironment.RepoRoot,
        };
        foreach (var (key, value) in environment) info.Environment[key] = value;
        var text = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (text) text.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (text) text.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            lock (text) text.AppendLine($"(cluster.sh {verb} killed after {timeout.TotalSeconds}s)");
        }
        string result;
        lock (text) result = text.ToString();
        output.WriteLine($"$ cluster.sh {verb}\n{result}");
        return (process.ExitCode, result);
    }

    public string Logs() => LogsOf(runDir);

    /// <summary>The last lines of every process log in a cluster run directory, without the gateway chatter.</summary>
    public static string LogsOf(string runDir) => string.Join("\n", Directory.GetFiles(runDir, "*.log").Select(f =>
        $"===== {Path.GetFileName(f)} =====\n{string.Join("\n", File.ReadLines(f).Where(l => !l.Contains("gateway", StringComparison.OrdinalIgnoreCase)).TakeLast(30))}"));

    public void Dispose()
    {
        try { Directory.Delete(runDir, recursive: true); }
        catch (IOException) { }
    }

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A block of loopback ports below the ephemeral range (front, webs from +3, silos from +50, gateways from +60), all free now.</summary>
    private static int PickFreeBlock()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var block = 20_000 + Random.Shared.Next(0, 120) * 100;
            int[] all = [block, block + 3, block + 4, block + 13, block + 14, block + 50, block + 51, block + 60, block + 61];
            if (all.All(p => !TestEnvironment.IsListening(p))) return block;
        }
        throw new InvalidOperationException("No free block of loopback ports found in 20000-31999.");
    }
}
