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
    /// Decides whether a token of this user is still usable: not denylisted, not issued before a "revoke all",
    /// and the user not deactivated.
    /// </summary>
    /// <param name="jti">The token's <c>jti</c>.</param>
    /// <param name="issuedAt">The token's <c>iat</c>.</param>
    /// <param name="cancellationToken">Bounds the call.</param>
    [AlwaysInterleave]
    Task<TokenStatus> CheckTokenAsync(Guid jti, DateTimeOffset issuedAt, CancellationToken cancellationToken = default);

    /// <summary>Denylists one token until its expiry. A token already expired is not stored.</summary>
    Task DenyTokenAsync(Guid jti, DateTimeOffset expiresAt, CancellationToken cancellationToken = default);

    /// <summary>
    /// Revokes every token of this user issued up to now (whole seconds, as <c>iat</c> is).
    /// </summary>
    /// <returns>The cut-off that was stored.</returns>
    Task<DateTimeOffset> RevokeAllIssuedBeforeNowAsync(CancellationToken cancellationToken = default);

    /// <summary>Sets or clears the deactivated flag checked on every token.</summary>
    Task SetDeactivatedAsync(bool deactivated, CancellationToken cancellationToken = default);

    /// <summary>Reads the revocation state, for admin views and tests.</summary>
    [AlwaysInterleave]
    Task<RevocationSnapshot> GetRevocationAsync(CancellationToken cancellationToken = default);
}

/// <summary>The verdict on one token. Expected outcomes are values, not exceptions.</summary>
public enum TokenStatus
{
    /// <summary>The token may be used.</summary>
    Active = 0,
    /// <summary>The token's jti is denylisted, or it was issued before a "revoke all".</summary>
    Revoked = 1,
    /// <summary>The user is deactivated.</summary>
    Deactivated = 2,
}

/// <summary>The revocation state of one user.</summary>
/// <param name="DeniedTokens">How many denylisted jtis are still unexpired.</param>
/// <param name="RevokedBefore">Tokens issued at or before this instant are revoked; null when never set.</param>
/// <param name="Deactivated">Whether the user is deactivated.</param>
[GenerateSerializer, Immutable, Alias("sentinel.RevocationSnapshot")]
public sealed record RevocationSnapshot(
    [property: Id(0)] int DeniedTokens,
    [property: Id(1)] DateTimeOffset? RevokedBefore,
    [property: Id(2)] bool Deactivated);
