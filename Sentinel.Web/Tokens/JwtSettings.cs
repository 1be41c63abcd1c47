using Microsoft.Extensions.Options;
using Sentinel.Configuration;

namespace Sentinel.Web.Tokens;

/// <summary>Signing keys and token lifetimes, from the seed's variables (docs/key-rotation.md, docs/sessions.md).</summary>
public sealed class JwtSettings
{
    /// <summary><c>JWT_PRIVATE_KEY_PATH</c>: the current signing key (RSA PEM). Default: <c>keys/private.pem</c>.</summary>
    public string PrivateKeyPath { get; set; } = "keys/private.pem";

    /// <summary><c>JWT_NEXT_PUBLIC_KEY_PATH</c>: announced in JWKS before it signs; verifies nothing. Default: none.</summary>
    public string? NextPublicKeyPath { get; set; }

    /// <summary><c>JWT_PREVIOUS_PUBLIC_KEY_PATHS</c>: comma-separated retired keys that still verify. Default: none.</summary>
    public IReadOnlyList<string> PreviousPublicKeyPaths { get; set; } = [];

    /// <summary><c>JWT_ALGORITHM</c>: must be RS256.</summary>
    public string Algorithm { get; set; } = "RS256";

    /// <summary><c>BASE_URL</c>: the issuer, a bare origin. Default: <c>http://localhost:9003</c>.</summary>
    public string Issuer { get; set; } = "http://localhost:9003";

    /// <summary><c>ACCESS_TOKEN_EXPIRE_MINUTES</c>. Default: 15.</summary>
    public int AccessMinutes { get; set; } = 15;

    /// <summary><c>REFRESH_TOKEN_EXPIRE_DAYS</c>. Default: 7.</summary>
    public int RefreshDays { get; set; } = 7;

    /// <summary><c>ADMIN_TOKEN_EXPIRE_MINUTES</c>. Default: 60.</summary>
    public int AdminMinutes { get; set; } = 60;

    /// <summary><c>AUTHZ_TOKEN_EXPIRE_MINUTES</c>. Default: 5.</summary>
    public int AuthzMinutes { get; set; } = 5;

    /// <summary><c>ACCEPT_TOKENS_WITHOUT_KID</c>: cutover from v0.10 only; such tokens verify against the current key alone. Default: false.</summary>
    public bool AcceptTokensWithoutKid { get; set; }

    /// <summary>Binds the settings; throws listing every unreadable value (the process goes through the settings binder).</summary>
    public static JwtSettings FromConfiguration(IConfiguration c) => SettingsBinder.Bind(c, Bind);

    internal static JwtSettings Bind(SettingsReader r)
    {
        var s = new JwtSettings();
        s.PrivateKeyPath = r.NonEmpty("JWT_PRIVATE_KEY_PATH", s.PrivateKeyPath);
        s.NextPublicKeyPath = r.Optional("JWT_NEXT_PUBLIC_KEY_PATH");
        s.PreviousPublicKeyPaths = r.List("JWT_PREVIOUS_PUBLIC_KEY_PATHS");
        s.Algorithm = r.NonEmpty("JWT_ALGORITHM", s.Algorithm);
        s.Issuer = r.NonEmpty("BASE_URL", s.Issuer).TrimEnd('/');
        s.AccessMinutes = r.Int("ACCESS_TOKEN_EXPIRE_MINUTES", s.AccessMinutes);
        s.RefreshDays = r.Int("REFRESH_TOKEN_EXPIRE_DAYS", s.RefreshDays);
        s.AdminMinutes = r.Int("ADMIN_TOKEN_EXPIRE_MINUTES", s.AdminMinutes);
        s.AuthzMinutes = r.Int("AUTHZ_TOKEN_EXPIRE_MINUTES", s.AuthzMinutes);
        s.AcceptTokensWithoutKid = r.Bool("ACCEPT_TOKENS_WITHOUT_KID", s.AcceptTokensWithoutKid);
        return s;
    }

    public IEnumerable<string> Validate()
    {
        if (Algorithm != "RS256") yield return "JWT_ALGORITHM must be RS256.";
        if (!File.Exists(PrivateKeyPath)) yield return $"JWT_PRIVATE_KEY_PATH '{PrivateKeyPath}' does not exist (run `make setup`).";
        if (NextPublicKeyPath is not null && !File.Exists(NextPublicKeyPath)) yield return $"JWT_NEXT_PUBLIC_KEY_PATH '{NextPublicKeyPath}' does not exist.";
        foreach (var path in PreviousPublicKeyPaths.Where(p => !File.Exists(p))) yield return $"JWT_PREVIOUS_PUBLIC_KEY_PATHS entry '{path}' does not exist.";
        if (!Uri.TryCreate(Issuer, UriKind.Absolute, out var issuer) || issuer.PathAndQuery != "/")
            yield return "BASE_URL must be a bare origin such as https://auth.example.com (no path).";
        if (AccessMinutes <= 0 || RefreshDays <= 0 || AdminMinutes <= 0 || AuthzMinutes <= 0) yield return "Token lifetimes must be positive.";
    }
}

/// <summary>Reports every <see cref="JwtSettings"/> failure at once.</summary>
internal sealed class JwtSettingsValidator : IValidateOptions<JwtSettings>
{
    public ValidateOptionsResult Validate(string? name, JwtSettings options) =>
        options.Validate().ToList() is { Count: > 0 } failures ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
}
