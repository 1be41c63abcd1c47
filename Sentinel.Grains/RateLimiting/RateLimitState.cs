namespace Sentinel.Grains.RateLimiting;

/// <summary>
/// Stored as JSON keyed by property name: these names are a stored schema. Rename deliberately, never casually.
/// </summary>
/// <remarks>
/// Rows written by the GCRA limiter held <c>Buckets</c> (a theoretical arrival time per bucket). That property no longer
/// exists, so such a row reads as having no windows (System.Text.Json skips unknown properties): its buckets start full,
/// which hands each back at most the old burst once, at the upgrade, and the grain deletes the row at its first flush.
/// </remarks>
[GenerateSerializer, Alias("sentinel.RateLimitState")]
public sealed class RateLimitState
{
    /// <summary>The sliding window of each bucket holding more than the threshold's worth of requests, by bucket name.</summary>
    [Id(1)] public Dictionary<string, StoredWindow> Windows { get; set; } = [];
}

/// <summary>The stored form of one bucket's sliding window.</summary>
[GenerateSerializer, Alias("sentinel.RateLimitStoredWindow")]
public sealed class StoredWindow
{
    /// <summary>Ticks per sub-window (the tier's period / 30, rounded up).</summary>
    [Id(0)] public long Width { get; set; }

    /// <summary>N of the rule last applied, to judge at flush time whether the window is worth storing.</summary>
    [Id(3)] public int Permits { get; set; }

    /// <summary>The index of the newest sub-window: its start is <c>Newest × Width</c> UTC ticks.</summary>
    [Id(1)] public long Newest { get; set; }

    /// <summary>Requests per sub-window, oldest first, ending with <see cref="Newest"/>; at most 31.</summary>
    [Id(2)] public int[] Counts { get; set; } = [];
}
