using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Sentinel.Testing;

/// <summary>
/// A test RSA key written to a PEM file for the edge (<c>JWT_PRIVATE_KEY_PATH</c>), and a minter that signs tokens with
/// it independently of Sentinel's own code, so directory tests need no sign-in. The kid is computed by IdentityModel's
/// RFC 7638 implementation, which also checks ours.
/// </summary>
public static class TestKeys
{
    private static readonly Lazy<(RSA Rsa, string Path, string Kid)> Key = new(Create);

    public static string PrivateKeyPath => Key.Value.Path;
    public static string Kid => Key.Value.Kid;
    public static RSA Rsa => Key.Value.Rsa;

    /// <summary>Another key pair on disk, for rotation tests (public path, private path, kid).</summary>
    public static (string PublicPath, string PrivatePath, string Kid, RSA Rsa) NewKeyPair()
    {
        var rsa = RSA.Create(2048);
        var dir = Directory.CreateTempSubdirectory("sentinel-key-").FullName;
        var priv = System.IO.Path.Combine(dir, "private.pem");
        var pub = System.IO.Path.Combine(dir, "public.pem");
        File.WriteAllText(priv, rsa.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(pub, rsa.ExportSubjectPublicKeyInfoPem());
        return (pub, priv, ThumbprintOf(rsa), rsa);
    }

    public static string ThumbprintOf(RSA rsa)
    {
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.ExportParameters(false)));
        return Base64UrlEncoder.Encode(jwk.ComputeJwkThumbprint());
    }

    private static (RSA, string, string) Create()
    {
        var rsa = RSA.Create(2048);
        var dir = Directory.CreateTempSubdirectory("sentinel-testkey-").FullName;
        var path = System.IO.Path.Combine(dir, "private.pem");
        File.WriteAllText(path, rsa.ExportPkcs8PrivateKeyPem());
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return (rsa, path, ThumbprintOf(rsa));
    }
}

/// <summary>Mints contract-shaped tokens (aud, type and claims per kind) with the test key.</summary>
public static class TestTokens
{
    public const string Issuer = "http://localhost:9003";

    public static string Access(Guid userId, Guid workspaceId, string role, string issuer = Issuer, IEnumerable<Guid>? groups = null,
        string email = "user@example.com", string name = "Test User", TimeSpan? lifetime = null, Guid? jti = null, DateTimeOffset? issuedAt = null,
        RSA? key = null, string? kid = null, bool includeKid = true, string type = "access", string audience = "sentinel:access")
    {
        var payload = new JsonObject
        {
            ["iss"] = issuer,
            ["sub"] = userId.ToString(),
            ["aud"] = audience,
            ["type"] = type,
            ["jti"] = (jti ?? Guid.NewGuid()).ToString(),
            ["email"] = email,
            ["name"] = name,
            ["wid"] = workspaceId.ToString(),
            ["wslug"] = "ws",
            ["wrole"] = role,
            ["groups"] = new JsonArray((groups ?? []).Select(g => (JsonNode?)g.ToString()).ToArray()),
        };
        return Sign(payload, lifetime ?? TimeSpan.FromMinutes(15), issuedAt, key, kid, includeKid);
    }

    public static string Sign(JsonObject payload, TimeSpan lifetime, DateTimeOffset? issuedAt = null, RSA? key = null, string? kid = null, bool includeKid = true)
    {
        var iat = (issuedAt ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();
        payload["iat"] = iat;
        payload["exp"] = iat + (long)lifetime.TotalSeconds;
        var securityKey = new RsaSecurityKey(key ?? TestKeys.Rsa);
        if (includeKid) securityKey.KeyId = kid ?? (key is null ? TestKeys.Kid : TestKeys.ThumbprintOf(key));
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        return handler.CreateToken(payload.ToJsonString(), new SigningCredentials(securityKey, SecurityAlgorithms.RsaSha256));
    }
}
