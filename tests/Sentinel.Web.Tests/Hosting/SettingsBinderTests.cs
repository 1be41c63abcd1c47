using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sentinel.Configuration;
using Sentinel.Testing;
using Sentinel.Web.Hosting;
using Sentinel.Web.SignIn;
using Sentinel.Web.Tokens;
using Xunit;

namespace Sentinel.Web.Tests.Hosting;

/// <summary>The one settings binder (common/SettingsBinder.cs) as the edge uses it: every bad value listed at once.</summary>
public sealed class SettingsBinderTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values)
    {
        var all = new Dictionary<string, string?>
        {
            ["JWT_PRIVATE_KEY_PATH"] = TestKeys.PrivateKeyPath,
            ["SESSION_SECRET_KEY"] = "settings-binder-tests-secret-0123456789",
            ["DEBUG"] = "true",
        };
        foreach (var (key, value) in values) all[key] = value;
        return new ConfigurationBuilder().AddInMemoryCollection(all).Build();
    }

    [Fact]
    public void three_bad_values_in_three_settings_classes_are_reported_at_once()
    {
        using var check = WebSettingsSetup.Check(Config(
            ("SERVICE_PORT", "nine-thousand"),
            ("ACCESS_TOKEN_EXPIRE_MINUTES", "ten"),
            ("MAX_SESSIONS_PER_USER", "0")));
        Assert.True(check.Failed);
        Assert.Contains("SERVICE_PORT must be an integer.", check.Failures);
        Assert.Contains("ACCESS_TOKEN_EXPIRE_MINUTES must be an integer.", check.Failures);
        Assert.Contains("MAX_SESSIONS_PER_USER must be 1-1000.", check.Failures);
        Assert.Equal(3, check.Failures.Count);
        Assert.Contains("Sentinel.Web refuses to start:\n  - ", check.Message("Sentinel.Web"), StringComparison.Ordinal);
    }

    [Fact]
    public void with_debug_false_the_production_checklist_is_listed_with_the_bad_values()
    {
        using var check = WebSettingsSetup.Check(Config(("DEBUG", "false"), ("COOKIE_SECURE", "false"), ("GRAIN_CALL_TIMEOUT_MS", "soon")));
        Assert.Contains("GRAIN_CALL_TIMEOUT_MS must be an integer.", check.Failures);
        Assert.Contains(check.Failures, f => f.StartsWith("COOKIE_SECURE is false", StringComparison.Ordinal) && f.EndsWith("(fatal with DEBUG=false)", StringComparison.Ordinal));
    }

    [Fact]
    public void good_values_bind_into_every_settings_class()
    {
        using var check = WebSettingsSetup.Check(Config(("SERVICE_PORT", "9103"), ("ADMIN_PORT", "9104"), ("ACCESS_TOKEN_EXPIRE_MINUTES", "20"), ("MAX_SESSIONS_PER_USER", "7"), ("BEHIND_PROXY", "on")));
        Assert.False(check.Failed, string.Join("\n", check.Failures));
        Assert.Equal(9103, check.Get<WebSettings>().ApiPort);
        Assert.Equal(20, check.Get<JwtSettings>().AccessMinutes);
        Assert.Equal(7, check.Get<SignInSettings>().MaxSessionsPerUser);
        Assert.True(check.Get<Sentinel.Web.Forwarding.ForwardingOptions>().BehindProxy);
    }

    [Fact]
    public void a_settings_class_on_the_binder_fails_validate_on_start_with_every_failure()
    {
        // What the binder offers a settings class not yet converted (Authz, rate limiting): ValidateOnStart through the host.
        var configuration = Config(("X_COUNT", "many"), ("X_FLAG", "perhaps"));
        var services = new ServiceCollection();
        services.AddSettings(configuration, r => new Sample(r.Int("X_COUNT", 1), r.Bool("X_FLAG", false)));
        using var provider = services.BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Equal(["X_COUNT must be an integer.", "X_FLAG must be a boolean (true/false)."], error.Failures);
    }

    private sealed record Sample(int Count, bool Flag);
}
