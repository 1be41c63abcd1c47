using System.Text.Json.Serialization;

namespace Sentinel.Grains.Sessions;

/// <summary>
/// Stored as JSON keyed by property name: these names are a stored schema. Rename deliberately, never casually.
/// Its size follows the number of live families (plus denylisted jtis, which only logouts add), never how often
/// a family refreshes: revocation is by reference to the family (<c>sid</c>), so no access jti is kept per issue.
/// </summary>
[GenerateSerializer, Alias("sentinel.UserSessionState")]
public sealed class UserSessionState
{
    /// <summary>Denylisted jtis and when each stops mattering (its token's expiry).</summary>
    [Id(0)] public Dictionary<Guid, DateTimeOffset> DeniedTokens { get; set; } = [];

    /// <summary>
    /// Legacy (rows written before <see cref="CutOff"/>): tokens with a whole-second <c>iat</c> at or before this
    /// second are revoked. Read as a cut-off one second later, and folded into <see cref="CutOff"/> on the next write.
    /// </summary>
    [Id(1), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? RevokedBefore { get; set; }

    [Id(2)] public bool Deactivated { get; set; }

    /// <summary>
    /// Live refresh-token families by family id (<c>fid</c>, and <c>sid</c> in access tokens). A family leaves only
    /// by revocation, eviction, or once its refresh token and its last access token have both expired, so "the
    /// family is here" is exactly "its tokens are not revoked".
    /// </summary>
    [Id(3)] public Dictionary<Guid, RefreshFamily> Families { get; set; } = [];

    /// <summary>
    /// The last user-wide revocation, to the tick: a token without <c>sid</c> (admin, authz, legacy access) issued
    /// before this instant is revoked. Tokens with <c>sid</c> are never checked against it.
    /// </summary>
    [Id(4), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? CutOff { get; set; }
}

/// <summary>One refresh-token family: one device's sign-in into one workspace through one client app.</summary>
[GenerateSerializer, Alias("sentinel.RefreshFamily")]
public sealed class RefreshFamily
{
    [Id(0)] public Guid WorkspaceId { get; set; }

    [Id(1), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Guid? ClientAppId { get; set; }

    [Id(2), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ClientAppName { get; set; }

    /// <summary>The only refresh jti of this family that may rotate.</summary>
    [Id(3)] public Guid CurrentRefreshJti { get; set; }

    [Id(4)] public DateTimeOffset RefreshExpiresAt { get; set; }

    /// <summary>The jti rotated last, with <see cref="RotatedAt"/>: what the grace window recognises.</summary>
    [Id(5), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Guid? PreviousRefreshJti { get; set; }

    [Id(6), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? RotatedAt { get; set; }

    /// <summary>
    /// Legacy, read-only: access jtis issued before access tokens carried <c>sid</c>, with their expiry. Nothing adds
    /// to it any more; a revocation of the family denylists the live ones, and pruning empties it within one access
    /// lifetime after the cutover (then it is no longer written).
    /// </summary>
    [Id(7), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<Guid, DateTimeOffset>? AccessTokens { get; set; }

    [Id(8)] public DateTimeOffset CreatedAt { get; set; }

    [Id(9)] public DateTimeOffset LastUsedAt { get; set; }

    [Id(10), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Ip { get; set; }

    [Id(11), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? UserAgent { get; set; }

    /// <summary>
    /// What the last issue signed (one entry, replaced on each issue); a grace-window replay or an edge retry signs it
    /// again. Its <see cref="IssuedTokens.AccessExpiresAt"/> is when the family's last access token expires.
    /// </summary>
    [Id(12), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IssuedTokens? LastIssued { get; set; }

    /// <summary>
    /// The edge's request id of the last issue. A retry of that request finds its result in <see cref="LastIssued"/>:
    /// nothing else can have rotated the family in between, since nobody but the retrying edge holds the new token.
    /// </summary>
    [Id(13), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Guid? LastRequestId { get; set; }
}
