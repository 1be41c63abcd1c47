using Sentinel.Grains.Sessions;

namespace Sentinel.Grains.Authorization;

/// <summary>
/// What the workspace grain needs of a locally verified bearer to answer a service check in the one edge-to-silo call:
/// the user, the token's <c>wrole</c>, and the token by reference for the revocation check (<see cref="IUserSessionGrain"/>).
/// Smaller than <see cref="ServiceCredentials"/>: the key's hash and service are not sent, because the edge only takes
/// this path when its own key verdict already settled them.
/// </summary>
/// <param name="UserId">The token's <c>sub</c>.</param>
/// <param name="TokenRole">The token's <c>wrole</c>.</param>
/// <param name="Token">The token's <c>jti</c>, <c>iat</c>, <c>sid</c> and <c>rvk</c>.</param>
[GenerateSerializer, Immutable, Alias("sentinel.CheckCaller")]
public sealed record CheckCaller(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] string TokenRole,
    [property: Id(2)] TokenRef Token);
