using System.Text.Json.Serialization;
using Sentinel.Grains.Sessions;
using Sentinel.Web.SignIn;
using Sentinel.Web.Tokens;

namespace Sentinel.Web.Sessions;

/// <summary>The contract's token answer: access and refresh token, <c>token_type</c>, <c>expires_in</c>.</summary>
public sealed record TokenPairResponse(
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("refresh_token")] string RefreshToken,
    [property: JsonPropertyName("token_type")] string TokenType,
    [property: JsonPropertyName("expires_in")] int ExpiresIn);

/// <summary>Signs what the session grain decided, and the policy the edge passes it.</summary>
public sealed class SessionTokens(TokenService tokens, JwtSettings jwt, SignInSettings settings)
{
    public SessionPolicy Policy { get; } = new(
        TimeSpan.FromMinutes(jwt.AccessMinutes),
        TimeSpan.FromDays(jwt.RefreshDays),
        TimeSpan.FromSeconds(settings.RefreshReuseGraceSeconds),
        settings.MaxSessionsPerUser);

    /// <summary>Access and refresh token from one issue record; the same record always signs to the same two tokens.</summary>
    public TokenPairResponse Sign(Guid userId, IssuedTokens issued)
    {
        var claims = issued.Claims;
        var access = tokens.MintExact(TokenKind.Access, userId, issued.AccessJti, issued.IssuedAt, issued.AccessExpiresAt, p =>
        {
            p["email"] = claims.Email;
            p["name"] = claims.Name;
            p["wid"] = claims.WorkspaceId.ToString();
            p["wslug"] = claims.WorkspaceSlug;
            p["wrole"] = claims.WorkspaceRole;
            p["groups"] = TokenService.Array(claims.Groups.Select(g => g.ToString()));
            // Revocation is checked by reference to the family (docs/sessions.md), never by comparing iat with a cut-off.
            p[TokenService.SessionIdClaim] = issued.FamilyId.ToString();
        });
        var refresh = tokens.MintExact(TokenKind.Refresh, userId, issued.RefreshJti, issued.IssuedAt, issued.RefreshExpiresAt,
            p => p["fid"] = issued.FamilyId.ToString());
        return new TokenPairResponse(access, refresh, "bearer", jwt.AccessMinutes * 60);
    }

    public static SessionDevice Device(HttpContext context) => new(ClientAddress.Of(context), ClientAddress.UserAgent(context));
}
