using Npgsql;
using Sentinel.Testing;
using StackExchange.Redis;
using Xunit;

namespace Sentinel.Integration.Tests.Hardening;

/// <summary>PostgreSQL and Redis speak TLS only; processes refuse unsafe production settings, all listed at once.</summary>
public sealed class TlsAndStartupTests
{
    [Fact]
    public async Task postgres_refuses_plain_connections_and_accepts_tls()
    {
        var plain = new NpgsqlConnectionStringBuilder(TestConnection.ConnectionString()) { SslMode = SslMode.Disable, Timeout = 5 };
        await using (var connection = new NpgsqlConnection(plain.ConnectionString))
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => connection.OpenAsync());

        var tls = new NpgsqlConnectionStringBuilder(TestConnection.ConnectionString()) { SslMode = SslMode.Require };
        await using var ok = new NpgsqlConnection(tls.ConnectionString);
        await ok.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", ok);
        Assert.True((bool)(await cmd.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task redis_refuses_plain_connections_and_accepts_tls()
    {
        var tls = TestEnvironment.RedisOptions();
        var plain = tls.Clone();
        plain.Ssl = false;
        plain.AbortOnConnectFail = true;
        plain.ConnectTimeout = 3000;
        await Assert.ThrowsAnyAsync<RedisConnectionException>(() => ConnectionMultiplexer.ConnectAsync(plain));

        tls.AbortOnConnectFail = true;
        await using var ok = await ConnectionMultiplexer.ConnectAsync(tls);
        Assert.True(ok.IsConnected);
        Assert.True(await ok.GetDatabase().PingAsync() < TimeSpan.FromSeconds(5));
    }

    /// <summary>Every web-side check of the checklist failing at once (the silo-side PostgreSQL check has its own tests).</summary>
    private static Dictionary<string, string> EveryWebCheckFailing(bool debug)
    {
        var key = Path.Combine(Directory.CreateTempSubdirectory("sentinel-key-").FullName, "private.pem");
        File.Copy(TestKeys.PrivateKeyPath, key);
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        return new Dictionary<string, string>
        {
            ["DEBUG"] = debug ? "true" : "false",
            ["SESSION_SECRET_KEY"] = "dev-only-change-me-in-production",
            ["COOKIE_SECURE"] = "false",
            ["REDIS_URL"] = "rediss://127.0.0.1:9002/0",
            ["REDIS_TLS_VERIFY"] = "none",
            ["ALLOWED_HOSTS"] = "*",
            ["RATE_LIMIT_ENABLED"] = "false",
            ["LOG_PII_REDACTION"] = "false",
            ["JWT_PRIVATE_KEY_PATH"] = key,
        };
    }

    private static readonly string[] WebChecks =
        ["SESSION_SECRET_KEY", "COOKIE_SECURE", "REDIS_URL has no password", "without REDIS_TLS_VERIFY=required", "ALLOWED_HOSTS", "RATE_LIMIT_ENABLED", "LOG_PII_REDACTION", "readable by group or others"];

    [Fact]
    public async Task web_with_debug_false_and_every_check_failing_exits_listing_every_failure()
    {
        await using var cluster = new ClusterHarness("checks");
        var (web, _) = cluster.StartWeb("web", EveryWebCheckFailing(debug: false));
        await ClusterHarness.WaitUntilAsync(() => Task.FromResult(web.HasExited), TimeSpan.FromSeconds(60), "web to refuse to start");
        Assert.Equal(2, web.ExitCode);
        foreach (var expected in WebChecks)
            Assert.Contains(expected, web.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task web_with_debug_true_and_every_check_failing_starts_and_warns_for_each()
    {
        await using var cluster = new ClusterHarness("checks");
        var (web, api) = cluster.StartWeb("web", EveryWebCheckFailing(debug: true));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        // Liveness only: Redis refuses the password-less client, which is readiness (<c>/health/ready</c>), never a reason to exit.
        await ClusterHarness.WaitUntilAsync(() => ClusterHarness.IsStatusAsync(http, new Uri(api, "/health"), System.Net.HttpStatusCode.OK),
            TimeSpan.FromSeconds(60), "web to start", () => web.Output);
        Assert.False(web.HasExited);
        foreach (var expected in WebChecks)
            Assert.Contains(web.Output.Split('\n'), l => l.Contains("Production check failed", StringComparison.Ordinal) && l.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task silo_with_debug_false_and_every_check_failing_exits_listing_every_failure()
    {
        await using var cluster = new ClusterHarness("checks");
        var plainUrl = TestEnvironment.DatabaseUrl.Replace("sslmode=require", "sslmode=disable", StringComparison.Ordinal);
        var silo = cluster.StartSilo("silo", extra: new Dictionary<string, string>
        {
            ["DEBUG"] = "false", ["DATABASE_URL"] = plainUrl, ["REDIS_URL"] = "redis://127.0.0.1:9002/0", ["LOG_PII_REDACTION"] = "false",
        });
        await ClusterHarness.WaitUntilAsync(() => Task.FromResult(silo.HasExited), TimeSpan.FromSeconds(60), "silo to refuse to start");
        Assert.Equal(2, silo.ExitCode);
        foreach (var expected in new[] { "DATABASE_URL does not require TLS", "REDIS_URL has no password", "REDIS_URL is not rediss://", "LOG_PII_REDACTION" })
            Assert.Contains(expected, silo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task silo_with_debug_true_and_a_plain_database_url_starts_and_warns()
    {
        await using var cluster = new ClusterHarness("checks");
        var plainUrl = TestEnvironment.DatabaseUrl.Replace("sslmode=require", "sslmode=disable", StringComparison.Ordinal);
        var silo = cluster.StartSilo("silo", extra: new Dictionary<string, string> { ["DEBUG"] = "true", ["DATABASE_URL"] = plainUrl, ["LOG_PII_REDACTION"] = "false" });
        await ClusterHarness.WaitUntilAsync(() => Task.FromResult(silo.Output.Contains("DATABASE_URL does not require TLS", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(60), "the silo's warning", () => silo.Output);
        // PostgreSQL refuses the plain connection: readiness, not a reason to exit.
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.False(silo.HasExited, silo.Output);
        Assert.Contains("LOG_PII_REDACTION", silo.Output, StringComparison.Ordinal);
    }

    /// <summary>Local ports of <paramref name="pid"/>'s established TCP connections to 127.0.0.1:<paramref name="port"/>.</summary>
    private static async Task<IReadOnlyList<int>> LocalPortsToAsync(int pid, int port)
    {
        var info = new System.Diagnostics.ProcessStartInfo("ss", ["-tnpH", "state", "established", $"( dport = :{port} )"]) { RedirectStandardOutput = true };
        using var ss = System.Diagnostics.Process.Start(info)!;
        var text = await ss.StandardOutput.ReadToEndAsync();
        await ss.WaitForExitAsync();
        return text.Split('\n').Where(l => l.Contains($"pid={pid},", StringComparison.Ordinal))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2])
            .Select(local => int.Parse(local[(local.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
    }

    [Fact]
    public async Task the_silo_and_web_processes_talk_to_postgres_and_redis_over_tls_only()
    {
        await using var cluster = new ClusterHarness("tls");
        var silo = cluster.StartSilo("silo");
        var (web, api) = cluster.StartWeb("web");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await ClusterHarness.WaitUntilAsync(() => ClusterHarness.IsStatusAsync(http, new Uri(api, "/health/ready"), System.Net.HttpStatusCode.OK),
            TimeSpan.FromSeconds(120), "web ready", cluster.AllOutput);

        // PostgreSQL: each of the silo's connections, found by its client port, is in pg_stat_ssl with ssl = true.
        var pgPorts = await LocalPortsToAsync(silo.Pid, 9001);
        Assert.NotEmpty(pgPorts);
        await using (var db = Npgsql.NpgsqlDataSource.Create(TestConnection.ConnectionString()))
        {
            await using var cmd = db.CreateCommand(
                "SELECT a.client_port, s.ssl, s.version FROM pg_stat_activity a JOIN pg_stat_ssl s ON s.pid = a.pid WHERE a.client_port = ANY(@ports)");
            cmd.Parameters.AddWithValue("ports", pgPorts.ToArray());
            await using var reader = await cmd.ExecuteReaderAsync();
            var rows = 0;
            while (await reader.ReadAsync())
            {
                rows++;
                Assert.True(reader.GetBoolean(1), $"silo connection from port {reader.GetInt32(0)} is not TLS");
                Assert.StartsWith("TLSv1.", reader.GetString(2), StringComparison.Ordinal);
            }
            Assert.Equal(pgPorts.Count, rows);
        }

        // Redis: the server has no plain listener (port 0), and both processes' connections are on its TLS port.
        var admin = TestEnvironment.RedisOptions();
        admin.AllowAdmin = true;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(admin);
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        var config = (await server.ConfigGetAsync("*port")).ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal("0", config["port"]);
        Assert.Equal("9002", config["tls-port"]);
        var clients = await server.ClientListAsync();
        foreach (var process in new[] { silo, web })
        {
            var ports = await LocalPortsToAsync(process.Pid, 9002);
            Assert.NotEmpty(ports);
            foreach (var port in ports)
                Assert.Contains(clients, c => c.Address is System.Net.IPEndPoint ep && ep.Port == port);
        }
    }
}
