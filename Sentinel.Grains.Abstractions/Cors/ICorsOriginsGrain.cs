namespace Sentinel.Grains.Cors;

/// <summary>
/// The dynamic part of the CORS allowlist (docs/hardening.md, CORS): the origins of active client apps' redirect URIs and the
/// <c>allowed_origins</c> of active service apps. One activation per cluster (key 0), so an invalidation is seen by every
/// edge's next poll. Reloads from PostgreSQL on <see cref="InvalidateAsync"/> and at most every
/// <see cref="CorsOriginSet.MaxAge"/> otherwise, which bounds staleness even for changes made outside the grains.
/// </summary>
public interface ICorsOriginsGrain : IGrainWithIntegerKey
{
    /// <summary>The current set, or null when its version is <paramref name="knownVersion"/> (nothing changed).</summary>
    Task<CorsOriginSet?> GetIfChangedAsync(long knownVersion, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reloads at once and returns the new set. Call after creating, updating or deleting a client app or a service app
    /// (the edge's <c>CorsOrigins.InvalidateAsync</c> does this and updates its own copy in the same call).
    /// </summary>
    Task<CorsOriginSet> InvalidateAsync(CancellationToken cancellationToken = default);
}

/// <summary>A version stamp and the origins it names (exact, <c>scheme://host[:port]</c>, sorted).</summary>
/// <param name="Version">A hash of <paramref name="Origins"/>: equal sets have equal versions on every activation.</param>
/// <param name="Origins">The origins.</param>
[GenerateSerializer, Immutable, Alias("sentinel.CorsOriginSet")]
public sealed record CorsOriginSet(
    [property: Id(0)] long Version,
    [property: Id(1)] IReadOnlyList<string> Origins)
{
    /// <summary>How old the grain's copy may get before a poll reloads it from PostgreSQL: 30 seconds.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(30);

    /// <summary>The set with its content version.</summary>
    public static CorsOriginSet Of(IEnumerable<string> origins)
    {
        var sorted = origins.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', sorted)));
        return new CorsOriginSet(BitConverter.ToInt64(hash, 0), sorted);
    }

    /// <summary><c>scheme://host[:port]</c> of an absolute http(s) URI, as a browser sends it in <c>Origin</c>; null otherwise.</summary>
    public static string? OriginOf(string uri) =>
        Uri.TryCreate(uri, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps)
            ? u.GetLeftPart(UriPartial.Authority)
            : null;
}
