namespace Sentinel.Grains.RateLimiting;

/// <summary>
/// Stored as JSON keyed by property name: these names are a stored schema. Rename deliberately, never casually.
/// </summary>
[GenerateSerializer, Alias("sentinel.RateLimitState")]
public sealed class RateLimitState
{
    /// <summary>The theoretical arrival time (GCRA) of each bucket with a backlog worth keeping, by bucket name.</summary>
    [Id(0)] public Dictionary<string, DateTimeOffset> Buckets { get; set; } = [];
}
