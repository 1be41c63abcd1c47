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
}
