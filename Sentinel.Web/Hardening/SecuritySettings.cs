using Sentinel.Configuration;

namespace Sentinel.Web.Hardening;

/// <summary>The seed's production checklist settings (deployment page; docs/hardening.md).</summary>
public sealed class SecuritySettings
{
    /// <summary><c>COOKIE_SECURE</c>: Secure cookies and HSTS. Default: false (refused when <c>DEBUG=false</c>).</summary>
    public bool CookieSecure { get; init; }

    /// <summary>
    /// <c>ALLOWED_HOSTS</c>: comma list, <c>*.suffix</c> allowed; <c>*</c> turns the check off. Unset ⇒ the hosts of BASE_URL
    /// and ADMIN_URL, plus (only with <c>DEBUG=true</c>) the loopback names <see cref="LoopbackHosts"/>, so
    /// <c>http://127.0.0.1:9003</c> works after <c>make start</c> as <c>localhost</c> does. Production is unchanged.
    /// </summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = [];

    /// <summary><c>CORS_ORIGINS</c>: static origins. Default: <c>http://localhost:3000,http://localhost:9101</c>.</summary>
    public IReadOnlyList<string> CorsOrigins { get; init; } = [];

    /// <summary><c>ADMIN_URL</c>. Default: <c>http://localhost:9004</c>.</summary>
    public string AdminUrl { get; init; } = "http://localhost:9004";

    /// <summary><c>FRONTEND_URL</c>. Default: <c>http://localhost:3000</c>.</summary>
    public string FrontendUrl { get; init; } = "http://localhost:3000";

    /// <summary><c>LOG_PII_REDACTION</c>. Default: true; may not be false when <c>DEBUG=false</c>.</summary>
    public bool PiiRedaction { get; init; } = true;

    /// <summary><c>LOG_FORMAT</c>: <c>json</c> (default) or <c>console</c>.</summary>
    public string LogFormat { get; init; } = "json";

    /// <summary><c>METRICS_ALLOWED_NETWORKS</c>: CIDRs allowed to read <c>/metrics</c>. Default: empty = anyone who reaches it.</summary>
    public IReadOnlyList<string> MetricsAllowedNetworks { get; init; } = [];

    /// <summary>The names a development machine reaches itself by; <c>[::1]</c> as <see cref="HostString.Host"/> gives it.</summary>
    public static readonly IReadOnlyList<string> LoopbackHosts = ["localhost", "127.0.0.1", "[::1]"];

    /// <summary>Binds the settings for the issuer <paramref name="baseUrl"/>; throws listing every unreadable value.</summary>
    public static SecuritySettings FromConfiguration(IConfiguration c, string baseUrl) => SettingsBinder.Bind(c, r => Bind(r, baseUrl));

    /// <summary>Binds the settings; the issuer is <c>BASE_URL</c> as <see cref="Tokens.JwtSettings"/> reads it.</summary>
    internal static SecuritySettings Bind(SettingsReader r) => Bind(r, r.NonEmpty("BASE_URL", "http://localhost:9003").TrimEnd('/'));

    private static SecuritySettings Bind(SettingsReader r, string baseUrl)
    {
        var adminUrl = r.NonEmpty("ADMIN_URL", "http://localhost:9004").TrimEnd('/');
        var debug = r.Bool("DEBUG", false);
        var hosts = r.List("ALLOWED_HOSTS");
        if (hosts.Count == 0)
            hosts = new[] { baseUrl, adminUrl }.Select(u => Uri.TryCreate(u, UriKind.Absolute, out var uri) ? uri.Host : null)
                .Where(h => h is not null).Select(h => h!)
                // Development only: a loopback name is no attack surface there, while production stays fail-closed
                // on exactly the hosts of its URLs.
                .Concat(debug ? LoopbackHosts : [])
                .Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        return new SecuritySettings
        {
            CookieSecure = r.Bool("COOKIE_SECURE", false),
            AllowedHosts = hosts.Count == 0 ? ["*"] : hosts,
            CorsOrigins = r.Raw("CORS_ORIGINS") is not null ? r.List("CORS_ORIGINS") : ["http://localhost:3000", "http://localhost:9101"],
            AdminUrl = adminUrl,
            FrontendUrl = r.NonEmpty("FRONTEND_URL", "http://localhost:3000"),
            PiiRedaction = r.Bool("LOG_PII_REDACTION", true),
            LogFormat = r.String("LOG_FORMAT", "json").Trim().ToLowerInvariant(),
            MetricsAllowedNetworks = r.List("METRICS_ALLOWED_NETWORKS"),
        };
    }

    public bool AllowsAnyHost => AllowedHosts.Contains("*");
}
