using System.Collections.Concurrent;
using Sentinel.Web.Tokens;

namespace Sentinel.Web.Authz;

/// <summary>
/// The claims of bearers this replica has already verified for the hot service routes, keyed by the whole token string
/// (signature included, so only the very same bytes hit), so a service that presents a user's token again does not pay
/// the RS256 verification and JWT parsing each time. Sound because a verified token's signature, issuer and audience
/// cannot change (the verifying keys are fixed for the life of the process, <see cref="SigningKeys"/>); what can change
/// is checked on every hit: expiry against the same clock <see cref="TokenService"/> uses, and revocation, which is never
/// cached here (the session grain decides it on every call). Entries live at most a minute and the map is bounded.
/// </summary>
public sealed class BearerVerdicts
{
    internal const int Capacity = 10_000;
    private static readonly long KeepTicks = (long)TimeSpan.FromMinutes(1).TotalMilliseconds;

    /// <summary>What the fast path needs of a verified bearer.</summary>
    public sealed record Bearer(TokenKind Kind, Guid Subject, Guid Jti, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt, Guid WorkspaceId, string Role,
        string? Service, Guid? SessionId, DateTimeOffset? MintedUnder);

    private readonly ConcurrentDictionary<string, (Bearer Bearer, long KeepUntil)> verified;
    private readonly ConcurrentDictionary<string, (Bearer Bearer, long KeepUntil)>.AlternateLookup<ReadOnlySpan<char>> bySpan;

    public BearerVerdicts(TimeProvider time)
    {
        this.time = time;
        verified = new(StringComparer.Ordinal);
        bySpan = verified.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    private readonly TimeProvider time;

    /// <summary>The bearer's claims when it verified here before and has not expired since; else null.</summary>
    public Bearer? Find(string raw) => Find(raw.AsSpan());

    /// <summary><see cref="Find(string)"/> for the token's characters where they lie (the header), without copying them.</summary>
    public Bearer? Find(ReadOnlySpan<char> raw)
    {
        if (!bySpan.TryGetValue(raw, out var key, out var entry)) return null;
        if (entry.Bearer.ExpiresAt > time.GetUtcNow() && entry.KeepUntil > Environment.TickCount64) return entry.Bearer;
        verified.TryRemove(new KeyValuePair<string, (Bearer, long)>(key, entry));
        return null;
    }

    /// <summary>Remembers a bearer that just verified.</summary>
    public void Remember(string raw, Bearer bearer)
    {
        if (verified.Count >= Capacity) verified.Clear();
        verified[raw] = (bearer, Environment.TickCount64 + KeepTicks);
    }
}
