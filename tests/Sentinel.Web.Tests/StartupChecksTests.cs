using Microsoft.Extensions.Configuration;
using Sentinel.Testing;
using Sentinel.Web.Infrastructure.Conventions;
using Sentinel.Web.Infrastructure.Hosting;
using Sentinel.Web.Tokens;
using Xunit;
using Sentinel.Web.Tests.Infrastructure.Conventions;

namespace Sentinel.Web.Tests;

/// <summary>One test per item of the seed's production checklist.</summary>
public sealed class StartupChecksTests
{
    private static readonly Dictionary<string, string?> Production = new()
    {
        ["SESSION_SECRET_KEY"] = "a-long-random-production-secret-value",
        ["COOKIE_SECURE"] = "true",
        ["REDIS_URL"] = "rediss://:pw@redis.internal:6379/0",
        ["REDIS_TLS_VERIFY"] = "required",
        ["ALLOWED_HOSTS"] = "auth.example.com",
        ["BASE_URL"] = "https://auth.example.com",
        ["JWT_PRIVATE_KEY_PATH"] = TestKeys.PrivateKeyPath,
    };

    private static IReadOnlyList<string> Run(Dictionary<string, string?> overrides)
    {
        var values = new Dictionary<string, string?>(Production);
        foreach (var (k, v) in overrides) values[k] = v;
        var config = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var jwt = JwtSettings.FromConfiguration(config);
        return StartupChecks.Run(config, WebSettings.FromConfiguration(config), jwt, SecuritySettings.FromConfiguration(config, jwt.Issuer));
    }

    [Fact]
    public void a_production_configuration_passes_every_check() => Assert.Empty(Run([]));

    public static TheoryData<string, string?, string, bool> EachCheckInBothModes()
    {
        var data = new TheoryData<string, string?, string, bool>();
        foreach (var debug in new[] { false, true })
        {
            data.Add("SESSION_SECRET_KEY", null, "SESSION_SECRET_KEY", debug);
            data.Add("SESSION_SECRET_KEY", "dev-only-change-me-in-production", "SESSION_SECRET_KEY", debug);
            data.Add("COOKIE_SECURE", "false", "COOKIE_SECURE", debug);
            data.Add("REDIS_URL", "rediss://redis.internal:6379/0", "no password", debug);
            data.Add("REDIS_TLS_VERIFY", "none", "REDIS_TLS_VERIFY=required", debug);
            data.Add("REDIS_URL", "redis://:pw@redis.internal:6379/0", "without TLS", debug);
            data.Add("ALLOWED_HOSTS", "*", "ALLOWED_HOSTS", debug);
            data.Add("RATE_LIMIT_ENABLED", "false", "RATE_LIMIT_ENABLED", debug);
            data.Add("LOG_PII_REDACTION", "false", "LOG_PII_REDACTION", debug);
            data.Add("CORS_ORIGINS", "https://app.example, null", "CORS_ORIGINS lists 'null'", debug);
            data.Add("REFRESH_TOKEN_KEY", "too-short-for-hs256", "REFRESH_TOKEN_KEY must be at least", debug);
            data.Add("REFRESH_TOKEN_PREVIOUS_KEYS", "short", "REFRESH_TOKEN_PREVIOUS_KEYS has an entry shorter", debug);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(EachCheckInBothModes))]
    public void each_unsafe_setting_refuses_the_start_without_debug_and_only_warns_with_it(string key, string? value, string expected, bool debug)
    {
        var failures = Run(new() { [key] = value });
        Assert.Contains(failures, f => f.Contains(expected, StringComparison.Ordinal));
        AssertMode(failures, debug, expected);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void private_key_readable_by_others_refuses_without_debug_and_warns_with_it(bool debug)
    {
        var path = Path.Combine(System.IO.Directory.CreateTempSubdirectory().FullName, "private.pem");
        File.Copy(TestKeys.PrivateKeyPath, path);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var failures = Run(new() { ["JWT_PRIVATE_KEY_PATH"] = path });
        Assert.Contains(failures, f => f.Contains("readable by group or others", StringComparison.Ordinal));
        AssertMode(failures, debug, "readable by group or others");

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Empty(Run(new() { ["JWT_PRIVATE_KEY_PATH"] = path }));
    }

    private static void AssertMode(IReadOnlyList<string> failures, bool debug, string expected)
    {
        switch (StartupChecks.Decide(failures, debug))
        {
            case StartupChecks.Verdict.Refuse refuse when !debug:
                Assert.Contains(refuse.Failures, f => f.Contains(expected, StringComparison.Ordinal));
                break;
            case StartupChecks.Verdict.Start start when debug:
                Assert.Contains(start.Warnings, f => f.Contains(expected, StringComparison.Ordinal));
                break;
            case var other:
                Assert.Fail($"DEBUG={debug}: {other}");
                break;
        }
    }

    [Fact]
    public void a_refresh_key_from_make_setup_and_a_previous_one_pass() =>
        Assert.Empty(Run(new()
        {
            ["REFRESH_TOKEN_KEY"] = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0",
            ["REFRESH_TOKEN_PREVIOUS_KEYS"] = "a-long-random-production-secret-value",
        }));

    [Fact]
    public void every_failure_is_reported_at_once()
    {
        var failures = Run(new()
        {
            ["COOKIE_SECURE"] = "false", ["ALLOWED_HOSTS"] = "*", ["LOG_PII_REDACTION"] = "false", ["SESSION_SECRET_KEY"] = null,
            ["REDIS_URL"] = "rediss://redis.internal:6379/0", ["REDIS_TLS_VERIFY"] = "none", ["RATE_LIMIT_ENABLED"] = "false",
        });
        var refused = Assert.IsType<StartupChecks.Verdict.Refuse>(StartupChecks.Decide(failures, debug: false));
        Assert.Equal(7, refused.Failures.Count);
    }
}
