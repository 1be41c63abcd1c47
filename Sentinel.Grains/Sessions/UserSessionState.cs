namespace Sentinel.Grains.Sessions;

/// <summary>
/// Stored as JSON keyed by property name: these names are a stored schema. Rename deliberately, never casually.
/// </summary>
[GenerateSerializer, Alias("sentinel.UserSessionState")]
public sealed class UserSessionState
{
    /// <summary>Denylisted jtis and when each stops mattering (its token's expiry).</summary>
    [Id(0)] public Dictionary<Guid, DateTimeOffset> DeniedTokens { get; set; } = [];

    /// <summary>Tokens with <c>iat</c> at or before this instant are revoked.</summary>
    [Id(1)] public DateTimeOffset? RevokedBefore { get; set; }

    [Id(2)] public bool Deactivated { get; set; }

    /// <summary>Live refresh-token families by family id (<c>fid</c>).</summary>
    [Id(3)] public Dictionary<Guid, RefreshFamily> Families { get; set; } = [];
}

/// <summary>One refresh-token family: one device's sign-in into one workspace through one client app.</summary>
[GenerateSerializer, Alias("sentinel.RefreshFamily")]
public sealed class RefreshFamily
{
    [Id(0)] public Guid WorkspaceId { get; set; }

    [Id(1)] public Guid? ClientAppId { get; set; }

    [Id(2)] public string? ClientAppName { get; set; }

    /// <summary>The only refresh jti of this family that may rotate.</summary>
    [Id(3)] public Guid CurrentRefreshJti { get; set; }

    [Id(4)] public DateTimeOffset RefreshExpiresAt { get; set; }

    /// <summary>The jti rotated last, with <see cref="RotatedAt"/>: what the grace window recognises.</summary>
    [Id(5)] public Guid? PreviousRefreshJti { get; set; }

    [Id(6)] public DateTimeOffset? RotatedAt { get; set; }

    /// <summary>Access jtis this family issued that have not expired yet, with their expiry: denylisted if the family is revoked.</summary>
    [Id(7)] public Dictionary<Guid, DateTimeOffset> AccessTokens { get; set; } = [];

    [Id(8)] public DateTimeOffset CreatedAt { get; set; }

    [Id(9)] public DateTimeOffset LastUsedAt { get; set; }

    [Id(10)] public string? Ip { get; set; }

    [Id(11)] public string? UserAgent { get; set; }

    /// <summary>What the last issue signed; a grace-window replay or an edge retry signs it again.</summary>
    [Id(12)] public IssuedTokens? LastIssued { get; set; }

    /// <summary>
    /// The edge's request id of the last issue. A retry of that request finds its result in <see cref="LastIssued"/>:
    /// nothing else can have rotated the family in between, since nobody but the retrying edge holds the new token.
    /// </summary>
    [Id(13)] public Guid? LastRequestId { get; set; }
}
