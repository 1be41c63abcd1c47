namespace Sentinel.Grains.Admin;

/// <summary>
/// The dashboard's time series for the last hour, in 10-second buckets. Every web replica counts Sentinel's own meters
/// (sign-ins, refreshes, reuse detections, 429s) and reports its deltas here, so the series are the sum over replicas
/// whichever replica the panel asks. The grain samples the cluster itself (Orleans' management grain: activations by
/// type and by silo; <see cref="Cluster.ICallRateGrain"/>: calls per second by silo) on a timer while it is active.
/// In memory only: a restart of the silo that hosts it starts the hour afresh. Use key 0.
/// </summary>
public interface IAdminMetricsGrain : IGrainWithIntegerKey
{
    /// <summary>Counter increments seen by one web replica since its last report.</summary>
    Task ReportAsync(string replica, IReadOnlyList<MetricDelta> deltas, DateTimeOffset at);

    /// <summary>Every series of the last hour.</summary>
    Task<MetricsSnapshot> GetAsync();
}

/// <summary>An increment of one counter series.</summary>
/// <param name="Series">E.g. <c>sign_ins</c>, <c>refreshes</c>, <c>reuse_detections</c>, <c>rate_limited</c>.</param>
/// <param name="Label">The breakdown (outcome, tier), or empty.</param>
/// <param name="Count">How many since the last report.</param>
[GenerateSerializer, Immutable, Alias("sentinel.MetricDelta")]
public sealed record MetricDelta(
    [property: Id(0)] string Series,
    [property: Id(1)] string Label,
    [property: Id(2)] long Count);

/// <summary>One labelled series: a value per bucket, oldest first (null: no sample in that bucket).</summary>
[GenerateSerializer, Immutable, Alias("sentinel.MetricSeries")]
public sealed record MetricSeries(
    [property: Id(0)] string Series,
    [property: Id(1)] string Label,
    [property: Id(2)] IReadOnlyList<double?> Values);

/// <summary>The last hour: <paramref name="Start"/> is the first bucket's start; each bucket lasts <paramref name="BucketSeconds"/>.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.MetricsSnapshot")]
public sealed record MetricsSnapshot(
    [property: Id(0)] DateTimeOffset Start,
    [property: Id(1)] int BucketSeconds,
    [property: Id(2)] int Buckets,
    [property: Id(3)] IReadOnlyList<MetricSeries> Series,
    [property: Id(4)] int Replicas);
