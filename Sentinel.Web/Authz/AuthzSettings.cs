using Sentinel.Configuration;

namespace Sentinel.Web.Authz;

/// <summary>Settings authz mode reads beside the provider and token settings.</summary>
public sealed class AuthzSettings
{
    /// <summary><c>ADMIN_EMAILS</c>: comma list; a first sign-in with one of them creates or links an admin. Default: none.</summary>
    public IReadOnlySet<string> AdminEmails { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary><c>COOKIE_SECURE</c>: the IdP-proxy cookie is <c>Secure</c>. Default: false.</summary>
    public bool CookieSecure { get; init; }

    /// <summary><c>IDP_TOKEN_MAX_LENGTH</c>: longer <c>idp_token</c> values are refused with 422 (the original was unbounded). Default: 16384.</summary>
    public int IdpTokenMaxLength { get; init; } = 16384;

    /// <summary>Binds the settings; throws listing every unreadable value (the process itself goes through <see cref="Hosting.WebSettingsSetup"/>).</summary>
    public static AuthzSettings FromConfiguration(IConfiguration c) => SettingsBinder.Bind(c, Bind);

    internal static AuthzSettings Bind(SettingsReader r) => new()
    {
        AdminEmails = new HashSet<string>(r.List("ADMIN_EMAILS"), StringComparer.OrdinalIgnoreCase),
        CookieSecure = r.Bool("COOKIE_SECURE", false),
        IdpTokenMaxLength = r.Int("IDP_TOKEN_MAX_LENGTH", 16384),
    };
}
