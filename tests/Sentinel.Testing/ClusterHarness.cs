using System.Diagnostics;
using System.Net;

namespace Sentinel.Testing;

/// <summary>Starts silos and web processes of one test cluster, each on its own loopback ports.</summary>
public sealed class ClusterHarness(string purpose) : IAsyncDisposable
{
    private readonly List<SentinelProcess> processes = [];

    public string ClusterId { get; } = TestEnvironment.NewClusterId(purpose);

    public IReadOnlyList<SentinelProcess> Processes => processes;

    public Dictionary<string, string> BaseEnvironment() => new()
    {
        ["DATABASE_URL"] = TestEnvironment.DatabaseUrl,
        ["REDIS_URL"] = TestEnvironment.RedisUrl,
        ["REDIS_TLS_CA_CERT"] = TestEnvironment.CaCert ?? "",
        ["DATABASE_CA_CERT"] = TestEnvironment.CaCert ?? "",
        ["REDIS_TLS_VERIFY"] = TestEnvironment.CaCert is null ? "none" : "required",
        ["CLUSTER_ID"] = ClusterId,
        ["SERVICE_ID"] = "sentinel-test",
        ["LOG_FORMAT"] = "console",
        ["JWT_PRIVATE_KEY_PATH"] = TestKeys.PrivateKeyPath,
        ["Logging__LogLevel__Default"] = "Warning",
        ["Logging__LogLevel__Sentinel"] = "Information",
    };

    public sealed record SiloEndpoints(int SiloPort, int GatewayPort);

    public SentinelProcess StartSilo(string name, SiloEndpoints? endpoints = null, IReadOnlyDictionary<string, string>? extra = null)
    {
        endpoints ??= new SiloEndpoints(TestEnvironment.FreePort(), TestEnvironment.FreePort());
        var env = BaseEnvironment();
        env["SILO_PORT"] = endpoints.SiloPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        env["GATEWAY_PORT"] = endpoints.GatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        env["DASHBOARD_PORT"] = "0";
        foreach (var (k, v) in extra ?? new Dictionary<string, string>()) env[k] = v;
        var process = SentinelProcess.Start("Silo", name, env);
        processes.Add(process);
        return process;
    }

    public (SentinelProcess Process, Uri Api) StartWeb(string name, IReadOnlyDictionary<string, string>? extra = null)
    {
        var port = TestEnvironment.FreePort();
        var env = BaseEnvironment();
        env["SERVICE_HOST"] = "127.0.0.1";
        env["SERVICE_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        env["ADMIN_PORT"] = TestEnvironment.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        env["BASE_URL"] = TestTokens.Issuer;
        // Development mode for plain-http tests: the production checklist only warns. Its own tests run DEBUG=false.
        env["DEBUG"] = "true";
        env["ALLOWED_HOSTS"] = "127.0.0.1,localhost";
        env["SESSION_SECRET_KEY"] = "test-session-secret-" + ClusterId;
        foreach (var (k, v) in RateLimitTestSettings.Generous) env[k] = v;
        foreach (var (k, v) in extra ?? new Dictionary<string, string>()) env[k] = v;
        var process = SentinelProcess.Start("Web", name, env);
        processes.Add(process);
        return (process, new Uri($"http://127.0.0.1:{port}"));
    }

    /// <summary>Polls <paramref name="probe"/> until it returns true or the time is up; returns the time taken.</summary>
    public static async Task<TimeSpan> WaitUntilAsync(Func<Task<bool>> probe, TimeSpan timeout, string what, Func<string>? diagnostics = null)
    {
        var watch = Stopwatch.StartNew();
        Exception? last = null;
        while (watch.Elapsed < timeout)
        {
            try
            {
                if (await probe()) return watch.Elapsed;
            }
            catch (Exception ex)
            {
                // The probe is expected to fail until the condition holds; keep the last reason for the message.
                last = ex;
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"Timed out after {timeout.TotalSeconds}s waiting for {what}. Last error: {last?.GetType().Name}: {last?.Message}\n{diagnostics?.Invoke()}");
    }

    public static async Task<bool> IsStatusAsync(HttpClient http, Uri uri, HttpStatusCode status)
    {
        using var response = await http.GetAsync(uri);
        return response.StatusCode == status;
    }

    public string AllOutput() => string.Join("\n", processes.Select(p => $"===== {p.Name} =====\n{p.Output}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var p in Enumerable.Reverse(processes)) await p.DisposeAsync();
    }
}
