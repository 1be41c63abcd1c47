using Npgsql;
using Sentinel.Grains.Data;

namespace Sentinel.Grains.Directory;

/// <summary>The rows of <c>users</c> that <see cref="UserGrain"/> caches and changes.</summary>
internal sealed class UserStore(NpgsqlDataSource database)
{
    /// <summary>The new user, or null when the email (or id) is taken.</summary>
    public Task<UserProfile?> CreateAsync(Guid id, string email, string name, string? avatarUrl, bool isAdmin, CancellationToken cancellationToken) =>
        database.WriteWithActivityAsync(async (connection, tx) =>
        {
            await using var cmd = new NpgsqlCommand(
                $"INSERT INTO users (id, email, name, avatar_url, is_admin) VALUES (@id, @email, @name, @avatar, @admin) ON CONFLICT DO NOTHING RETURNING {DbReaders.UserColumns}", connection, tx);
            cmd.Parameters.AddWithValue("id", id);
            cmd.Parameters.AddWithValue("email", email);
            cmd.Parameters.AddWithValue("name", name);
            cmd.Parameters.AddWithValue("avatar", (object?)avatarUrl ?? DBNull.Value);
            cmd.Parameters.AddWithValue("admin", isAdmin);
            return await cmd.ReadFirstAsync(DbReaders.User, cancellationToken);
        }, user => user is null ? null : new ActivityRow("user_created", null, "user", id), cancellationToken);

    public async Task<UserProfile?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var cmd = database.CreateCommand($"SELECT {DbReaders.UserColumns} FROM users WHERE id = @id");
        cmd.Parameters.AddWithValue("id", id);
        return await cmd.ReadFirstAsync(DbReaders.User, cancellationToken);
    }

    /// <summary>Applies the non-null fields (no activity row: the user changes their own profile); null when no such user.</summary>
    public async Task<UserProfile?> UpdateProfileAsync(Guid id, string? name, string? avatarUrl, CancellationToken cancellationToken)
    {
        await using var cmd = database.CreateCommand(
            $"UPDATE users SET name = COALESCE(@name, name), avatar_url = COALESCE(@avatar, avatar_url), updated_at = now() WHERE id = @id RETURNING {DbReaders.UserColumns}");
        cmd.Parameters.AddWithValue("id", id);
        cmd.Parameters.AddWithValue("name", (object?)name ?? DBNull.Value);
        cmd.Parameters.AddWithValue("avatar", (object?)avatarUrl ?? DBNull.Value);
        return await cmd.ReadFirstAsync(DbReaders.User, cancellationToken);
    }

    /// <summary>Promotes or demotes, recording which; null when no such user.</summary>
    public Task<UserProfile?> SetAdminAsync(Guid id, bool isAdmin, Guid? actorId, CancellationToken cancellationToken) =>
        database.WriteWithActivityAsync(async (connection, tx) =>
        {
            await using var cmd = new NpgsqlCommand($"UPDATE users SET is_admin = @admin, updated_at = now() WHERE id = @id RETURNING {DbReaders.UserColumns}", connection, tx);
            cmd.Parameters.AddWithValue("id", id);
            cmd.Parameters.AddWithValue("admin", isAdmin);
            return await cmd.ReadFirstAsync(DbReaders.User, cancellationToken);
        }, user => user is null ? null : new ActivityRow(isAdmin ? "user_promoted_admin" : "user_demoted_admin", actorId, "user", id), cancellationToken);
}
