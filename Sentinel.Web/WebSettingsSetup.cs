using Microsoft.Extensions.Options;
using Sentinel.Configuration;
using Sentinel.Web.Authorization;
using Sentinel.Web.Cors;
using Sentinel.Web.Infrastructure.Forwarding;
using Sentinel.Web.Infrastructure.Conventions;
using Sentinel.Web.RateLimiting;
using Sentinel.Web.SignIn;
using Sentinel.Web.Tokens;
using Sentinel.Web.Infrastructure.Hosting;

namespace Sentinel.Web;

/// <summary>
/// Every setting the edge reads at start-up, on the one settings binder (<see cref="SettingsBinder"/>), so a process
/// given several bad values lists them all in one message: unreadable values, each class's own rules, and (with
/// <c>DEBUG=false</c>) the production checklist.
/// </summary>
public static class WebSettingsSetup
{
    /// <summary>Registers the edge's settings classes and their validators, each with <c>ValidateOnStart</c>.</summary>
    public static void Register(IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings(configuration, WebSettings.Bind)
            .ValidateWith<WebSettings, WebSettingsValidator>()
            .ValidateWith<WebSettings, ProductionChecklistValidator>();
        services.AddSettings(configuration, JwtSettings.Bind).ValidateWith<JwtSettings, JwtSettingsValidator>();
        services.AddSettings(configuration, ProviderSettings.Bind).ValidateWith<ProviderSettings, ProviderSettingsValidator>();
        services.AddSettings(configuration, SecuritySettings.Bind);
        services.AddSettings(configuration, SignInSettings.Bind).ValidateWith<SignInSettings, SignInSettingsValidator>();
        services.AddForwardingSettings(configuration);
        services.AddCorsSettings(configuration);
        services.AddRateLimitSettings(configuration);
        services.AddAuthzSettings(configuration);
    }

    /// <summary>Binds and validates everything <see cref="Register"/> adds, all at once, before the host is built.</summary>
    internal static SettingsCheck Check(IConfiguration configuration) =>
        SettingsBinder.Check(configuration, services => Register(services, configuration));
}

/// <summary>
/// The production checklist (<see cref="StartupChecks"/>) as a validation of the edge's settings: fatal with
/// <c>DEBUG=false</c>, listed with every other failure; with <c>DEBUG=true</c> the process logs each as a warning instead.
/// </summary>
internal sealed class ProductionChecklistValidator(IConfiguration configuration, IOptions<JwtSettings> jwt, IOptions<SecuritySettings> security)
    : IValidateOptions<WebSettings>
{
    public ValidateOptionsResult Validate(string? name, WebSettings options)
    {
        if (options.Debug || jwt.ValidOrNull() is not { } tokens || security.ValidOrNull() is not { } hardening) return ValidateOptionsResult.Skip;
        IReadOnlyList<string> failures;
        try
        {
            failures = StartupChecks.Run(configuration, options, tokens, hardening);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or UriFormatException)
        {
            // An unparsable URL: WebSettingsValidator reports it.
            return ValidateOptionsResult.Skip;
        }
        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures.Select(f => f + " (fatal with DEBUG=false)")) : ValidateOptionsResult.Success;
    }
}
