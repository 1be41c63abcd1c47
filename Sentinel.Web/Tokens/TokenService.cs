using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Sentinel.Web.Tokens;

/// <summary>The four token kinds of the contract: audience and <c>type</c> claim.</summary>
public enum TokenKind
{
    Access,
    Refresh,
    Admin,
    Authz,
}

/// <summary>What a verified token says. Only the claims its kind carries are set.</summary>
/// <param name="SessionId">The access token's <c>sid</c> (its refresh family), when it carries one.</param>
/// <param name="MintedUnder">The <c>rvk</c> claim of an admin or authz token: the revocation cut-off it was minted under.</param>
public sealed record VerifiedToken(
    TokenKind Kind,
    Guid Subject,
    Guid Jti,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt,
    JsonWebToken Token,
    Guid? SessionId = null,
    DateTimeOffset? MintedUnder = null)
{
    public string? Claim(string name) => Token.TryGetPayloadValue<string>(name, out var value) ? value : null;

    /// <summary>What the session grain checks for revocation.</summary>
    public Sentinel.Grains.Sessions.TokenRef Ref => new(Jti, IssuedAt, SessionId, MintedUnder);
}

/// <summary>The verdict on a presented token. Expected outcomes are values.</summary>
public abstract record TokenCheck
{
    public sealed record Valid(VerifiedToken Token) : TokenCheck;

    /// <summary>Signature, audience, issuer, expiry, kid or size failed: the same generic answer for all.</summary>
    public sealed record Invalid : TokenCheck;

    /// <summary>The token verified but its <c>type</c> claim is another kind.</summary>
    public sealed record WrongType : TokenCheck;
}

