using Microsoft.Extensions.Options;
using Sentinel.Configuration;

namespace Sentinel.Web.Hosting;

/// <summary>Edge settings, bound from the environment (the seed's names where it has them); the Redis and cluster ids are the silo's (<see cref="ClusterConnectionSettings"/>).</summary>
public sealed class WebSettings : ClusterConnectionSettings
{
    /// <summary><c>SERVICE_HOST</c>: bind address. Default: 127.0.0.1 (containers set 0.0.0.0).</summary>
    public string ServiceHost { get; set; } = "127.0.0.1";

    /// <summary><c>SERVICE_PORT</c>: the API. Default: 9003.</summary>
    public int ApiPort { get; set; } = 9003;

    /// <summary><c>ADMIN_PORT</c>: the admin panel, same process. Default: 9004; 0 turns it off.</summary>
    public int AdminPort { get; set; } = 9004;

    /// <summary><c>SESSION_SECRET_KEY</c>: encrypts the shared data-protection key ring. Default: the seed's dev value, refused when <c>DEBUG=false</c> by hardening.</summary>
    public string SessionSecretKey { get; set; } = DefaultSessionSecret;

    /// <summary><c>GRAIN_CALL_TIMEOUT_MS</c>: each grain call's own bound. Default: 5000.</summary>
    public int GrainCallTimeoutMs { get; set; } = 5000;

    /// <summary><c>DEBUG</c>. Default: false.</summary>
    public bool Debug { get; set; }

    public const string DefaultSessionSecret = "dev-only-change-me-in-production";

    /// <summary>Binds the settings; throws listing every unreadable value (the process itself goes through <see cref="WebSettingsSetup"/>).</summary>
    public static WebSettings FromConfiguration(IConfiguration c) => SettingsBinder.Bind(c, Bind);

    internal static WebSettings Bind(SettingsReader r)
    {
        var s = new WebSettings();
        s.ServiceHost = r.String("SERVICE_HOST", s.ServiceHost);
        s.ApiPort = r.Int("SERVICE_PORT", s.ApiPort);
        s.AdminPort = r.Int("ADMIN_PORT", s.AdminPort);
        s.BindConnection(r);
        s.SessionSecretKey = r.NonEmpty("SESSION_SECRET_KEY", s.SessionSecretKey);
        s.GrainCallTimeoutMs = r.Int("GRAIN_CALL_TIMEOUT_MS", s.GrainCallTimeoutMs);
        s.Debug = r.Bool("DEBUG", s.Debug);
        return s;
    }
}

/// <summary>Collects every failure at once.</summary>
internal sealed class WebSettingsValidator : IValidateOptions<WebSettings>
{
    public ValidateOptionsResult Validate(string? name, WebSettings s)
    {
        var failures = new List<string>();
        if (s.ApiPort is <= 0 or > 65535) failures.Add("SERVICE_PORT must be 1-65535.");
        if (s.AdminPort is < 0 or > 65535) failures.Add("ADMIN_PORT must be 0-65535.");
        if (s.AdminPort == s.ApiPort) failures.Add("ADMIN_PORT must differ from SERVICE_PORT.");
        if (!System.Net.IPAddress.TryParse(s.ServiceHost, out _)) failures.Add("SERVICE_HOST must be an IP address.");
        if (s.GrainCallTimeoutMs is < 100 or > 60000) failures.Add("GRAIN_CALL_TIMEOUT_MS must be 100-60000.");
        if (s.SessionSecretKey.Length < 16) failures.Add("SESSION_SECRET_KEY must be at least 16 characters.");
        s.ValidateConnection(failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
