using System.Security.Cryptography;
using System.Text;

namespace Sentinel.Grains.AuthCodes;

/// <summary>What an authorization code stands for (single use, 300 s, PKCE S256; docs/sessions.md): the user, and what the code is bound to.</summary>
/// <param name="UserId">The signed-in user.</param>
/// <param name="Provider">The identity provider id the user signed in with.</param>
/// <param name="ClientAppId">The client app whose redirect URI the code was sent to.</param>
/// <param name="ClientAppName">Its name, for the sessions list.</param>
/// <param name="CodeChallenge">The PKCE challenge (S256) the token request must answer.</param>
/// <param name="CodeChallengeMethod">Always <c>S256</c>.</param>
/// <param name="ExpiresAt">When the code stops working.</param>
[GenerateSerializer, Immutable, Alias("sentinel.AuthCodeGrant")]
public sealed record AuthCodeGrant(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] string Provider,
    [property: Id(2)] Guid? ClientAppId,
    [property: Id(3)] string? ClientAppName,
    [property: Id(4)] string? CodeChallenge,
    [property: Id(5)] string? CodeChallengeMethod,
    [property: Id(6)] DateTimeOffset ExpiresAt);

/// <summary>
/// One single-use authorization code, keyed by <see cref="AuthCodeKeys.For"/> (a hash: the code itself is never stored).
/// Persisted so a silo restart keeps it; the row is deleted when the code is used or expires.
/// </summary>
public interface IAuthCodeGrain : IGrainWithStringKey
{
    /// <summary>Stores the grant until its <see cref="AuthCodeGrant.ExpiresAt"/>. False if this key already holds one (never in practice).</summary>
    Task<bool> IssueAsync(AuthCodeGrant grant, CancellationToken cancellationToken = default);

    /// <summary>The grant without using it up (<c>/auth/workspaces</c>), or null when unknown, used or expired.</summary>
    Task<AuthCodeGrant?> PeekAsync(CancellationToken cancellationToken = default);

    /// <summary>Takes the grant and deletes it, before any other check (<c>/auth/token</c>): null when unknown, used or expired.</summary>
    Task<AuthCodeGrant?> ConsumeAsync(CancellationToken cancellationToken = default);
}

/// <summary>Grain keys for codes.</summary>
public static class AuthCodeKeys
{
    /// <summary>
    /// <c>ac:</c> + lowercase hex SHA-256 of the code. The prefix keeps the key from being read as a hex integer or a Guid
    /// by the storage provider (docs/orleans-storage-contract.md).
    /// </summary>
    public static string For(string code) => "ac:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(code)));
}
