namespace Sentinel.Grains.Admin;

/// <summary>
/// One batched CSV import, keyed by a job id the edge makes up. The edge validates the whole file first and hands over
/// the valid rows; the job resolves workspaces and existing users, then writes in batches inside ONE transaction, so a
/// cancelled or failed import leaves no row behind (all or nothing), and touched workspace grains reload their members
/// after the commit. Any web replica can poll it: the state lives in this grain, not in the process that started it.
/// </summary>
public interface IAdminImportJobGrain : IGrainWithGuidKey
{
    /// <summary>Starts the job (once; a second start returns the current status). Returns at once: the writing runs in the background.</summary>
    Task<ImportJobStatus> StartAsync(ImportJobRequest request, CancellationToken cancellationToken = default);

    /// <summary>The job's progress, or null when no job with this id ran on this activation (unknown or expired).</summary>
    Task<ImportJobStatus?> GetAsync(CancellationToken cancellationToken = default);

    /// <summary>Asks a running job to stop: its transaction is rolled back, nothing lands. No effect once committed.</summary>
    Task<ImportJobStatus?> CancelAsync(CancellationToken cancellationToken = default);

    /// <summary>Every row not imported and why, in file order (the file's own errors and the ones found while writing).</summary>
    Task<IReadOnlyList<ImportRowError>?> GetErrorsAsync(CancellationToken cancellationToken = default);
}

/// <summary>What an import job is given: the valid rows, the rows the edge refused, and who asked.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.ImportJobRequest")]
public sealed record ImportJobRequest(
    [property: Id(0)] Guid ActorId,
    [property: Id(1)] int TotalRows,
    [property: Id(2)] IReadOnlyList<CsvImportRow> Rows,
    [property: Id(3)] IReadOnlyList<ImportRowError> FileErrors,
    [property: Id(4)] int BatchSize);

/// <summary>One row that was not imported.</summary>
/// <param name="Line">The row's number in the file (the header is row 1).</param>
/// <param name="Email">The row's email as written (may be blank).</param>
/// <param name="Error">Why the row was not imported.</param>
[GenerateSerializer, Immutable, Alias("sentinel.ImportRowError")]
public sealed record ImportRowError(
    [property: Id(0)] int Line,
    [property: Id(1)] string Email,
    [property: Id(2)] string Error);

/// <summary>The states of an import job.</summary>
public static class ImportJobStates
{
    public const string Validating = "validating";
    public const string Writing = "writing";
    public const string Committing = "committing";
    public const string Completed = "completed";
    public const string Cancelled = "cancelled";
    public const string Failed = "failed";

    /// <summary>True for a state the job never leaves.</summary>
    public static bool IsFinal(string state) => state is Completed or Cancelled or Failed;
}

/// <summary>
/// Progress of an import job. <paramref name="Processed"/> counts valid rows written inside the (uncommitted)
/// transaction; <paramref name="RowsLanded"/> counts rows visible to everyone: 0 until the commit, all of them after.
/// </summary>
[GenerateSerializer, Immutable, Alias("sentinel.ImportJobStatus")]
public sealed record ImportJobStatus(
    [property: Id(0)] Guid JobId,
    [property: Id(1)] string State,
    [property: Id(2)] int TotalRows,
    [property: Id(3)] int ValidRows,
    [property: Id(4)] int Processed,
    [property: Id(5)] int RowsLanded,
    [property: Id(6)] int UsersCreated,
    [property: Id(7)] int MembershipsAdded,
    [property: Id(8)] int ErrorCount,
    [property: Id(9)] double RowsPerSecond,
    [property: Id(10)] double? EtaSeconds,
    [property: Id(11)] double ElapsedSeconds,
    [property: Id(12)] DateTimeOffset StartedAt,
    [property: Id(13)] DateTimeOffset? FinishedAt,
    [property: Id(14)] string? Message,
    [property: Id(15)] Guid ActorId);
