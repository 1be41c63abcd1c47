using Microsoft.Extensions.Options;
using Sentinel.Configuration;
using Sentinel.Web.Providers;

namespace Sentinel.Web.SignIn;

/// <summary>Sign-in and session settings, from the contract's variables (docs/sessions.md).</summary>
public sealed class SignInSettings
{
    /// <summary><c>BASE_URL</c>: where identity providers send people back. Default: <c>http://localhost:9003</c>.</summary>
    public string BaseUrl { get; set; } = "http://localhost:9003";

    /// <summary><c>ADMIN_URL</c>: the admin panel, where admin sign-in lands. Default: <c>http://localhost:9004</c>.</summary>
    public string AdminUrl { get; set; } = "http://localhost:9004";

    /// <summary><c>COOKIE_SECURE</c>: <c>Secure</c> on every cookie Sentinel sets. Default: false.</summary>
    public bool CookieSecure { get; set; }

    /// <summary><c>ADMIN_EMAILS</c>: comma list; a first sign-in with one of these becomes admin. Default: none.</summary>
    public IReadOnlyList<string> AdminEmails { get; set; } = [];

    /// <summary><c>REFRESH_REUSE_GRACE_SECONDS</c>: see <see cref="Sentinel.Grains.Sessions.SessionPolicy.ReuseGrace"/>. Default: 0.</summary>
    public int RefreshReuseGraceSeconds { get; set; }

    /// <summary><c>MAX_SESSIONS_PER_USER</c>: live refresh families per user; the oldest is evicted. Default: 50.</summary>
    public int MaxSessionsPerUser { get; set; } = 50;

    /// <summary><c>DEBUG</c>: allows plain-http identity-provider metadata off loopback, and serves <c>/demo</c>. Default: false.</summary>
    public bool Debug { get; set; }

    /// <summary>Binds the settings; throws listing every unreadable value (the process goes through the settings binder).</summary>
    public static SignInSettings FromConfiguration(IConfiguration c) => SettingsBinder.Bind(c, Bind);

    internal static SignInSettings Bind(SettingsReader r)
    {
        var s = new SignInSettings();
        s.BaseUrl = r.NonEmpty("BASE_URL", s.BaseUrl).TrimEnd('/');
        s.AdminUrl = r.NonEmpty("ADMIN_URL", s.AdminUrl).TrimEnd('/');
        s.CookieSecure = r.Bool("COOKIE_SECURE", s.CookieSecure);
        s.AdminEmails = r.List("ADMIN_EMAILS");
        s.RefreshReuseGraceSeconds = r.Int("REFRESH_REUSE_GRACE_SECONDS", s.RefreshReuseGraceSeconds);
        s.MaxSessionsPerUser = r.Int("MAX_SESSIONS_PER_USER", s.MaxSessionsPerUser);
        s.Debug = r.Bool("DEBUG", s.Debug);
        return s;
    }

    public bool IsAdminEmail(string email) => AdminEmails.Any(a => string.Equals(a, email.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>Every failure at once, reported with the others at startup.</summary>
    public IEnumerable<string> Validate(ProviderSettings providers)
    {
        if (!Uri.TryCreate(AdminUrl, UriKind.Absolute, out var admin) || admin.Scheme is not ("http" or "https"))
            yield return "ADMIN_URL must be an absolute http(s) URL.";
        if (RefreshReuseGraceSeconds is < 0 or > 300) yield return "REFRESH_REUSE_GRACE_SECONDS must be 0-300.";
        if (MaxSessionsPerUser is < 1 or > 1000) yield return "MAX_SESSIONS_PER_USER must be 1-1000.";
        foreach (var p in providers.Providers.Where(p => p.MetadataUrl is not null))
        {
            if (Uri.TryCreate(p.MetadataUrl, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback && !Debug)
                yield return $"The metadata URL of provider '{p.Id}' must use https (plain http only on loopback or with DEBUG=true).";
        }
        if (providers.Find("github") is not null)
        {
            foreach (var (name, value) in new[] { ("GITHUB_OAUTH_BASE_URL", providers.GitHubOAuthBaseUrl), ("GITHUB_API_BASE_URL", providers.GitHubApiBaseUrl) })
            {
                if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && (uri.IsLoopback || Debug))))
                    yield return $"{name} must be an https URL (plain http only on loopback or with DEBUG=true).";
            }
        }
    }
}

/// <summary>Reports every <see cref="SignInSettings"/> failure at once; the provider checks need valid provider settings.</summary>
internal sealed class SignInSettingsValidator(IOptions<ProviderSettings> providers) : IValidateOptions<SignInSettings>
{
    public ValidateOptionsResult Validate(string? name, SignInSettings options) =>
        options.Validate(providers.ValidOrNull() ?? new ProviderSettings()).ToList() is { Count: > 0 } failures
            ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
}
