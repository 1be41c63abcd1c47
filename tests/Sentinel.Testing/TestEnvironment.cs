using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Sentinel.Testing;

/// <summary>
/// What the project's scripts started for the tests (<c>make test</c> exports these), with the dev defaults otherwise.
/// Tests use their own database (<c>sentinel_test</c>) and a fresh cluster id each, so they never disturb <c>make start</c>.
/// </summary>
public static class TestEnvironment
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string DatabaseUrl => Environment.GetEnvironmentVariable("TEST_DATABASE_URL")
        ?? Environment.GetEnvironmentVariable("DATABASE_URL")
        ?? throw new InvalidOperationException("DATABASE_URL is not set: run the tests through `make test`.");

    public static string RedisUrl => Environment.GetEnvironmentVariable("REDIS_URL")
        ?? throw new InvalidOperationException("REDIS_URL is not set: run the tests through `make test`.");

    public static string? CaCert => Environment.GetEnvironmentVariable("REDIS_TLS_CA_CERT")
        ?? (File.Exists(Path.Combine(RepoRoot, "keys/tls/ca.crt")) ? Path.Combine(RepoRoot, "keys/tls/ca.crt") : null);

    public static string Configuration => Environment.GetEnvironmentVariable("SENTINEL_TEST_CONFIGURATION")
        ?? (typeof(TestEnvironment).Assembly.Location.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug");

    /// <summary>StackExchange.Redis options for the test Redis (TLS, verified against the project's CA).</summary>
    public static StackExchange.Redis.ConfigurationOptions RedisOptions() =>
        Sentinel.Configuration.RedisUrl.Parse(RedisUrl, CaCert, CaCert is null ? "none" : "required");

    /// <summary>How many independent rounds each race test runs: 1 in <c>make test</c>, 100 in <c>make stress</c>.</summary>
    public static int RaceRounds => int.TryParse(Environment.GetEnvironmentVariable("SENTINEL_RACE_ROUNDS"), out var n) && n > 0 ? n : 1;

    /// <summary>Theory data 1..<see cref="RaceRounds"/>, so each round is reported as its own test.</summary>
    public static Xunit.TheoryData<int> RaceRoundData()
    {
        var data = new Xunit.TheoryData<int>();
        for (var i = 1; i <= RaceRounds; i++) data.Add(i);
        return data;
    }

    public static string NewClusterId(string purpose) => $"test-{purpose}-{Guid.NewGuid():N}"[..Math.Min(40, 14 + purpose.Length + 32)];

    /// <summary>A loopback port that was free a moment ago.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>True when something accepts connections on this loopback port.</summary>
    public static bool IsListening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static readonly ConcurrentDictionary<string, Lazy<Task<string>>> ToolPaths = new();

    /// <summary>
    /// The system's Chromium for the browser tests, installed by <c>scripts/browser.sh path</c> if missing: a test that
    /// needs it asks for it here, so no test depends on what <c>make test</c> or an earlier test installed.
    /// </summary>
    public static Task<string> ChromiumPathAsync() => ToolPathOnceAsync("browser.sh", "path");

    /// <summary>The local cluster's proxy binary (<c>caddy</c> or <c>nginx</c>), installed by <c>scripts/cluster.sh install-proxy</c> if missing.</summary>
    public static Task<string> ProxyPathAsync(string proxy) =>
        ToolPathOnceAsync("cluster.sh", "install-proxy", new Dictionary<string, string> { ["CLUSTER_PROXY"] = proxy });

    /// <summary>
    /// Runs a project script that installs a tool if missing and prints its path (<paramref name="script"/> in
    /// <c>scripts/</c>). The contract: progress goes to stderr, stdout is exactly one line, the absolute path of an existing
    /// file. Anything else fails here, with both streams, rather than handing <c>Process.Start</c> a mixed string.
    /// </summary>
    public static async Task<string> ToolPathAsync(string script, string verb, IReadOnlyDictionary<string, string>? environment = null)
    {
        var (exitCode, stdout, stderr) = await RunScriptAsync(script, [verb], environment, TimeSpan.FromMinutes(20));
        var where = $"scripts/{script} {verb}";
        if (exitCode != 0) throw new InvalidOperationException($"{where} exited {exitCode}:\n{stderr}\n{stdout}");
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length != 1 || !Path.IsPathFullyQualified(lines[0]) || !File.Exists(lines[0]))
            throw new InvalidOperationException($"{where} must print exactly one absolute path of an existing file on stdout; it printed:\n{stdout}\nstderr:\n{stderr}");
        return lines[0];
    }

    /// <summary>
    /// <c>npm ci</c> in a folder of the repository (e.g. <c>tests/fixtures/jose-verify</c>) when its <c>node_modules</c> is
    /// missing or older than its lock file, through <c>scripts/node-modules.sh</c> (one install per folder at a time, across
    /// processes).
    /// </summary>
    public static async Task EnsureNodeModulesAsync(string directory)
    {
        var (exitCode, stdout, stderr) = await RunScriptAsync("node-modules.sh", [directory], null, TimeSpan.FromMinutes(10));
        if (exitCode != 0) throw new InvalidOperationException($"scripts/node-modules.sh {directory} exited {exitCode}:\n{stderr}\n{stdout}");
    }

    private static Task<string> ToolPathOnceAsync(string script, string verb, IReadOnlyDictionary<string, string>? environment = null)
    {
        var key = $"{script} {verb} {string.Join(",", (environment ?? new Dictionary<string, string>()).Select(kv => $"{kv.Key}={kv.Value}"))}";
        var lazy = ToolPaths.GetOrAdd(key, _ => new Lazy<Task<string>>(() => ToolPathAsync(script, verb, environment)));
        var task = lazy.Value;
        // A failed install is retried by the next caller instead of failing every later test with the same exception.
        if (task.IsFaulted) ToolPaths.TryRemove(new KeyValuePair<string, Lazy<Task<string>>>(key, lazy));
        return task;
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunScriptAsync(string script, string[] args, IReadOnlyDictionary<string, string>? environment, TimeSpan timeout)
    {
        var info = new ProcessStartInfo("bash", [Path.Combine(RepoRoot, "scripts", script), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoRoot,
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start bash for scripts/{script}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"scripts/{script} {string.Join(' ', args)} did not finish within {timeout}:\n{await stderr}");
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Sentinel.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Sentinel.sln not found above the test output.");
    }
}
