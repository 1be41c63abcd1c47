using Sentinel.Grains.Sessions;
using Sentinel.Web.Tokens;
using Sentinel.Web.Infrastructure.Forwarding;

namespace Sentinel.Web.Sessions;

/// <summary>
/// The session limits the edge passes the session grain: <c>REFRESH_REUSE_GRACE_SECONDS</c> and
/// <c>MAX_SESSIONS_PER_USER</c>. They are read with the sign-in settings; the sessions feature takes them as values so
/// it does not depend on sign-in (sign-in depends on sessions).
/// </summary>
public sealed record SessionLimits(int RefreshReuseGraceSeconds, int MaxSessionsPerUser);

/// <summary>Signs what the session grain decided, and the policy the edge passes it.</summary>
public sealed class SessionTokens(TokenService tokens, JwtSettings jwt, SessionLimits limits)
{
    public SessionPolicy Policy { get; } = new(
        TimeSpan.FromMinutes(jwt.AccessMinutes),
        TimeSpan.FromDays(jwt.RefreshDays),
        TimeSpan.FromSeconds(limits.RefreshReuseGraceSeconds),
        limits.MaxSessionsPerUser);

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
