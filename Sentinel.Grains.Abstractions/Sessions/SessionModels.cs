namespace Sentinel.Grains.Sessions;

/// <summary>Limits the edge applies to every session change; passed with each call so the silo needs no sign-in settings.</summary>
/// <param name="AccessLifetime">Access-token lifetime (<c>ACCESS_TOKEN_EXPIRE_MINUTES</c>).</param>
/// <param name="RefreshLifetime">Refresh-token lifetime (<c>REFRESH_TOKEN_EXPIRE_DAYS</c>); a rotation restarts it.</param>
/// <param name="ReuseGrace">
/// <c>REFRESH_REUSE_GRACE_SECONDS</c>: within this long after a rotation, the just-rotated token presented again
/// returns the same new pair instead of revoking the family. Zero: any reuse revokes.
/// </param>
/// <param name="MaxFamilies"><c>MAX_SESSIONS_PER_USER</c>: live families per user; starting one more evicts the oldest.</param>
[GenerateSerializer, Immutable, Alias("sentinel.SessionPolicy")]
public sealed record SessionPolicy(
    [property: Id(0)] TimeSpan AccessLifetime,
    [property: Id(1)] TimeSpan RefreshLifetime,
    [property: Id(2)] TimeSpan ReuseGrace,
    [property: Id(3)] int MaxFamilies);

/// <summary>Where a session is used from, for the sessions list. Never a token.</summary>
/// <param name="Ip">Client IP as the edge determined it.</param>
/// <param name="UserAgent">The <c>User-Agent</c> header, truncated by the edge.</param>
[GenerateSerializer, Immutable, Alias("sentinel.SessionDevice")]
public sealed record SessionDevice(
    [property: Id(0)] string? Ip,
    [property: Id(1)] string? UserAgent);

/// <summary>Starts a refresh-token family (<c>POST /auth/token</c>).</summary>
/// <param name="RequestId">The edge's id for this request; a retry with the same id returns the stored result.</param>
/// <param name="WorkspaceId">The workspace the tokens are scoped to.</param>
/// <param name="ClientAppId">The client app the auth code was bound to, if any.</param>
/// <param name="ClientAppName">Its name at sign-in, for the sessions list.</param>
/// <param name="Device">IP and user agent.</param>
/// <param name="Policy">Lifetimes and limits.</param>
[GenerateSerializer, Immutable, Alias("sentinel.StartFamilyRequest")]
public sealed record StartFamilyRequest(
    [property: Id(0)] Guid RequestId,
    [property: Id(1)] Guid WorkspaceId,
    [property: Id(2)] Guid? ClientAppId,
    [property: Id(3)] string? ClientAppName,
    [property: Id(4)] SessionDevice Device,
    [property: Id(5)] SessionPolicy Policy);

/// <summary>Rotates a refresh token (<c>POST /auth/refresh</c>).</summary>
/// <param name="RequestId">The edge's id for this request; the edge retries a call lost in transit with the same id.</param>
/// <param name="FamilyId">The token's <c>fid</c>.</param>
/// <param name="RefreshJti">The token's <c>jti</c>.</param>
/// <param name="Device">IP and user agent.</param>
/// <param name="Policy">Lifetimes and limits.</param>
[GenerateSerializer, Immutable, Alias("sentinel.RotateRequest")]
public sealed record RotateRequest(
    [property: Id(0)] Guid RequestId,
    [property: Id(1)] Guid FamilyId,
    [property: Id(2)] Guid RefreshJti,
    [property: Id(3)] SessionDevice Device,
    [property: Id(4)] SessionPolicy Policy);

/// <summary>The claims an access token carries beside the registered ones (email, name, workspace, role, groups), read fresh at issue.</summary>
/// <param name="Email">The user's email.</param>
/// <param name="Name">The user's name (may be empty).</param>
/// <param name="WorkspaceId"><c>wid</c>.</param>
/// <param name="WorkspaceSlug"><c>wslug</c>.</param>
/// <param name="WorkspaceRole"><c>wrole</c>.</param>
/// <param name="Groups"><c>groups</c>: the user's groups in the workspace.</param>
[GenerateSerializer, Immutable, Alias("sentinel.AccessClaims")]
public sealed record AccessClaims(
    [property: Id(0)] string Email,
    [property: Id(1)] string Name,
    [property: Id(2)] Guid WorkspaceId,
    [property: Id(3)] string WorkspaceSlug,
    [property: Id(4)] string WorkspaceRole,
    [property: Id(5)] IReadOnlyList<Guid> Groups);

