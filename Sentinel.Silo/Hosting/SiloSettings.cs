using System.Net;
using Microsoft.Extensions.Options;
using Sentinel.Configuration;

namespace Sentinel.Silo.Hosting;

/// <summary>Silo settings, bound from the environment (the seed's variable names where it has them).</summary>
public sealed class SiloSettings : ClusterConnectionSettings
{
    /// <summary><c>DATABASE_URL</c>. Default: the seed's dev database on 127.0.0.1:9001 with TLS.</summary>
    public string DatabaseUrl { get; set; } = "postgresql://identity:identity_dev@127.0.0.1:9001/identity?sslmode=require";

    /// <summary><c>DATABASE_CA_CERT</c>: CA file for PostgreSQL TLS. Default: none (encrypted, not verified, unless the URL says verify-full).</summary>
    public string? DatabaseCaCert { get; set; }

    /// <summary><c>SILO_PORT</c>: silo-to-silo. Default: 11111.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary><c>GATEWAY_PORT</c>: where clients (Web) connect. Default: 30000.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary><c>SILO_ADVERTISED_IP</c>: the address other silos and clients use. Default: 127.0.0.1.</summary>
    public string AdvertisedIp { get; set; } = "127.0.0.1";

    /// <summary><c>SILO_LISTEN_ANY</c>: listen on all interfaces instead of the advertised address (containers). Default: false.</summary>
    public bool ListenOnAny { get; set; }

    /// <summary><c>DASHBOARD_PORT</c>: Orleans dashboard; 0 turns it off. Default: 9005.</summary>
    public int DashboardPort { get; set; } = 9005;

    /// <summary><c>DASHBOARD_HOST</c>: bind address of the dashboard. Default: 127.0.0.1.</summary>
    public string DashboardHost { get; set; } = "127.0.0.1";

    /// <summary><c>METRICS_ALLOWED_NETWORKS</c>: CIDRs allowed to scrape <c>/metrics</c> on the dashboard's port. Default: empty
    /// = whoever reaches that port (<c>DASHBOARD_HOST</c> is loopback by default).</summary>
    public string MetricsAllowedNetworks { get; set; } = "";

    /// <summary><c>DEBUG</c>. Default: false.</summary>
    public bool Debug { get; set; }

    /// <summary>Binds the settings; throws listing every unreadable value (the process goes through <see cref="SiloSettingsSetup"/>).</summary>
    public static SiloSettings FromConfiguration(IConfiguration c) => SettingsBinder.Bind(c, Bind);

    internal static SiloSettings Bind(SettingsReader r)
    {
        var s = new SiloSettings();
        s.DatabaseUrl = r.String("DATABASE_URL", s.DatabaseUrl);
        s.DatabaseCaCert = r.Raw("DATABASE_CA_CERT") ?? s.DatabaseCaCert;
        s.BindConnection(r);
        s.SiloPort = r.Int("SILO_PORT", s.SiloPort);
        s.GatewayPort = r.Int("GATEWAY_PORT", s.GatewayPort);
        s.AdvertisedIp = r.String("SILO_ADVERTISED_IP", s.AdvertisedIp);
        s.ListenOnAny = r.Bool("SILO_LISTEN_ANY", s.ListenOnAny);
        s.DashboardPort = r.Int("DASHBOARD_PORT", s.DashboardPort);
        s.DashboardHost = r.String("DASHBOARD_HOST", s.DashboardHost);
        s.MetricsAllowedNetworks = r.String("METRICS_ALLOWED_NETWORKS", s.MetricsAllowedNetworks);
        s.Debug = r.Bool("DEBUG", s.Debug);
        return s;
    }
}

/// <summary>Collects every settings failure at once, so an operator fixes them in one pass.</summary>
internal sealed class SiloSettingsValidator : IValidateOptions<SiloSettings>
{
    public ValidateOptionsResult Validate(string? name, SiloSettings s)
    {
        var failures = new List<string>();
        if (s.SiloPort is <= 0 or > 65535) failures.Add("SILO_PORT must be 1-65535.");
        if (s.GatewayPort is <= 0 or > 65535) failures.Add("GATEWAY_PORT must be 1-65535.");
        if (s.SiloPort == s.GatewayPort) failures.Add("SILO_PORT and GATEWAY_PORT must differ.");
        if (s.DashboardPort is < 0 or > 65535) failures.Add("DASHBOARD_PORT must be 0-65535.");
        if (!IPAddress.TryParse(s.AdvertisedIp, out _)) failures.Add("SILO_ADVERTISED_IP must be an IP address.");
        if (string.IsNullOrWhiteSpace(s.ClusterId)) failures.Add("CLUSTER_ID must not be empty.");
        if (string.IsNullOrWhiteSpace(s.ServiceId)) failures.Add("SERVICE_ID must not be empty.");
        try { DatabaseUrl.Parse(s.DatabaseUrl, s.DatabaseCaCert); }
        catch (Exception ex) when (ex is FormatException or ArgumentException or UriFormatException)
        { failures.Add("DATABASE_URL is not a valid PostgreSQL URL or connection string."); }
        s.ValidateConnection(failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
