using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using Sentinel.Grains.Activity;
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
internal sealed partial class AdminImportJobGrain(NpgsqlDataSource database, ILogger<AdminImportJobGrain> logger) : Grain, IAdminImportJobGrain
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
            await using var connection = await database.OpenConnectionAsync(ct);
            // Validation of the whole file against the directory before any write: unknown workspaces.
            var workspaces = await WorkspaceIdsAsync(connection, job.Rows.Select(r => r.WorkspaceSlug).Distinct(StringComparer.Ordinal).ToArray(), ct);
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

            await using var tx = await connection.BeginTransactionAsync(ct);
            // The user each email resolved to so far in this import (lower-cased: emails compare case-insensitively, §8.4).
            var userIds = new Dictionary<string, Guid>(StringComparer.Ordinal);
            var memberships = new HashSet<(Guid, Guid)>();
            foreach (var batch in writable.Chunk(job.BatchSize))
            {
                ct.ThrowIfCancellationRequested();
                var (c, a) = await WriteBatchAsync(connection, tx, batch, userIds, memberships, job.ActorId, ct);
                created += c;
                added += a;
                foreach (var (_, ws) in batch) touched.Add(ws);
                processed += batch.Length;
                (usersCreated, membershipsAdded) = (created, added);
            }
            ct.ThrowIfCancellationRequested();
            await ActivityLog.WriteAsync(connection, tx, "batch_import", job.ActorId, ActivityLog.SystemTarget, Guid.Empty, null,
                new { users_created = created, memberships_added = added, error_count = errors.Count, batched = true }, ct);
            state = ImportJobStates.Committing;
            // Not cancellable from here on: the commit either happens or fails as a whole.
            await tx.CommitAsync(CancellationToken.None);
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

    private static async Task<Dictionary<string, Guid>> WorkspaceIdsAsync(NpgsqlConnection connection, string[] slugs, CancellationToken ct)
    {
        var found = new Dictionary<string, Guid>(StringComparer.Ordinal);
        await using var cmd = new NpgsqlCommand("SELECT slug, id FROM workspaces WHERE slug = ANY(@slugs)", connection);
        cmd.Parameters.AddWithValue("slugs", slugs);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) found[reader.GetString(0)] = reader.GetGuid(1);
        return found;
    }

    /// <summary>
    /// One batch, in the import's transaction, with a fixed number of statements whatever its size: look up existing
    /// users, insert the missing ones (ON CONFLICT DO NOTHING, then look up again: a concurrent sign-up of the same email
    /// wins and is reused), insert the memberships (an existing one is kept, as the row-by-row path does), and the same
    /// activity rows the row-by-row path writes (user_created, member_invited).
    /// </summary>
    private static async Task<(int Created, int Added)> WriteBatchAsync(NpgsqlConnection connection, NpgsqlTransaction tx,
        (CsvImportRow Row, Guid Workspace)[] batch, Dictionary<string, Guid> userIds, HashSet<(Guid, Guid)> memberships, Guid actorId, CancellationToken ct)
    {
        static string Key(string email) => email.ToLowerInvariant();
        var unknown = batch.Select(b => b.Row.Email).Where(e => !userIds.ContainsKey(Key(e))).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        if (unknown.Length > 0) await LookUpAsync(connection, tx, unknown, userIds, ct);

        var toCreate = new Dictionary<string, (Guid Id, string Email, string Name)>(StringComparer.Ordinal);
        foreach (var (row, _) in batch)
            if (!userIds.ContainsKey(Key(row.Email)) && !toCreate.ContainsKey(Key(row.Email)))
                toCreate[Key(row.Email)] = (Guid.NewGuid(), row.Email, row.Name);
        var created = 0;
        if (toCreate.Count > 0)
        {
            var newIds = new List<Guid>();
            await using (var cmd = new NpgsqlCommand(
                "INSERT INTO users (id, email, name) SELECT * FROM unnest(@ids, @emails, @names) ON CONFLICT DO NOTHING RETURNING id, email", connection, tx))
            {
                cmd.Parameters.AddWithValue("ids", toCreate.Values.Select(v => v.Id).ToArray());
                cmd.Parameters.AddWithValue("emails", toCreate.Values.Select(v => v.Email).ToArray());
                cmd.Parameters.AddWithValue("names", toCreate.Values.Select(v => v.Name).ToArray());
                await using var reader = await cmd.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    userIds[Key(reader.GetString(1))] = reader.GetGuid(0);
                    newIds.Add(reader.GetGuid(0));
                }
            }
            created = newIds.Count;
            var lost = toCreate.Keys.Where(k => !userIds.ContainsKey(k)).Select(k => toCreate[k].Email).ToArray();
            if (lost.Length > 0) await LookUpAsync(connection, tx, lost, userIds, ct);
            if (newIds.Count > 0)
            {
                await using var log = new NpgsqlCommand(
                    "INSERT INTO activity_logs (id, action, actor_id, target_type, target_id) SELECT l, 'user_created', NULL, 'user', u FROM unnest(@logs, @users) AS t(l, u)", connection, tx);
                log.Parameters.AddWithValue("logs", newIds.Select(_ => Guid.NewGuid()).ToArray());
                log.Parameters.AddWithValue("users", newIds.ToArray());
                await log.ExecuteNonQueryAsync(ct);
            }
        }

        // One membership per (workspace, user): the first row in the file wins, as it would row by row.
        var rows = new List<(Guid Id, Guid Workspace, Guid User, string Role)>();
        foreach (var (row, ws) in batch)
        {
            if (!userIds.TryGetValue(Key(row.Email), out var user)) continue;
            if (memberships.Add((ws, user))) rows.Add((Guid.NewGuid(), ws, user, row.Role.ToName()));
        }
        var added = new List<(Guid Workspace, Guid User, string Role)>();
        if (rows.Count > 0)
        {
            await using (var cmd = new NpgsqlCommand(
                "INSERT INTO workspace_memberships (id, workspace_id, user_id, role) SELECT * FROM unnest(@ids, @workspaces, @users, @roles) " +
                "ON CONFLICT DO NOTHING RETURNING workspace_id, user_id, role", connection, tx))
            {
                cmd.Parameters.AddWithValue("ids", rows.Select(r => r.Id).ToArray());
                cmd.Parameters.AddWithValue("workspaces", rows.Select(r => r.Workspace).ToArray());
                cmd.Parameters.AddWithValue("users", rows.Select(r => r.User).ToArray());
                cmd.Parameters.AddWithValue("roles", rows.Select(r => r.Role).ToArray());
                await using var reader = await cmd.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct)) added.Add((reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2)));
            }
            if (added.Count > 0)
            {
                await using var log = new NpgsqlCommand(
                    "INSERT INTO activity_logs (id, action, actor_id, target_type, target_id, workspace_id, detail) " +
                    "SELECT l, 'member_invited', @actor, 'user', u, w, jsonb_build_object('role', r) FROM unnest(@logs, @users, @workspaces, @roles) AS t(l, u, w, r)", connection, tx);
                log.Parameters.AddWithValue("actor", actorId);
                log.Parameters.AddWithValue("logs", added.Select(_ => Guid.NewGuid()).ToArray());
                log.Parameters.AddWithValue("users", added.Select(a => a.User).ToArray());
                log.Parameters.AddWithValue("workspaces", added.Select(a => a.Workspace).ToArray());
                log.Parameters.AddWithValue("roles", added.Select(a => a.Role).ToArray());
                await log.ExecuteNonQueryAsync(ct);
            }
        }
        return (created, added.Count);
    }

    private static async Task LookUpAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string[] emails, Dictionary<string, Guid> userIds, CancellationToken ct)
    {
        // lower(email) is what users_email_lower_key indexes, so this is an index lookup per email.
        await using var cmd = new NpgsqlCommand(
            "SELECT e.email, u.id FROM unnest(@emails) AS e(email) JOIN users u ON lower(u.email) = lower(e.email)", connection, tx);
        cmd.Parameters.AddWithValue("emails", emails);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) userIds[reader.GetString(0).ToLowerInvariant()] = reader.GetGuid(1);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Import job {JobId} failed and was rolled back")]
    private static partial void LogFailed(ILogger logger, Guid jobId, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Import job: workspace {WorkspaceId} could not reload its members")]
    private static partial void LogReloadFailed(ILogger logger, Guid workspaceId, Exception ex);

    [LoggerMessage(Level = LogLevel.Information, Message = "Import job {JobId}: {Rows} valid rows, {Created} users created, {Added} memberships added, {Errors} errors, {Seconds:F2} s")]
    private static partial void LogDone(ILogger logger, Guid jobId, int rows, int created, int added, int errors, double seconds);
}
