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

    public static AuthzSettings FromConfiguration(IConfiguration c) => new()
    {
        AdminEmails = new HashSet<string>((c["ADMIN_EMAILS"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            StringComparer.OrdinalIgnoreCase),
        CookieSecure = Hosting.WebSettings.Bool(c, "COOKIE_SECURE", false),
        IdpTokenMaxLength = Hosting.WebSettings.Int(c, "IDP_TOKEN_MAX_LENGTH", 16384),
    };
}