/// <summary>
/// Mints and verifies Sentinel's tokens, selecting verification keys strictly by <c>kid</c> and by the kind's algorithm:
/// access, admin and authz tokens are RS256 (verified by anyone against JWKS); refresh tokens are HS256 under
/// <see cref="RefreshKeys"/>, since only Sentinel reads them. A refresh token signed RS256 before the switch still
/// verifies (its kid names an RSA key) until it expires.
/// </summary>
public sealed class TokenService(SigningKeys keys, JwtSettings settings, IConfiguration configuration, Infrastructure.Hosting.WebSettings web,
    TimeProvider time, ILogger<TokenService> logger, Infrastructure.Hosting.SentinelMetrics metrics)
{
    // Built here from the configuration every replica shares (REFRESH_TOKEN_KEY, else SESSION_SECRET_KEY).
    private readonly RefreshKeys refreshKeys = new(RefreshKeySettings.FromConfiguration(configuration, web));

    /// <summary>The refresh tokens' HMAC keys.</summary>
    public RefreshKeys RefreshKeys => refreshKeys;

    /// <summary>Tokens longer than this are refused before any parsing (401 <c>Token too large</c>).</summary>
    public const int MaxTokenLength = Sentinel.Tokens.JwtCheck.MaxTokenLength;

    /// <summary>
    /// How far in the future an <c>iat</c> may be: the clock difference tolerated between the replica that minted a
    /// token and the one that checks it. Beyond it the token is refused; a token minted "later" than now is either
    /// forged with a stolen key or from a broken clock, and it would outlive every revocation cut-off.
    /// </summary>
    public static readonly TimeSpan MaxIssuedAtSkew = Sentinel.Tokens.JwtCheck.MaxIssuedAtSkew;

    /// <summary>
    /// Private claim of admin and authz tokens (which name no session): the user's revocation cut-off the edge read from
    /// the session grain just before minting, in microseconds since the epoch (0: none yet). The token is revoked once
    /// the grain holds a later cut-off. <c>iat</c> (whole seconds, and from the edge's clock) could not order a token
    /// against a revocation in the same second; this needs no clock at all.
    /// </summary>
    public const string RevocationClaim = Sentinel.Tokens.JwtCheck.RevocationClaim;

    /// <summary>The <c>rvk</c> value for a cut-off (null: none yet).</summary>
    public static long RevocationStamp(DateTimeOffset? cutoff) =>
        cutoff is { } c ? (c.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10 : 0;

    /// <summary>The access token's session: its refresh family id, which revocation is checked against, by reference (docs/sessions.md).</summary>
    public const string SessionIdClaim = Sentinel.Tokens.JwtCheck.SessionIdClaim;

    private readonly JsonWebTokenHandler handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly bool warnedNoKid = WarnNoKid(settings, logger);

    public static string Audience(TokenKind kind) => kind switch
    {
        TokenKind.Access => "sentinel:access",
        TokenKind.Refresh => "sentinel:refresh",
        TokenKind.Admin => "sentinel:admin",
        _ => "sentinel:authz",
    };

    public static string TypeClaim(TokenKind kind) => kind switch
    {
        TokenKind.Access => "access",
        TokenKind.Refresh => "refresh",
        TokenKind.Admin => "admin_access",
        _ => "authz",
    };

    public TimeSpan Lifetime(TokenKind kind) => kind switch
    {
        TokenKind.Access => TimeSpan.FromMinutes(settings.AccessMinutes),
        TokenKind.Refresh => TimeSpan.FromDays(settings.RefreshDays),
        TokenKind.Admin => TimeSpan.FromMinutes(settings.AdminMinutes),
        _ => TimeSpan.FromMinutes(settings.AuthzMinutes),
    };

    /// <summary>Signs a token of <paramref name="kind"/> for <paramref name="subject"/>; <paramref name="claims"/> adds the kind's own claims.</summary>
    /// <param name="kind">The token kind.</param>
    /// <param name="subject">The user.</param>
    /// <param name="claims">Adds the kind's own claims.</param>
    /// <param name="jti">The jti; a new one when null.</param>
    /// <param name="revocation">
    /// For admin and authz tokens: the user's revocation state read from the session grain just before minting; it is
    /// stamped as <c>rvk</c>. Without it the token is checked by its whole-second <c>iat</c>, which refuses a token minted
    /// in the same second as a revocation.
    /// </param>
    public (string Token, Guid Jti, DateTimeOffset ExpiresAt) Mint(TokenKind kind, Guid subject, Action<JsonObject> claims, Guid? jti = null,
        Sentinel.Grains.Sessions.RevocationSnapshot? revocation = null)
    {
        var now = time.GetUtcNow();
        var issuedAt = now.ToUnixTimeSeconds();
        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(issuedAt).Add(Lifetime(kind));
        var id = jti ?? Guid.NewGuid();
        var payload = new JsonObject
        {
            ["iss"] = settings.Issuer,
            ["sub"] = subject.ToString(),
            ["aud"] = Audience(kind),
            ["type"] = TypeClaim(kind),
            ["jti"] = id.ToString(),
            ["iat"] = issuedAt,
            ["exp"] = expiresAt.ToUnixTimeSeconds(),
        };
        if (revocation is not null) payload[RevocationClaim] = RevocationStamp(revocation.RevokedBefore);
        claims(payload);
        var token = handler.CreateToken(payload.ToJsonString(), CredentialsFor(kind));
        metrics.Issued(TypeClaim(kind));
        return (token, id, expiresAt);
    }

    /// <summary>
    /// Signs a token whose <c>jti</c>, <c>iat</c> and <c>exp</c> were decided elsewhere (the session grain). RS256 with
    /// PKCS#1 v1.5 and HMAC are both deterministic, so the same inputs give the same token: a replay re-signs instead of
    /// storing tokens.
    /// </summary>
    public string MintExact(TokenKind kind, Guid subject, Guid jti, DateTimeOffset issuedAt, DateTimeOffset expiresAt, Action<JsonObject> claims)
    {
        var payload = new JsonObject
        {
            ["iss"] = settings.Issuer,
            ["sub"] = subject.ToString(),
            ["aud"] = Audience(kind),
            ["type"] = TypeClaim(kind),
            ["jti"] = jti.ToString(),
            ["iat"] = issuedAt.ToUnixTimeSeconds(),
            ["exp"] = expiresAt.ToUnixTimeSeconds(),
        };
        claims(payload);
        metrics.Issued(TypeClaim(kind));
        return handler.CreateToken(payload.ToJsonString(), CredentialsFor(kind));
    }

    /// <summary>Refresh tokens: HS256 under the current refresh key. Every other kind: RS256 under the current RSA key.</summary>
    private SigningCredentials CredentialsFor(TokenKind kind) => kind == TokenKind.Refresh ? refreshKeys.Credentials : keys.Credentials;

    // Per kind: the algorithms a token may name. HS256 is accepted for refresh tokens only, so an HMAC-signed token is
    // never an access, admin or authz token, and RS256 stays accepted for refresh tokens minted before the switch.
    private static readonly string[] RsaOnly = [SecurityAlgorithms.RsaSha256];
    private static readonly string[] RefreshAlgorithms = [RefreshKeys.Algorithm, SecurityAlgorithms.RsaSha256];

    /// <summary>
    /// Verifies signature (by kid), audience, issuer and expiry with zero leeway, then the <c>type</c> claim and the kind's
    /// own claims. The checks are <see cref="Sentinel.Tokens.JwtCheck"/>'s, the one implementation the silo's dashboard
    /// gate uses too, so a security check cannot differ between the two processes.
    /// </summary>
    public async Task<TokenCheck> VerifyAsync(string token, TokenKind kind)
    {
        var rules = new Sentinel.Tokens.JwtRules(settings.Issuer, Audience(kind), TypeClaim(kind),
            kind == TokenKind.Refresh ? RefreshAlgorithms : RsaOnly,
            kind == TokenKind.Refresh ? ResolveRefreshKey : ResolveKey,
            ReadsRevocationStamp: kind != TokenKind.Access, ReadsSessionId: kind == TokenKind.Access);
        return await Sentinel.Tokens.JwtCheck.VerifyAsync(token, rules, time) switch
        {
            Sentinel.Tokens.JwtVerdict.Valid v => new TokenCheck.Valid(
                new VerifiedToken(kind, v.Subject, v.Jti, v.IssuedAt, v.ExpiresAt, v.Token, v.SessionId, v.MintedUnder)),
            Sentinel.Tokens.JwtVerdict.WrongType => new TokenCheck.WrongType(),
            _ => new TokenCheck.Invalid(),
        };
    }

    /// <summary>
    /// A refresh token's key: the header's <c>alg</c> and <c>kid</c> must agree on one key family. HS256 selects only an
    /// HMAC refresh key; RS256 only an RSA key (the cutover). Whatever else the token claims (<c>none</c>, HS256 with an
    /// RSA kid, so the RSA public key's bytes as an HMAC secret) selects no key and is refused.
    /// </summary>
    private IEnumerable<SecurityKey> ResolveRefreshKey(string token, SecurityToken securityToken, string? kid, TokenValidationParameters parameters)
    {
        var alg = (securityToken as JsonWebToken)?.Alg;
        if (alg == RefreshKeys.Algorithm)
            return kid is not null && refreshKeys.VerifyingKeys.TryGetValue(kid, out var hmac) ? [hmac] : [];
        return alg == SecurityAlgorithms.RsaSha256 ? ResolveKey(token, securityToken, kid, parameters) : [];
    }

    private IEnumerable<SecurityKey> ResolveKey(string token, SecurityToken securityToken, string? kid, TokenValidationParameters parameters)
    {
        // RSA keys verify RS256 only; an HMAC token (alg HS*) never reaches a key here, whatever its kid says.
        if ((securityToken as JsonWebToken)?.Alg != SecurityAlgorithms.RsaSha256) return [];
        if (string.IsNullOrEmpty(kid))
            // v0.10 tokens carry no kid: during cutover they may verify against the current key, and only it.
            return settings.AcceptTokensWithoutKid ? [keys.Current] : [];
        return keys.VerifyingKeys.TryGetValue(kid, out var key) ? [key] : [];
    }

    private static bool WarnNoKid(JwtSettings settings, ILogger logger)
    {
        if (settings.AcceptTokensWithoutKid)
            logger.LogWarning("ACCEPT_TOKENS_WITHOUT_KID=true: tokens without kid are accepted against the current key. Turn it off one refresh lifetime after cutover.");
        return settings.AcceptTokensWithoutKid;
    }

    internal static JsonArray Array(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
}
