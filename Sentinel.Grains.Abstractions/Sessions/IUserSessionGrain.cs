using Orleans.Concurrency;

namespace Sentinel.Grains.Sessions;

/// <summary>
/// One activation per user (keyed by the user id): the single writer for that user's sessions and revocation state.
/// Every change is written to storage before the call returns. Reads interleave: they only look at memory,
/// and a change is applied to memory before its write, so a read during a write sees the stricter state.
/// </summary>
public interface IUserSessionGrain : IGrainWithGuidKey
{
    /// <summary>
    /// Decides whether a token of this user is still usable, exact to the instant (docs/sessions.md). A token that names its
    /// session (<c>sid</c>) is checked by reference: it is usable while that family is live, whatever the time of any
    /// revocation. A token without <c>sid</c> (admin, authz, and access tokens minted before <c>sid</c> existed) is
    /// refused when a user-wide cut-off was set after it was minted (<c>rvk</c>), or, lacking <c>rvk</c>, when its whole-second
    /// <c>iat</c> is before the cut-off. Either way: not denylisted, user not deactivated.
    /// </summary>
    /// <param name="token">What the edge verified of the token.</param>
    /// <param name="cancellationToken">Bounds the call.</param>
    [AlwaysInterleave]
    Task<TokenStatus> CheckAsync(TokenRef token, CancellationToken cancellationToken = default);

    /// <summary>
    /// <see cref="CheckAsync"/> for a token without <c>sid</c>: kept for callers that only know <c>jti</c> and <c>iat</c>.
    /// </summary>
    /// <param name="jti">The token's <c>jti</c>.</param>
    /// <param name="issuedAt">The token's <c>iat</c> (see <see cref="TokenRef.IssuedAt"/>).</param>
    /// <param name="cancellationToken">Bounds the call.</param>
    [AlwaysInterleave]
    Task<TokenStatus> CheckTokenAsync(Guid jti, DateTimeOffset issuedAt, CancellationToken cancellationToken = default);

    /// <summary>Denylists one token until its expiry. A token already expired is not stored.</summary>
    Task DenyTokenAsync(Guid jti, DateTimeOffset expiresAt, CancellationToken cancellationToken = default);

    /// <summary>
    /// Revokes every token of this user issued before now, exactly: every live refresh-token family by reference (so
    /// the access tokens that name it are refused, and tokens of a family started later are not), and, for tokens
    /// without <c>sid</c>, a new cut-off (strictly later than any before it), which refuses every token stamped with an
    /// earlier one and never a token stamped with it.
    /// </summary>
    /// <returns>The cut-off that was stored.</returns>
    Task<DateTimeOffset> RevokeAllIssuedBeforeNowAsync(CancellationToken cancellationToken = default);

    /// <summary>Sets or clears the deactivated flag checked on every token. Deactivating also revokes every family.</summary>
    Task SetDeactivatedAsync(bool deactivated, CancellationToken cancellationToken = default);

