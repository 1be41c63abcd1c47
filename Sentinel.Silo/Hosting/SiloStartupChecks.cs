using Microsoft.Extensions.Options;
using Sentinel.Configuration;

namespace Sentinel.Silo.Hosting;

/// <summary>The seed's production checklist, for what only the silo connects to.</summary>
public static class SiloStartupChecks
{
    public static IReadOnlyList<string> Run(SiloSettings s, IConfiguration c)
    {
        var failures = new List<string>();
        if (!DatabaseUrl.IsTls(DatabaseUrl.Parse(s.DatabaseUrl, s.DatabaseCaCert)))
            failures.Add("DATABASE_URL does not require TLS; use sslmode=require or verify-full.");
        var redis = RedisUrl.Parse(s.RedisUrl);
        if (!RedisUrl.HasPassword(redis)) failures.Add("REDIS_URL has no password.");
        if (!redis.Ssl) failures.Add("REDIS_URL is not rediss:// (Redis without TLS).");
        else if (!string.Equals(s.RedisTlsVerify, "required", StringComparison.OrdinalIgnoreCase))
            failures.Add("REDIS_URL uses rediss:// without REDIS_TLS_VERIFY=required.");
        if (!Sentinel.Observability.LoggingSetup.PiiRedaction(c)) failures.Add("LOG_PII_REDACTION is false.");
        if (Sentinel.Observability.LoggingSetup.LogFormat(c) is not ("json" or "console")) failures.Add("LOG_FORMAT must be json or console.");
        return failures;
    }
}

/// <summary>
/// The checklist as a validation of <see cref="SiloSettings"/>: fatal with <c>DEBUG=false</c>, listed with every other
/// failure; with <c>DEBUG=true</c> the process prints each as a warning instead.
/// </summary>
internal sealed class SiloProductionChecklistValidator(IConfiguration configuration) : IValidateOptions<SiloSettings>
{
    public ValidateOptionsResult Validate(string? name, SiloSettings options)
    {
        if (options.Debug) return ValidateOptionsResult.Skip;
        IReadOnlyList<string> failures;
        try
        {
            failures = SiloStartupChecks.Run(options, configuration);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or UriFormatException)
        {
            // An unparsable URL: SiloSettingsValidator reports it.
            return ValidateOptionsResult.Skip;
        }
        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures.Select(f => f + " (fatal with DEBUG=false)")) : ValidateOptionsResult.Success;
    }
}

/// <summary>
/// Every setting the silo reads at start-up, on the one settings binder (<see cref="SettingsBinder"/>), so a silo given
/// several bad values lists them all in one message.
/// </summary>
public static class SiloSettingsSetup
{
    /// <summary>Registers the silo's settings and validators; <paramref name="productionChecklist"/> adds the checklist (not for <c>migrate</c>).</summary>
    public static void Register(IServiceCollection services, IConfiguration configuration, bool productionChecklist)
    {
        var silo = services.AddSettings(configuration, SiloSettings.Bind).ValidateWith<SiloSettings, SiloSettingsValidator>();
        if (productionChecklist) silo.ValidateWith<SiloSettings, SiloProductionChecklistValidator>();
    }

    /// <summary>Binds and validates everything <see cref="Register"/> adds, all at once, before the host is built.</summary>
    internal static SettingsCheck Check(IConfiguration configuration, bool productionChecklist) =>
        SettingsBinder.Check(configuration, services => Register(services, configuration, productionChecklist));
}
