using Npgsql;
using Sentinel.Grains.Activity;

namespace Sentinel.Grains.Directory;

internal sealed class UserGrain(NpgsqlDataSource database) : Grain, IUserGrain
{
    private UserProfile? user;
    private bool loaded;

    private Guid Id => this.GetPrimaryKey();

    public async Task<UserProfile?> GetAsync(CancellationToken cancellationToken)
    {
        if (!loaded) await LoadAsync(cancellationToken);
        return user;
    }

    public async Task<DirectoryResult<UserProfile>> CreateAsync(string email, string name, string? avatarUrl, bool isAdmin, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await using (var cmd = new NpgsqlCommand(
            $"INSERT INTO users (id, email, name, avatar_url, is_admin) VALUES (@id, @email, @name, @avatar, @admin) ON CONFLICT DO NOTHING RETURNING {DbReaders.UserColumns}", connection, tx))
        {
            cmd.Parameters.AddWithValue("id", Id);
            cmd.Parameters.AddWithValue("email", email);
            cmd.Parameters.AddWithValue("name", name);
            cmd.Parameters.AddWithValue("avatar", (object?)avatarUrl ?? DBNull.Value);
            cmd.Parameters.AddWithValue("admin", isAdmin);
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
                return DirectoryResult<UserProfile>.Refused(DirectoryError.EmailTaken);
            user = DbReaders.User(reader);
        }
        await ActivityLog.WriteAsync(connection, tx, "user_created", null, "user", Id, null, null, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        loaded = true;
        return DirectoryResult<UserProfile>.Ok(user);
    }

    public async Task<UserProfile?> UpdateProfileAsync(string? name, string? avatarUrl, CancellationToken cancellationToken)
    {
        await using var cmd = database.CreateCommand(
            $"UPDATE users SET name = COALESCE(@name, name), avatar_url = COALESCE(@avatar, avatar_url), updated_at = now() WHERE id = @id RETURNING {DbReaders.UserColumns}");
        cmd.Parameters.AddWithValue("id", Id);
        cmd.Parameters.AddWithValue("name", (object?)name ?? DBNull.Value);
        cmd.Parameters.AddWithValue("avatar", (object?)avatarUrl ?? DBNull.Value);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        user = await reader.ReadAsync(cancellationToken) ? DbReaders.User(reader) : null;
        loaded = true;
        await ClaimsChangedAsync(cancellationToken);
        return user;
    }

    public async Task<UserProfile?> SetAdminAsync(bool isAdmin, Guid? actorId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await using (var cmd = new NpgsqlCommand($"UPDATE users SET is_admin = @admin, updated_at = now() WHERE id = @id RETURNING {DbReaders.UserColumns}", connection, tx))
        {
            cmd.Parameters.AddWithValue("id", Id);
            cmd.Parameters.AddWithValue("admin", isAdmin);
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken)) return null;
            user = DbReaders.User(reader);
        }
        await ActivityLog.WriteAsync(connection, tx, isAdmin ? "user_promoted_admin" : "user_demoted_admin", actorId, "user", Id, null, null, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        loaded = true;
        return user;
    }

    public async Task<UserProfile?> ReloadAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        // Admin changes (name, active) reload this grain: the session grain's held claims go too.
        await ClaimsChangedAsync(cancellationToken);
        return user;
    }

    /// <summary>
    /// Name and email are access-token claims the session grain holds between rotations: it forgets them before this
    /// change is acknowledged. The call interleaves on the session grain, so awaiting it here cannot deadlock with a
    /// rotation that is reading this grain.
    /// </summary>
    private Task ClaimsChangedAsync(CancellationToken cancellationToken) =>
        GrainFactory.GetGrain<Sentinel.Grains.Sessions.IUserSessionGrain>(Id).ClaimsChangedAsync(cancellationToken);

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        await using var cmd = database.CreateCommand($"SELECT {DbReaders.UserColumns} FROM users WHERE id = @id");
        cmd.Parameters.AddWithValue("id", Id);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        user = await reader.ReadAsync(cancellationToken) ? DbReaders.User(reader) : null;
        // A missing user is not cached: it may be created through another path (sign-in) a moment later.
        loaded = user is not null;
    }
}
