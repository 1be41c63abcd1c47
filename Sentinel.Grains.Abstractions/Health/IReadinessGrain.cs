namespace Sentinel.Grains.Health;

/// <summary>
/// Answers readiness probes from any silo: proves a grain call works and, through it, that PostgreSQL answers.
/// Use key 0.
/// </summary>
public interface IReadinessGrain : IGrainWithIntegerKey
{
    /// <summary>Runs one trivial query against PostgreSQL and reports the result.</summary>
    Task<ReadinessReport> CheckAsync(CancellationToken cancellationToken = default);
}

/// <summary>The outcome of one readiness check.</summary>
/// <param name="DatabaseOk">Whether PostgreSQL answered.</param>
/// <param name="DatabaseLatencyMs">Round-trip time of the query.</param>
/// <param name="Silo">The silo that answered.</param>
/// <param name="Error">A short, non-sensitive reason when the database did not answer.</param>
[GenerateSerializer, Immutable, Alias("sentinel.ReadinessReport")]
public sealed record ReadinessReport(
    [property: Id(0)] bool DatabaseOk,
    [property: Id(1)] double DatabaseLatencyMs,
    [property: Id(2)] string Silo,
    [property: Id(3)] string? Error);
