using Npgsql;
using Sentinel.Grains.Activity;

namespace Sentinel.Grains.Data;

/// <summary>The <c>activity_logs</c> row that records a change.</summary>
internal sealed record ActivityRow(string Action, Guid? ActorId, string TargetType, Guid TargetId, Guid? WorkspaceId = null, object? Detail = null);

/// <summary>
/// The one way a store writes a change together with the activity row that records it. Rule: the row is written in
/// the change's own transaction, so the log never shows a change that was rolled back and no committed change goes
/// unrecorded. A change that is refused (no row matched, a unique name was taken) rolls back and records nothing.
/// </summary>
internal static class ActivityTransaction
{
    /// <summary>
    /// Opens a connection, begins a transaction and runs <paramref name="change"/>. <paramref name="record"/> maps its
    /// result to the activity row, or to null when the result is a refusal: then the transaction is rolled back and the
    /// result returned as it is. Otherwise the row is written and the transaction committed before the result is returned.
    /// </summary>
    public static async Task<T> WriteWithActivityAsync<T>(
        this NpgsqlDataSource database,
        Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> change,
        Func<T, ActivityRow?> record,
        CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var result = await change(connection, tx);
        // Disposing an uncommitted transaction rolls it back.
        if (record(result) is not { } row) return result;
        await WriteAsync(connection, tx, row, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return result;
    }

    /// <summary>An activity row on its own, for a change that was made elsewhere (a session grain) or has no row of its own.</summary>
    public static async Task RecordActivityAsync(this NpgsqlDataSource database, ActivityRow row, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await WriteAsync(connection, null, row, cancellationToken);
    }

    /// <summary>The row inside a transaction the caller holds (a store whose change spans several statements and rows).</summary>
    public static Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, ActivityRow row, CancellationToken cancellationToken) =>
        ActivityLog.WriteAsync(connection, tx, row.Action, row.ActorId, row.TargetType, row.TargetId, row.WorkspaceId, row.Detail, cancellationToken);
}
