using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace Sentinel.Web.Tokens;

/// <summary>
/// The current signing key, the announced next key and the retired previous keys. Each key's <c>kid</c> is its RFC 7638
/// thumbprint. Only the current and previous keys verify; the next key is published so caches learn it in advance.
/// </summary>
public sealed class SigningKeys
{
    public SigningKeys(JwtSettings settings)
    {
        var current = RSA.Create();
        current.ImportFromPem(File.ReadAllText(settings.PrivateKeyPath));
        Current = WithKid(new RsaSecurityKey(current));
        Credentials = new SigningCredentials(Current, SecurityAlgorithms.RsaSha256);
        Next = settings.NextPublicKeyPath is { } next ? LoadPublic(next) : null;
        Previous = settings.PreviousPublicKeyPaths.Select(LoadPublic).ToArray();
        // A key must never be both "next" and "current": the next key verifies nothing until it is promoted.
        var verifying = new Dictionary<string, SecurityKey>(StringComparer.Ordinal) { [Current.KeyId] = Current };
        foreach (var key in Previous) verifying.TryAdd(key.KeyId, key);
        VerifyingKeys = verifying;
        Jwks = BuildJwks([Current, .. Next is null ? Array.Empty<RsaSecurityKey>() : [Next], .. Previous]);
    }

    public RsaSecurityKey Current { get; }
    public RsaSecurityKey? Next { get; }
    public IReadOnlyList<RsaSecurityKey> Previous { get; }
    public SigningCredentials Credentials { get; }

    /// <summary>Keys that verify, by kid.</summary>
    public IReadOnlyDictionary<string, SecurityKey> VerifyingKeys { get; }

    /// <summary>The JWKS document: current first (the Python SDK uses <c>keys[0]</c>), then next, then previous.</summary>
    public object Jwks { get; }

    private static RsaSecurityKey LoadPublic(string path)
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(File.ReadAllText(path));
        return WithKid(new RsaSecurityKey(rsa.ExportParameters(false)));
    }

    private static RsaSecurityKey WithKid(RsaSecurityKey key)
    {
        key.KeyId = Thumbprint(key);
        return key;
    }

    /// <summary>The key's <c>kid</c>: its RFC 7638 thumbprint, computed where the silo computes it too.</summary>
    public static string Thumbprint(RsaSecurityKey key) =>
        Sentinel.Tokens.RsaVerificationKeys.Thumbprint(key.Rsa?.ExportParameters(false) ?? key.Parameters);

    private static object BuildJwks(IEnumerable<RsaSecurityKey> keys) => new
    {
        keys = keys.Select(k =>
        {
            var p = k.Rsa?.ExportParameters(false) ?? k.Parameters;
            return new Dictionary<string, object>
            {
                ["kty"] = "RSA",
                ["key_ops"] = new[] { "verify" },
                ["n"] = Base64UrlEncoder.Encode(p.Modulus),
                ["e"] = Base64UrlEncoder.Encode(p.Exponent),
                ["use"] = "sig",
                ["alg"] = "RS256",
                ["kid"] = k.KeyId,
            };
        }).ToArray(),
    };
}
