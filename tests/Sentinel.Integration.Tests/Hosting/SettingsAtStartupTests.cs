using Sentinel.Testing;
using Xunit;

namespace Sentinel.Integration.Tests.Hosting;

/// <summary>
/// Real Sentinel.Web and Sentinel.Silo processes given three bad values: each lists all three in one message and exits
/// with code 2, before it binds a port or reaches a database.
/// </summary>
public sealed class SettingsAtStartupTests
{
    private static async Task<(int ExitCode, string Output)> RunUntilExitAsync(string project, Dictionary<string, string> environment)
    {
        await using var process = SentinelProcess.Start(project, project.ToLowerInvariant(), environment);
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!process.HasExited && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.True(process.HasExited, $"{project} did not exit:\n{process.Output}");
        await Task.Delay(200); // the last lines of output
        return (process.ExitCode, process.Output);
    }

    [Fact]
    public async Task web_given_three_bad_values_lists_all_three_and_exits_2()
    {
        var (exitCode, output) = await RunUntilExitAsync("Web", new Dictionary<string, string>
        {
            ["DEBUG"] = "true",
            ["JWT_PRIVATE_KEY_PATH"] = TestKeys.PrivateKeyPath,
            ["SESSION_SECRET_KEY"] = "settings-at-startup-secret-0123456789",
            ["SERVICE_PORT"] = "nine-thousand",
            ["REFRESH_TOKEN_EXPIRE_DAYS"] = "a week",
            ["BEHIND_PROXY"] = "perhaps",
        });
        Assert.Equal(2, exitCode);
        Assert.Contains("Sentinel.Web refuses to start:", output, StringComparison.Ordinal);
        Assert.Contains("SERVICE_PORT must be an integer.", output, StringComparison.Ordinal);
        Assert.Contains("REFRESH_TOKEN_EXPIRE_DAYS must be an integer.", output, StringComparison.Ordinal);
        Assert.Contains("BEHIND_PROXY must be a boolean (true/false).", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task silo_given_three_bad_values_lists_all_three_and_exits_2()
    {
        var (exitCode, output) = await RunUntilExitAsync("Silo", new Dictionary<string, string>
        {
            ["DEBUG"] = "true",
            ["SILO_PORT"] = "eleven",
            ["SILO_LISTEN_ANY"] = "perhaps",
            ["DASHBOARD_PORT"] = "99999",
        });
        Assert.Equal(2, exitCode);
        Assert.Contains("Sentinel.Silo refuses to start:", output, StringComparison.Ordinal);
        Assert.Contains("SILO_PORT must be an integer.", output, StringComparison.Ordinal);
        Assert.Contains("SILO_LISTEN_ANY must be a boolean (true/false).", output, StringComparison.Ordinal);
        Assert.Contains("DASHBOARD_PORT must be 0-65535.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task web_lists_bad_authz_values_with_the_other_bad_values()
    {
        var (exitCode, output) = await RunUntilExitAsync("Web", new Dictionary<string, string>
        {
            ["DEBUG"] = "true",
            ["JWT_PRIVATE_KEY_PATH"] = TestKeys.PrivateKeyPath,
            ["SESSION_SECRET_KEY"] = "settings-at-startup-secret-0123456789",
            ["REDIS_URL"] = "rediss://:pw@[bad",
            ["COOKIE_SECURE"] = "perhaps",
            ["IDP_TOKEN_MAX_LENGTH"] = "long",
        });
        Assert.Equal(2, exitCode);
        Assert.Contains("REDIS_URL is not a valid Redis URL.", output, StringComparison.Ordinal);
        Assert.Contains("COOKIE_SECURE must be a boolean (true/false).", output, StringComparison.Ordinal);
        Assert.Contains("IDP_TOKEN_MAX_LENGTH must be an integer.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task silo_lists_a_bad_redis_url_with_the_other_bad_values()
    {
        var (exitCode, output) = await RunUntilExitAsync("Silo", new Dictionary<string, string>
        {
            ["DEBUG"] = "true",
            ["REDIS_URL"] = "rediss://:pw@[bad",
            ["GATEWAY_PORT"] = "thirty-thousand",
        });
        Assert.Equal(2, exitCode);
        Assert.Contains("REDIS_URL is not a valid Redis URL.", output, StringComparison.Ordinal);
        Assert.Contains("GATEWAY_PORT must be an integer.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task silo_with_debug_false_lists_a_bad_value_with_the_production_checklist()
    {
        var (exitCode, output) = await RunUntilExitAsync("Silo", new Dictionary<string, string>
        {
            ["DEBUG"] = "false",
            ["GATEWAY_PORT"] = "thirty-thousand",
            ["LOG_PII_REDACTION"] = "false",
        });
        Assert.Equal(2, exitCode);
        Assert.Contains("GATEWAY_PORT must be an integer.", output, StringComparison.Ordinal);
        Assert.Contains("LOG_PII_REDACTION is false. (fatal with DEBUG=false)", output, StringComparison.Ordinal);
    }
}
