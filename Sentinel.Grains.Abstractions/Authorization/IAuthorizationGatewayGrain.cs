using Sentinel.Grains.ServiceApps;

namespace Sentinel.Grains.Authorization;

/// <summary>
/// A service caller as the edge has verified it locally: the hash of <c>X-Service-Key</c> (not yet resolved) and the
/// claims of a bearer whose signature, audience, issuer and expiry already passed (revocation not yet checked).
/// </summary>
/// <param name="KeyHash">Lowercase hex SHA-256 of the presented key.</param>
/// <param name="UserId">The token's <c>sub</c>.</param>
/// <param name="Jti">The token's <c>jti</c>.</param>
/// <param name="IssuedAt">The token's <c>iat</c>.</param>
/// <param name="WorkspaceId">The token's <c>wid</c>.</param>
/// <param name="TokenRole">The token's <c>wrole</c>.</param>
/// <param name="AuthzService">For an authz token, its <c>svc</c>, which must be the key's service; null for an access token.</param>
/// <param name="KnownService">The key's service when the edge has already resolved the key in this request (for rate
/// limiting); the gateway then does not resolve it again.</param>
/// <param name="SessionId">An access token's <c>sid</c> (its refresh family), checked by reference; null otherwise.</param>
/// <param name="MintedUnder">An authz token's <c>rvk</c>: the revocation cut-off it was minted under; null otherwise.</param>
[GenerateSerializer, Immutable, Alias("sentinel.ServiceCredentials")]
public sealed record ServiceCredentials(
    [property: Id(0)] string KeyHash,
    [property: Id(1)] Guid UserId,
    [property: Id(2)] Guid Jti,
    [property: Id(3)] DateTimeOffset IssuedAt,
    [property: Id(4)] Guid WorkspaceId,
    [property: Id(5)] string TokenRole,
    [property: Id(6)] string? AuthzService,
    [property: Id(7)] string? KnownService = null,
    [property: Id(8)] Guid? SessionId = null,
    [property: Id(9)] DateTimeOffset? MintedUnder = null);

/// <summary>Why a service call was refused, in the order the contract checks them (input, caller, resource and role rules).</summary>
public enum ServiceCallRefusal
{
    /// <summary>The key does not resolve to an active service app.</summary>
    InvalidKey,
    /// <summary>An authz token minted for another service (<c>svc</c> is enforced against the key's service): answered as an invalid token.</summary>
    TokenServiceMismatch,
    /// <summary>The token is denylisted or was issued before a "revoke all".</summary>
    TokenRevoked,
    /// <summary>The user is deactivated.</summary>
    UserDeactivated,
    /// <summary>A service named in the request is not the key's (<see cref="Result{T, ServiceCallRefusal}.Detail"/> names it).</summary>
    ServiceNotAuthorized,
    /// <summary>The request's workspace is not the token's.</summary>
    CrossWorkspace,
}

/// <summary>
/// The hot service checks in one round trip from the edge (use key 0; stateless, local to the gateway silo): it
/// resolves the key and checks the token's revocation in parallel, applies the contract's refusals in order, then asks
/// the workspace grain. Three sequential edge-to-silo calls become one, with the same answers.
/// </summary>
public interface IAuthorizationGatewayGrain : IGrainWithIntegerKey
{
    /// <summary><c>/permissions/check</c>: every check's service must be the key's.</summary>
    Task<Result<IReadOnlyList<bool>, ServiceCallRefusal>> CheckPermissionsAsync(ServiceCredentials caller, IReadOnlyList<AclCheck> checks, CancellationToken cancellationToken = default);

    /// <summary><c>/roles/check-action</c>: the service must be the key's and the workspace the token's.</summary>
    Task<Result<ActionCheck, ServiceCallRefusal>> CheckActionAsync(ServiceCredentials caller, Guid workspaceId, string serviceName, string action, CancellationToken cancellationToken = default);
}
