using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Sentinel.Grains.Activity;

/// <summary>Writes <c>activity_logs</c> rows inside the transaction of the change they record.</summary>
internal static class ActivityLog
{
    public const string SystemTarget = "system";

    public static async Task WriteAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction,
        string action, Guid? actorId, string targetType, Guid targetId, Guid? workspaceId, object? detail,
        CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand(
            "INSERT INTO activity_logs (id, action, actor_id, target_type, target_id, workspace_id, detail) " +
            "VALUES (@id, @action, @actor, @target_type, @target_id, @workspace, @detail)", connection, transaction);
        cmd.Parameters.AddWithValue("id", Guid.NewGuid());
        cmd.Parameters.AddWithValue("action", action);
        cmd.Parameters.AddWithValue("actor", (object?)actorId ?? DBNull.Value);
        cmd.Parameters.AddWithValue("target_type", targetType);
        cmd.Parameters.AddWithValue("target_id", targetId);
        cmd.Parameters.AddWithValue("workspace", (object?)workspaceId ?? DBNull.Value);
        cmd.Parameters.Add(new NpgsqlParameter("detail", NpgsqlDbType.Jsonb) { Value = detail is null ? DBNull.Value : JsonSerializer.Serialize(detail) });
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }
}