/// <summary>
/// Everything the edge needs to sign a token pair. Signing is deterministic (RS256, PKCS#1 v1.5), so the same record
/// signed twice gives the same two tokens: this is how a grace-window replay or an edge retry gets "the same pair"
/// without any token being stored. Stored in session state as JSON: the property names are a stored schema.
/// </summary>
/// <param name="FamilyId">The refresh-token family (<c>fid</c>).</param>
/// <param name="IssuedAt">Shared <c>iat</c> of both tokens, whole seconds.</param>
/// <param name="RefreshJti">The new refresh token's <c>jti</c>.</param>
/// <param name="RefreshExpiresAt">Its <c>exp</c>.</param>
/// <param name="AccessJti">The new access token's <c>jti</c>.</param>
/// <param name="AccessExpiresAt">Its <c>exp</c>.</param>
/// <param name="Claims">The access token's claims.</param>
[GenerateSerializer, Immutable, Alias("sentinel.IssuedTokens")]
public sealed record IssuedTokens(
    [property: Id(0)] Guid FamilyId,
    [property: Id(1)] DateTimeOffset IssuedAt,
    [property: Id(2)] Guid RefreshJti,
    [property: Id(3)] DateTimeOffset RefreshExpiresAt,
    [property: Id(4)] Guid AccessJti,
    [property: Id(5)] DateTimeOffset AccessExpiresAt,
    [property: Id(6)] AccessClaims Claims);

/// <summary>Why a session was not started or rotated.</summary>
public enum SessionRefusal
{
    /// <summary>No such user.</summary>
    UserNotFound,
    /// <summary>The user is inactive or deactivated.</summary>
    UserInactive,
    /// <summary>No such workspace.</summary>
    WorkspaceNotFound,
    /// <summary>The user is not (or no longer) a member of the workspace.</summary>
    NotMember,
    /// <summary>The family does not exist: revoked, evicted, expired or never issued.</summary>
    FamilyNotFound,
    /// <summary>The presented refresh token was already rotated: the family has been revoked.</summary>
    Reused,
    /// <summary>A storage version conflict (a duplicate activation). Nothing was issued; the grain deactivated.</summary>
    VersionConflict,
}

/// <summary>The outcome of starting or rotating a session: a closed set of values, never an exception.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.SessionDecision")]
public abstract record SessionDecision
{
    /// <summary>Tokens may be signed from <see cref="Tokens"/>. State was persisted before this was returned.</summary>
    [GenerateSerializer, Immutable, Alias("sentinel.SessionDecision.Issued")]
    public sealed record Issued([property: Id(0)] IssuedTokens Tokens, [property: Id(1)] bool Replayed) : SessionDecision;

    /// <summary>Nothing may be signed.</summary>
    [GenerateSerializer, Immutable, Alias("sentinel.SessionDecision.Refused")]
    public sealed record Refused([property: Id(0)] SessionRefusal Reason) : SessionDecision;
}

/// <summary>One refresh-token family as the sessions list shows it. No token or jti.</summary>
/// <param name="FamilyId">The family id.</param>
/// <param name="ClientAppId">Client app, if the code was bound to one.</param>
/// <param name="ClientAppName">Its name at sign-in.</param>
/// <param name="WorkspaceId">The workspace.</param>
/// <param name="CreatedAt">When the family started.</param>
/// <param name="LastUsedAt">The last rotation.</param>
/// <param name="Ip">IP of the last use.</param>
/// <param name="UserAgent">User agent of the last use.</param>
/// <param name="Current">Whether the asking access token belongs to this family.</param>
[GenerateSerializer, Immutable, Alias("sentinel.SessionInfo")]
public sealed record SessionInfo(
    [property: Id(0)] Guid FamilyId,
    [property: Id(1)] Guid? ClientAppId,
    [property: Id(2)] string? ClientAppName,
    [property: Id(3)] Guid WorkspaceId,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] DateTimeOffset LastUsedAt,
    [property: Id(6)] string? Ip,
    [property: Id(7)] string? UserAgent,
    [property: Id(8)] bool Current);
