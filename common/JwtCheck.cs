using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Sentinel.Tokens;

/// <summary>What a presented JWT must satisfy: issuer, audience, <c>type</c> claim, the algorithms it may name, its keys.</summary>
/// <param name="Issuer">The exact <c>iss</c>.</param>
/// <param name="Audience">The exact <c>aud</c>.</param>
/// <param name="Type">The exact <c>type</c> claim; another value gives <see cref="JwtVerdict.WrongType"/>.</param>
/// <param name="Algorithms">The <c>alg</c> values accepted (RS256 for every RSA-signed kind).</param>
/// <param name="ResolveKey">The key for the token's <c>alg</c> and <c>kid</c>; an empty answer refuses the token.</param>
/// <param name="ReadsRevocationStamp">Read the <c>rvk</c> claim (admin, authz and refresh tokens).</param>
/// <param name="ReadsSessionId">Read the <c>sid</c> claim (access tokens).</param>
internal sealed record JwtRules(
    string Issuer,
    string Audience,
    string Type,
    IReadOnlyCollection<string> Algorithms,
    IssuerSigningKeyResolver ResolveKey,
    bool ReadsRevocationStamp = false,
    bool ReadsSessionId = false);

/// <summary>The verdict on a presented JWT. Expected outcomes are values.</summary>
internal abstract record JwtVerdict
{
    /// <summary>Every check passed.</summary>
    /// <param name="IssuedAt">The <c>iat</c>; the earliest instant when the token has none, so any revocation cut-off refuses it.</param>
    /// <param name="MintedUnder">The <c>rvk</c> stamp: the revocation cut-off the token was minted under.</param>
    /// <param name="SessionId">The <c>sid</c>: the access token's refresh family.</param>
    public sealed record Valid(JsonWebToken Token, Guid Subject, Guid Jti, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt,
        DateTimeOffset? MintedUnder, Guid? SessionId) : JwtVerdict;

    /// <summary>Size, signature, key, algorithm, audience, issuer, lifetime or a claim failed: one generic answer for all.</summary>
    public sealed record Invalid : JwtVerdict
    {
        public static readonly Invalid Instance = new();
    }

    /// <summary>The token verified, but its <c>type</c> claim names another kind.</summary>
    public sealed record WrongType : JwtVerdict
    {
        public static readonly WrongType Instance = new();
    }
}

/// <summary>
/// The one verification of Sentinel's JWTs, used by the edge (TokenService) and by the silo's dashboard gate
/// (DashboardAccess), so the security checks exist once.
/// </summary>
internal static class JwtCheck
{
    /// <summary>Tokens longer than this are refused before any parsing.</summary>
    public const int MaxTokenLength = 8192;

    /// <summary>
    /// How far in the future an <c>iat</c> may be: the clock difference tolerated between the replica that minted a token
    /// and the one that checks it. A token minted "later" than that is forged with a stolen key or from a broken clock,
    /// and would outlive every revocation cut-off.
    /// </summary>
    public static readonly TimeSpan MaxIssuedAtSkew = TimeSpan.FromSeconds(60);

    /// <summary>Private claim: the user's revocation cut-off when the token was minted, in microseconds since the epoch.</summary>
    public const string RevocationClaim = "rvk";

    /// <summary>The access token's session: its refresh family id.</summary>
    public const string SessionIdClaim = "sid";

    private static readonly long MaxStampMicros = (DateTimeOffset.MaxValue.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    // Validation only: the handler keeps no per-token state, so one instance serves every caller.
    private static readonly JsonWebTokenHandler Handler = new();

    /// <summary>
    /// Verifies signature (by <c>kid</c>, through <see cref="JwtRules.ResolveKey"/>), algorithm, audience, issuer and
    /// expiry with zero leeway, then <c>crit</c>, <c>type</c>, <c>sub</c>, <c>jti</c>, <c>iat</c> and the kind's own claims.
    /// </summary>
    public static async Task<JwtVerdict> VerifyAsync(string token, JwtRules rules, TimeProvider time)
    {
        if (token.Length > MaxTokenLength) return JwtVerdict.Invalid.Instance;
        var parameters = new TokenValidationParameters
        {
            ValidIssuer = rules.Issuer,
            ValidAudience = rules.Audience,
            ValidAlgorithms = rules.Algorithms,
            ClockSkew = TimeSpan.Zero,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            RequireAudience = true,
            TryAllIssuerSigningKeys = false,
            IssuerSigningKeyResolver = rules.ResolveKey,
            LifetimeValidator = (notBefore, expires, _, _) =>
            {
                var now = time.GetUtcNow().UtcDateTime;
                return expires is { } exp && exp > now && (notBefore is null || notBefore <= now);
            },
        };
        var result = await Handler.ValidateTokenAsync(token, parameters);
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt) return JwtVerdict.Invalid.Instance;
        // RFC 7515 §4.1.11: a recipient must reject a token whose crit names an extension it does not understand.
        // Sentinel understands none, so any crit (even an empty or malformed one) is refused.
        if (jwt.TryGetHeaderValue<object>("crit", out _)) return JwtVerdict.Invalid.Instance;
        if (!jwt.TryGetPayloadValue<string>("type", out var type) || type != rules.Type) return JwtVerdict.WrongType.Instance;
        if (!Guid.TryParse(jwt.Subject, out var subject) || !Guid.TryParse(jwt.Id, out var jti)) return JwtVerdict.Invalid.Instance;
        if (IssuedAt(jwt, time) is not { } issuedAt) return JwtVerdict.Invalid.Instance;
        DateTimeOffset? mintedUnder = null;
        if (rules.ReadsRevocationStamp && jwt.TryGetClaim(RevocationClaim, out _))
        {
            if (!jwt.TryGetPayloadValue<long>(RevocationClaim, out var stamp) || stamp < 0 || stamp > MaxStampMicros) return JwtVerdict.Invalid.Instance;
            mintedUnder = DateTimeOffset.UnixEpoch.AddTicks(stamp * 10);
        }
        Guid? sessionId = null;
        if (rules.ReadsSessionId && jwt.TryGetClaim(SessionIdClaim, out _))
        {
            if (!Guid.TryParse(jwt.TryGetPayloadValue<string>(SessionIdClaim, out var sid) ? sid : null, out var parsed)) return JwtVerdict.Invalid.Instance;
            sessionId = parsed;
        }
        return new JwtVerdict.Valid(jwt, subject, jti, issuedAt, new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero), mintedUnder, sessionId);
    }

    /// <summary>
    /// The <c>iat</c>, or null when the token must be refused (malformed, or more than <see cref="MaxIssuedAtSkew"/> ahead
    /// of now). A token without <c>iat</c> gets the earliest instant, so that any revocation cut-off refuses it.
    /// </summary>
    private static DateTimeOffset? IssuedAt(JsonWebToken jwt, TimeProvider time)
    {
        if (!jwt.TryGetClaim("iat", out _)) return DateTimeOffset.MinValue;
        if (!jwt.TryGetPayloadValue<long>("iat", out var iat) || iat < 0 || iat > DateTimeOffset.MaxValue.ToUnixTimeSeconds() - 1) return null;
        var seconds = DateTimeOffset.FromUnixTimeSeconds(iat);
        return seconds > time.GetUtcNow() + MaxIssuedAtSkew ? null : seconds;
    }
}

