using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Sentinel.Grains.Sessions;

/// <summary>
/// Records that a user starts a refresh family through a client app (<c>client_app_sessions</c>), so that revoking an
/// app's sessions can find the users to ask. Grain tests without a database record nothing.
/// </summary>
internal static class ClientAppSessionIndex
{
    public static async Task RecordAsync(IServiceProvider services, Guid clientAppId, Guid userId, CancellationToken cancellationToken)
    {
        if (services.GetService<NpgsqlDataSource>() is not { } database) return;
        await using var cmd = database.CreateCommand(
            "INSERT INTO client_app_sessions (client_app_id, user_id) VALUES (@app, @user) " +
            "ON CONFLICT (client_app_id, user_id) DO UPDATE SET last_started_at = now()");
        cmd.Parameters.AddWithValue("app", clientAppId);
        cmd.Parameters.AddWithValue("user", userId);
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }
}
