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

    [Fact]
    public async Task web_with_debug_false_and_unsafe_settings_exits_listing_every_failure()
    {
        await using var cluster = new ClusterHarness("checks");
        var (web, _) = cluster.StartWeb("web", new Dictionary<string, string>
        {
            ["DEBUG"] = "false",
            ["COOKIE_SECURE"] = "false",
            ["ALLOWED_HOSTS"] = "*",
            ["LOG_PII_REDACTION"] = "false",
            ["SESSION_SECRET_KEY"] = "dev-only-change-me-in-production",
        });
        await ClusterHarness.WaitUntilAsync(() => Task.FromResult(web.HasExited), TimeSpan.FromSeconds(30), "web to refuse to start");
        Assert.Equal(2, web.ExitCode);
        foreach (var expected in new[] { "SESSION_SECRET_KEY", "COOKIE_SECURE", "ALLOWED_HOSTS", "LOG_PII_REDACTION" })
            Assert.Contains(expected, web.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task silo_with_debug_false_and_plain_database_url_exits()
    {
        await using var cluster = new ClusterHarness("checks");
        var plainUrl = TestEnvironment.DatabaseUrl.Replace("sslmode=require", "sslmode=disable", StringComparison.Ordinal);
        var silo = cluster.StartSilo("silo", extra: new Dictionary<string, string> { ["DEBUG"] = "false", ["DATABASE_URL"] = plainUrl });
        await ClusterHarness.WaitUntilAsync(() => Task.FromResult(silo.HasExited), TimeSpan.FromSeconds(30), "silo to refuse to start");
        Assert.Equal(2, silo.ExitCode);
        Assert.Contains("DATABASE_URL does not require TLS", silo.Output, StringComparison.Ordinal);
    }
}
