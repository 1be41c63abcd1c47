using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace Sentinel.Web.Tokens;

/// <summary>
/// The HMAC keys of refresh tokens (HS256). Only Sentinel ever reads a refresh token (the SDKs post it back as an opaque
/// string), so it needs no public key: one symmetric signature instead of an RSA one on every refresh.
/// </summary>
/// <remarks>
/// <para>Key material: <c>REFRESH_TOKEN_KEY</c> (written by <c>make setup</c>), or, when unset, <c>SESSION_SECRET_KEY</c>,
/// which every web replica already shares. Either way the HMAC key is HKDF-SHA256(material, info
/// <see cref="KeyInfo"/>), so it is never the raw secret, and the data-protection and log-pseudonym keys derived from the
/// same secret (other <c>info</c> labels) are independent of it.</para>
/// <para>Rotation works like the RSA keys': <c>REFRESH_TOKEN_PREVIOUS_KEYS</c> (comma-separated) still verify and sign
/// nothing. Put the old key there when setting a new one, and drop it one refresh lifetime later.</para>
/// <para>The <c>kid</c> is <c>hs256.</c> + base64url of the first 12 bytes of HMAC-SHA256(key, <see cref="KidInfo"/>):
/// stable per key, never equal to an RFC 7638 RSA thumbprint (43 characters, no dot), and it reveals nothing of the key.</para>
/// </remarks>
public sealed class RefreshKeys
{
    public const string Algorithm = SecurityAlgorithms.HmacSha256;

    /// <summary>Shortest configured key material accepted in production: 32 characters (make setup writes 64 hex digits).</summary>
    public const int MinMaterialLength = 32;

    private static readonly byte[] KeyInfo = "sentinel/refresh-token/hs256/v1"u8.ToArray();
    private static readonly byte[] KidInfo = "sentinel/refresh-token/kid/v1"u8.ToArray();

    public RefreshKeys(RefreshKeySettings settings)
    {
        Current = Derive(settings.CurrentMaterial);
        Credentials = new SigningCredentials(Current, Algorithm);
        var verifying = new Dictionary<string, SymmetricSecurityKey>(StringComparer.Ordinal) { [Current.KeyId] = Current };
        foreach (var material in settings.PreviousMaterials)
        {
            var key = Derive(material);
            verifying.TryAdd(key.KeyId, key);
        }
        VerifyingKeys = verifying;
    }

    public SymmetricSecurityKey Current { get; }
    public SigningCredentials Credentials { get; }

    /// <summary>Current and previous keys, by kid.</summary>
    public IReadOnlyDictionary<string, SymmetricSecurityKey> VerifyingKeys { get; }

    /// <summary>The HMAC key and its kid for one key material.</summary>
    public static SymmetricSecurityKey Derive(string material)
    {
        var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(material), 32, info: KeyInfo);
        var kid = HMACSHA256.HashData(key, KidInfo);
        return new SymmetricSecurityKey(key) { KeyId = "hs256." + Base64UrlEncoder.Encode(kid[..12]) };
    }
}

/// <summary>Where the refresh-token keys come from (<see cref="RefreshKeys"/>).</summary>
/// <param name="CurrentMaterial">The signing key's material.</param>
/// <param name="PreviousMaterials">Retired keys that still verify.</param>
/// <param name="Configured">True when <c>REFRESH_TOKEN_KEY</c> is set; false when derived from <c>SESSION_SECRET_KEY</c>.</param>
public sealed record RefreshKeySettings(string CurrentMaterial, IReadOnlyList<string> PreviousMaterials, bool Configured)
{
    public static RefreshKeySettings FromConfiguration(IConfiguration c, Infrastructure.Hosting.WebSettings web)
    {
        var configured = c["REFRESH_TOKEN_KEY"] is { Length: > 0 } k ? k : null;
        var previous = (c["REFRESH_TOKEN_PREVIOUS_KEYS"] ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new RefreshKeySettings(configured ?? web.SessionSecretKey, previous, configured is not null);
    }

    /// <summary>The production checklist's part (<see cref="StartupChecks"/>).</summary>
    public IEnumerable<string> ProductionFailures()
    {
        // Unset: the key is derived from SESSION_SECRET_KEY, whose own check already refuses a missing or default value.
        if (Configured && CurrentMaterial.Length < RefreshKeys.MinMaterialLength)
            yield return $"REFRESH_TOKEN_KEY must be at least {RefreshKeys.MinMaterialLength} characters of random (make setup writes 64 hex digits).";
        if (PreviousMaterials.Contains(CurrentMaterial, StringComparer.Ordinal))
            yield return "REFRESH_TOKEN_PREVIOUS_KEYS lists the current REFRESH_TOKEN_KEY.";
        if (PreviousMaterials.Any(p => p.Length < RefreshKeys.MinMaterialLength))
            yield return $"REFRESH_TOKEN_PREVIOUS_KEYS has an entry shorter than {RefreshKeys.MinMaterialLength} characters.";
    }
}