/// <summary>RSA verification keys by <c>kid</c> (the RFC 7638 thumbprint), for RS256 tokens only.</summary>
internal sealed class RsaVerificationKeys
{
    private readonly Dictionary<string, SecurityKey> keys = new(StringComparer.Ordinal);

    /// <summary>The public halves of the PEM files (private or public) that exist; <paramref name="missing"/> hears of the others.</summary>
    public static RsaVerificationKeys FromPemFiles(IEnumerable<string> paths, Action<string>? missing = null)
    {
        var ring = new RsaVerificationKeys();
        foreach (var path in paths)
        {
            if (!File.Exists(path))
            {
                missing?.Invoke(path);
                continue;
            }
            using var rsa = RSA.Create();
            rsa.ImportFromPem(File.ReadAllText(path));
            ring.Add(rsa.ExportParameters(false));
        }
        return ring;
    }

    /// <summary>Adds a public key; its <c>kid</c> is its thumbprint. Returns the kid.</summary>
    public string Add(RSAParameters publicKey)
    {
        var key = new RsaSecurityKey(new RSAParameters { Exponent = publicKey.Exponent, Modulus = publicKey.Modulus });
        key.KeyId = Thumbprint(key.Parameters);
        keys.TryAdd(key.KeyId, key);
        return key.KeyId;
    }

    public int Count => keys.Count;

    /// <summary>
    /// The key for an RS256 token's <c>kid</c>. A token naming any other algorithm (<c>none</c>, or HS256 hoping the RSA
    /// public key's bytes serve as an HMAC secret) gets no key, whatever its kid says, and is refused.
    /// </summary>
    public IEnumerable<SecurityKey> Resolve(string token, SecurityToken securityToken, string? kid, TokenValidationParameters parameters)
    {
        if ((securityToken as JsonWebToken)?.Alg != SecurityAlgorithms.RsaSha256) return [];
        return kid is not null && keys.TryGetValue(kid, out var key) ? [key] : [];
    }

    /// <summary>The RFC 7638 JWK thumbprint of an RSA public key, base64url: Sentinel's <c>kid</c>.</summary>
    public static string Thumbprint(RSAParameters p)
    {
        var json = $"{{\"e\":\"{Base64UrlEncoder.Encode(p.Exponent)}\",\"kty\":\"RSA\",\"n\":\"{Base64UrlEncoder.Encode(p.Modulus)}\"}}";
        return Base64UrlEncoder.Encode(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(json)));
    }
}

/// <summary>The admin token (the <c>admin_token</c> cookie of the panel): RS256, <c>aud=sentinel:admin</c>, <c>type=admin_access</c>.</summary>
internal static class AdminTokenCheck
{
    public const string Audience = "sentinel:admin";
    public const string Type = "admin_access";
    public const string CookieName = "admin_token";

    private static readonly string[] RsaOnly = [SecurityAlgorithms.RsaSha256];

    /// <summary>The rules of an admin token from <paramref name="issuer"/>, verified by <paramref name="keys"/>.</summary>
    public static JwtRules Rules(string issuer, IssuerSigningKeyResolver keys) =>
        new(issuer, Audience, Type, RsaOnly, keys, ReadsRevocationStamp: true);

    /// <summary>Verifies an admin token and its <c>admin=true</c> claim (false when the verified token lacks it).</summary>
    public static async Task<(JwtVerdict Verdict, bool Admin)> VerifyAsync(string token, string issuer, IssuerSigningKeyResolver keys, TimeProvider time)
    {
        var verdict = await JwtCheck.VerifyAsync(token, Rules(issuer, keys), time);
        var admin = verdict is JwtVerdict.Valid valid && valid.Token.TryGetPayloadValue<bool>("admin", out var flag) && flag;
        return (verdict, admin);
    }
}
