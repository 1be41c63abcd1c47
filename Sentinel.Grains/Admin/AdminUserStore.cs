using System.Text.Json;
using Npgsql;
using Sentinel.Grains.Activity;
using Sentinel.Grains.Data;

namespace Sentinel.Grains.Admin;

/// <summary>The admin's changes to <c>users</c> rows, and the activity rows of admin actions done elsewhere (session revocations).</summary>
internal sealed class AdminUserStore(NpgsqlDataSource database)
{
    /// <summary>
    /// Applies the non-null fields and records <paramref name="action"/>, even when nothing changed. The flags as they
    /// were before, or null when no such user.
    /// </summary>
    public Task<(bool WasActive, bool WasAdmin)?> UpdateAsync(Guid userId, AdminUserUpdate update, string action, Guid actorId, CancellationToken cancellationToken) =>
        database.WriteWithActivityAsync<(bool, bool)?>(async (connection, tx) =>
        {
            (bool, bool)? before;
            await using (var read = new NpgsqlCommand("SELECT is_active, is_admin FROM users WHERE id = @id FOR UPDATE", connection, tx))
            {
                read.Parameters.AddWithValue("id", userId);
                before = await read.ReadFirstAsync<(bool, bool)?>(r => (r.GetBoolean(0), r.GetBoolean(1)), cancellationToken);
            }
            if (before is null) return null;
            await using var write = new NpgsqlCommand(
                "UPDATE users SET name = COALESCE(@name, name), is_active = COALESCE(@active, is_active), is_admin = COALESCE(@admin, is_admin), updated_at = now() WHERE id = @id", connection, tx);
            write.Parameters.AddWithValue("id", userId);
            write.Parameters.AddWithValue("name", (object?)update.Name ?? DBNull.Value);
            write.Parameters.AddWithValue("active", (object?)update.IsActive ?? DBNull.Value);
            write.Parameters.AddWithValue("admin", (object?)update.IsAdmin ?? DBNull.Value);
            await write.ExecuteNonQueryAsync(cancellationToken);
            return before;
        }, before => before is null ? null : new ActivityRow(action, actorId, "user", userId), cancellationToken);

    /// <summary>Sets <c>is_active</c> on every listed user that exists; those users. One <c>bulk_status_change</c> row records it.</summary>
    public Task<Guid[]> SetActiveAsync(Guid[] userIds, bool isActive, Guid actorId, CancellationToken cancellationToken) =>
        database.WriteWithActivityAsync(async (connection, tx) =>
        {
            await using var cmd = new NpgsqlCommand("UPDATE users SET is_active = @active, updated_at = now() WHERE id = ANY(@ids) RETURNING id", connection, tx);
            cmd.Parameters.AddWithValue("active", isActive);
            cmd.Parameters.AddWithValue("ids", userIds);
            return (await cmd.ReadAllAsync(r => r.GetGuid(0), cancellationToken)).ToArray();
        }, affected => new ActivityRow("bulk_status_change", actorId, ActivityLog.SystemTarget, Guid.Empty, null,
            new { user_count = affected.Length, is_active = isActive }), cancellationToken);

    /// <summary>An admin action on a user that changed no row here (the session grain did the work).</summary>
    public Task RecordAsync(string action, Guid actorId, Guid userId, object? detail, CancellationToken cancellationToken) =>
        database.RecordActivityAsync(new ActivityRow(action, actorId, "user", userId, null, detail), cancellationToken);

    /// <summary>An admin action recorded by the edge, with its detail as JSON text (stored as jsonb).</summary>
    public async Task RecordAsync(string action, Guid actorId, string targetType, Guid targetId, string? detailJson, CancellationToken cancellationToken)
    {
        using var detail = detailJson is null ? null : JsonDocument.Parse(detailJson);
        await database.RecordActivityAsync(new ActivityRow(action, actorId, targetType, targetId, null, detail?.RootElement), cancellationToken);
    }
}
