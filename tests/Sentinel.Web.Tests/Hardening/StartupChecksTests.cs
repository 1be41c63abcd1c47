using Microsoft.Extensions.Configuration;
using Sentinel.Testing;
using Sentinel.Web.Hardening;
using Sentinel.Web.Hosting;
using Sentinel.Web.Tokens;
using Xunit;

namespace Sentinel.Web.Tests.Hardening;

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

    [Theory]
    [InlineData("SESSION_SECRET_KEY", null, "SESSION_SECRET_KEY")]
    [InlineData("SESSION_SECRET_KEY", "dev-only-change-me-in-production", "SESSION_SECRET_KEY")]
    [InlineData("COOKIE_SECURE", "false", "COOKIE_SECURE")]
    [InlineData("REDIS_URL", "rediss://redis.internal:6379/0", "no password")]
    [InlineData("REDIS_TLS_VERIFY", "none", "REDIS_TLS_VERIFY=required")]
    [InlineData("REDIS_URL", "redis://:pw@redis.internal:6379/0", "without TLS")]
    [InlineData("ALLOWED_HOSTS", "*", "ALLOWED_HOSTS")]
    [InlineData("RATE_LIMIT_ENABLED", "false", "RATE_LIMIT_ENABLED")]
    [InlineData("LOG_PII_REDACTION", "false", "LOG_PII_REDACTION")]
    public void each_unsafe_setting_fails_its_check(string key, string? value, string expected)
    {
        var failures = Run(new() { [key] = value });
        Assert.Contains(failures, f => f.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void private_key_readable_by_others_fails_its_check()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory().FullName, "private.pem");
        File.Copy(TestKeys.PrivateKeyPath, path);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        Assert.Contains(Run(new() { ["JWT_PRIVATE_KEY_PATH"] = path }), f => f.Contains("readable by group or others", StringComparison.Ordinal));
    }

    [Fact]
    public void every_failure_is_reported_at_once()
    {
        var failures = Run(new() { ["COOKIE_SECURE"] = "false", ["ALLOWED_HOSTS"] = "*", ["LOG_PII_REDACTION"] = "false", ["SESSION_SECRET_KEY"] = null });
        Assert.True(failures.Count >= 4, string.Join("; ", failures));
    }
}
