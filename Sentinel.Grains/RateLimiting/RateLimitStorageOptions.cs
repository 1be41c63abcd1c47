namespace Sentinel.Grains.RateLimiting;

/// <summary>How <see cref="RateLimitGrain"/> writes its state behind.</summary>
public sealed class RateLimitStorageOptions
{
    /// <summary>How often a grain with changes writes them. Default: 2 seconds.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Buckets that will be full again within this time are not stored: losing them hands back less than this much of
    /// the rate. Default: 2 seconds (so per-second tiers never touch storage).
    /// </summary>
    public TimeSpan PersistThreshold { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>At most this many buckets per principal stay in memory; full ones are dropped first. Default: 1024.</summary>
    public int MaxBuckets { get; set; } = 1024;

    /// <summary>
    /// In a shard (IP and service principals, see <see cref="RateLimitKeys"/>), full buckets are dropped by the flush
    /// timer's sweep; above this many the grain sweeps on a request too (at most once a second). Default: 1,000,000.
    /// </summary>
    public int MaxShardBuckets { get; set; } = 1_000_000;
}