    /// <summary>Reads the revocation state, for admin views and tests.</summary>
    [AlwaysInterleave]
    Task<RevocationSnapshot> GetRevocationAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts a refresh-token family in a workspace (<c>POST /auth/token</c>) after reading the user and their membership
    /// fresh. Beyond <see cref="SessionPolicy.MaxFamilies"/> the oldest family is evicted. Idempotent per request id.
    /// </summary>
    /// <remarks>
    /// Reads <c>IUserGrain.GetAsync</c> and <c>IWorkspaceGrain.GetMemberClaimsAsync</c> (which interleaves) while holding
    /// this grain's turn. A user grain must therefore not await a call to this grain inside a turn of its own.
    /// </remarks>
    Task<SessionDecision> StartFamilyAsync(StartFamilyRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Rotates a refresh token (<c>POST /auth/refresh</c>): exactly one success per token. An already-rotated token is
    /// reuse and revokes the family (and denylists its live access tokens), unless it comes back within the grace window,
    /// which returns the same pair. A user no longer active or member revokes the family. Persisted before returning.
    /// A repeated request id returns the stored result. Reads the user and membership as <see cref="StartFamilyAsync"/> does.
    /// </summary>
    Task<SessionDecision> RotateAsync(RotateRequest request, CancellationToken cancellationToken = default);

    /// <summary>Revokes one family and denylists its live access tokens. False when there is no such family.</summary>
    /// <param name="familyId">The family.</param>
    /// <param name="reason">Why, for the log (e.g. <c>user</c>, <c>admin</c>).</param>
    /// <param name="cancellationToken">Bounds the call.</param>
    Task<bool> RevokeFamilyAsync(Guid familyId, string reason, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>POST /auth/logout</c>: revokes every family (denylisting their live access tokens) and denylists the presented
    /// access token, in one write. Returns how many families were revoked.
    /// </summary>
    Task<int> LogoutAsync(Guid accessJti, DateTimeOffset accessExpiresAt, CancellationToken cancellationToken = default);

    /// <summary>
    /// The user's profile, workspace membership, role or groups changed (the directory calls it after its write commits
    /// and before it answers). The grain forgets the claims it holds, so every issue that starts after this call returns
    /// reads them afresh. Interleaved, and it touches memory only: the directory grain that calls it may itself be awaited
    /// by this grain's issue, which would otherwise deadlock.
    /// </summary>
    [AlwaysInterleave]
    Task ClaimsChangedAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Live families, most recently used first. <paramref name="current"/> marks the asking session: the asking access
    /// token's <c>sid</c>, or its <c>jti</c> when it carries no <c>sid</c> (tokens minted before <c>sid</c> existed).
    /// </summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<SessionInfo>> ListSessionsAsync(Guid? current, CancellationToken cancellationToken = default);
}

/// <summary>The verdict on one token. Expected outcomes are values, not exceptions.</summary>
public enum TokenStatus
{
    /// <summary>The token may be used.</summary>
    Active = 0,
    /// <summary>The token's jti is denylisted, its family is no longer live, or (no <c>sid</c>) it was issued before a "revoke all".</summary>
    Revoked = 1,
    /// <summary>The user is deactivated.</summary>
    Deactivated = 2,
}

/// <summary>The revocation state of one user.</summary>
/// <param name="DeniedTokens">How many denylisted jtis are still unexpired.</param>
/// <param name="RevokedBefore">
/// The user-wide cut-off for tokens without <c>sid</c> (microseconds, strictly increasing with each revocation); null
/// when never set. The edge stamps it into admin and authz tokens as <c>rvk</c>.
/// </param>
/// <param name="Deactivated">Whether the user is deactivated.</param>
[GenerateSerializer, Immutable, Alias("sentinel.RevocationSnapshot")]
public sealed record RevocationSnapshot(
    [property: Id(0)] int DeniedTokens,
    [property: Id(1)] DateTimeOffset? RevokedBefore,
    [property: Id(2)] bool Deactivated);

/// <summary>What the session grain needs of a verified token to decide whether it was revoked.</summary>
/// <param name="Jti">The token's <c>jti</c>.</param>
/// <param name="IssuedAt">
/// The token's <c>iat</c> (whole seconds). Used only for a token with neither <c>sid</c> nor <c>rvk</c> (minted before
/// they existed): a whole-second <c>iat</c> is never later than the real issue instant, so comparing it with a cut-off
/// errs only towards refusing, and only for tokens issued in the cut-off's own second.
/// </param>
/// <param name="SessionId">The <c>sid</c> claim (the refresh family id), when the token has one: checked by reference.</param>
/// <param name="MintedUnder">
/// The <c>rvk</c> claim: the user's cut-off (<see cref="RevocationSnapshot.RevokedBefore"/>, or the epoch when none) that
/// the edge read from this grain just before minting. The token is revoked once a later cut-off exists. Both values
/// come from this grain's clock, so the edge's clock plays no part.
/// </param>
[GenerateSerializer, Immutable, Alias("sentinel.TokenRef")]
public sealed record TokenRef(
    [property: Id(0)] Guid Jti,
    [property: Id(1)] DateTimeOffset IssuedAt,
    [property: Id(2)] Guid? SessionId,
    [property: Id(3)] DateTimeOffset? MintedUnder = null);
