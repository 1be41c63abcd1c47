using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Sentinel.Grains.Activity;
using Sentinel.Grains.Data;
using Sentinel.Grains.Directory;

namespace Sentinel.Grains.Admin;

/// <summary>
/// A batched CSV import (see <see cref="IAdminImportJobGrain"/>). The work runs as a task on this activation's scheduler
/// (started by <see cref="StartAsync"/>, never awaited by a caller), so status calls are answered between its awaits
/// while it writes. Rule relied on: everything is written in one PostgreSQL transaction, so until the commit no other
/// session sees any imported row, and a cancel, an error or the loss of this silo (the connection closes) rolls it all
/// back. After the commit the workspace grains it touched reload their members (they cache them; see WorkspaceGrain),
/// and new users need nothing: a user grain never caches a missing row.
/// </summary>
internal sealed partial class AdminImportJobGrain(AdminImportStore store, ILogger<AdminImportJobGrain> logger) : Grain, IAdminImportJobGrain
{
    private ImportJobRequest? request;
    private readonly CancellationTokenSource cancel = new();
    private readonly List<ImportRowError> errors = [];
    private readonly Stopwatch clock = new();
    private string state = ImportJobStates.Validating;
    private int processed, landed, usersCreated, membershipsAdded;
    private DateTimeOffset startedAt;
    private DateTimeOffset? finishedAt;
    private double writeStartedSeconds;
    private string? message;

    public Task<ImportJobStatus> StartAsync(ImportJobRequest job, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            request = job with { BatchSize = Math.Clamp(job.BatchSize, 1, 10_000) };
            errors.AddRange(job.FileErrors);
            startedAt = DateTimeOffset.UtcNow;
            clock.Start();
            // Keeps the job (and its error report) for a while after it ends, even if nobody polls.
            DelayDeactivation(TimeSpan.FromMinutes(30));
            _ = RunAsync(request);
        }
        return Task.FromResult(Status());
    }

    public Task<ImportJobStatus?> GetAsync(CancellationToken cancellationToken) => Task.FromResult(request is null ? null : Status());

    public Task<ImportJobStatus?> CancelAsync(CancellationToken cancellationToken)
    {
        if (request is null) return Task.FromResult<ImportJobStatus?>(null);
        // Past the commit there is nothing left to undo: a cancel then changes nothing.
        if (state is ImportJobStates.Validating or ImportJobStates.Writing) cancel.Cancel();
        return Task.FromResult<ImportJobStatus?>(Status());
    }

    public Task<IReadOnlyList<ImportRowError>?> GetErrorsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ImportRowError>?>(request is null ? null : errors.OrderBy(e => e.Line).ToArray());

    private ImportJobStatus Status()
    {
        var job = request!;
        var elapsed = clock.Elapsed.TotalSeconds;
        var writing = Math.Max(elapsed - writeStartedSeconds, 1e-3);
        var rate = processed > 0 ? processed / writing : 0;
        double? eta = ImportJobStates.IsFinal(state) ? 0 : rate > 0 ? (job.Rows.Count - processed) / rate : null;
        return new ImportJobStatus(this.GetPrimaryKey(), state, job.TotalRows, job.Rows.Count, processed, landed, usersCreated, membershipsAdded,
            errors.Count, Math.Round(rate, 1), eta is null ? null : Math.Round(eta.Value, 1), Math.Round(elapsed, 2), startedAt, finishedAt, message, job.ActorId);
    }

    private async Task RunAsync(ImportJobRequest job)
    {
        var ct = cancel.Token;
        var touched = new HashSet<Guid>();
        var created = 0;
        var added = 0;
        var writeErrors = new List<ImportRowError>();
        try
        {
            await using var import = await store.OpenAsync(ct);
            // Validation of the whole file against the directory before any write: unknown workspaces.
            var workspaces = await import.WorkspaceIdsAsync(job.Rows.Select(r => r.WorkspaceSlug).Distinct(StringComparer.Ordinal).ToArray(), ct);
            var writable = new List<(CsvImportRow Row, Guid Workspace)>(job.Rows.Count);
            var skipped = 0;
            foreach (var row in job.Rows)
            {
                if (workspaces.TryGetValue(row.WorkspaceSlug, out var ws)) writable.Add((row, ws));
                else
                {
                    writeErrors.Add(new ImportRowError(row.Line, row.Email, $"Workspace '{row.WorkspaceSlug}' not found"));
                    skipped++;
                }
            }
            errors.AddRange(writeErrors);
            processed = skipped;
            state = ImportJobStates.Writing;
            writeStartedSeconds = clock.Elapsed.TotalSeconds;

            await import.BeginAsync(ct);
            // The user each email resolved to so far in this import (lower-cased: emails compare case-insensitively everywhere).
            var userIds = new Dictionary<string, Guid>(StringComparer.Ordinal);
            var memberships = new HashSet<(Guid, Guid)>();
            foreach (var batch in writable.Chunk(job.BatchSize))
            {
                ct.ThrowIfCancellationRequested();
                var (c, a) = await import.WriteBatchAsync(batch, userIds, memberships, job.ActorId, ct);
                created += c;
                added += a;
                foreach (var (_, ws) in batch) touched.Add(ws);
                processed += batch.Length;
                (usersCreated, membershipsAdded) = (created, added);
            }
            ct.ThrowIfCancellationRequested();
            await import.RecordAsync(new ActivityRow("batch_import", job.ActorId, ActivityLog.SystemTarget, Guid.Empty, null,
                new { users_created = created, memberships_added = added, error_count = errors.Count, batched = true }), ct);
            state = ImportJobStates.Committing;
            // Not cancellable from here on: the commit either happens or fails as a whole.
            await import.CommitAsync();
            landed = writable.Count;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            Finish(ImportJobStates.Cancelled, "Cancelled: the transaction was rolled back, no row was imported.", 0, 0);
            return;
        }
        catch (Exception ex)
        {
            LogFailed(logger, this.GetPrimaryKey(), ex);
            Finish(ImportJobStates.Failed, "The import failed and was rolled back: no row was imported.", 0, 0);
            return;
        }
        // Grains caching memberships of a touched workspace see the new rows before the job reports completion.
        await Task.WhenAll(touched.Select(async ws =>
        {
            try
            {
                await GrainFactory.GetGrain<IWorkspaceGrain>(ws).ReloadMembersAsync(CancellationToken.None);
            }
            catch (Exception ex)
            {
                // The rows are committed; a workspace grain that could not reload now will read them on its next activation.
                LogReloadFailed(logger, ws, ex);
            }
        }));
        Finish(ImportJobStates.Completed, null, created, added);
        LogDone(logger, this.GetPrimaryKey(), job.Rows.Count, created, added, errors.Count, clock.Elapsed.TotalSeconds);
    }

    private void Finish(string final, string? why, int created, int added)
    {
        (usersCreated, membershipsAdded) = (created, added);
        if (final != ImportJobStates.Completed) landed = 0;
        state = final;
        message = why;
        finishedAt = DateTimeOffset.UtcNow;
        clock.Stop();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Import job {JobId} failed and was rolled back")]
    private static partial void LogFailed(ILogger logger, Guid jobId, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Import job: workspace {WorkspaceId} could not reload its members")]
    private static partial void LogReloadFailed(ILogger logger, Guid workspaceId, Exception ex);

    [LoggerMessage(Level = LogLevel.Information, Message = "Import job {JobId}: {Rows} valid rows, {Created} users created, {Added} memberships added, {Errors} errors, {Seconds:F2} s")]
    private static partial void LogDone(ILogger logger, Guid jobId, int rows, int created, int added, int errors, double seconds);
}
