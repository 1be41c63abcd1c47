using System.Text.Json;
using Npgsql;
using Orleans.Concurrency;
using Sentinel.Grains.Activity;
using Sentinel.Grains.Directory;
using Sentinel.Grains.Sessions;

namespace Sentinel.Grains.Admin;

/// <summary>
/// Admin changes to users. Revocation goes through each user's session grain (the single writer of their sessions),
/// after the row is committed: a deactivated user's tokens stop working on the next request.
/// </summary>
[StatelessWorker]
internal sealed class AdminUserCommandsGrain(NpgsqlDataSource database) : Grain, IAdminUserCommandsGrain
{
    public async Task<string?> UpdateAsync(Guid userId, AdminUserUpdate update, Guid actorId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        bool wasActive, wasAdmin;
        await using (var read = new NpgsqlCommand("SELECT is_active, is_admin FROM users WHERE id = @id FOR UPDATE", connection, tx))
        {
            read.Parameters.AddWithValue("id", userId);
            await using var r = await read.ExecuteReaderAsync(cancellationToken);
            if (!await r.ReadAsync(cancellationToken)) return null;
            (wasActive, wasAdmin) = (r.GetBoolean(0), r.GetBoolean(1));
        }
        await using (var write = new NpgsqlCommand(
            "UPDATE users SET name = COALESCE(@name, name), is_active = COALESCE(@active, is_active), is_admin = COALESCE(@admin, is_admin), updated_at = now() WHERE id = @id", connection, tx))
        {
            write.Parameters.AddWithValue("id", userId);
            write.Parameters.AddWithValue("name", (object?)update.Name ?? DBNull.Value);
            write.Parameters.AddWithValue("active", (object?)update.IsActive ?? DBNull.Value);
            write.Parameters.AddWithValue("admin", (object?)update.IsAdmin ?? DBNull.Value);
            await write.ExecuteNonQueryAsync(cancellationToken);
        }
        // The contract's "first applicable" action, written even when nothing changed.
        var action = update switch
        {
            { IsAdmin: true } => "user_promoted_admin",
            { IsAdmin: false } => "user_demoted_admin",
            { IsActive: true } => "user_activated",
            { IsActive: false } => "user_deactivated",
            _ => "user_updated",
        };
        await ActivityLog.WriteAsync(connection, tx, action, actorId, "user", userId, null, null, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        // The user grain caches the row the admin cookie check reads: a demoted admin must be refused on the next request.
        await GrainFactory.GetGrain<IUserGrain>(userId).ReloadAsync(cancellationToken);

        var sessions = GrainFactory.GetGrain<IUserSessionGrain>(userId);
        if (update.IsActive == false)
        {
            await sessions.SetDeactivatedAsync(true, cancellationToken);
            await sessions.RevokeAllIssuedBeforeNowAsync(cancellationToken);
        }
        else if (update.IsActive == true && !wasActive)
        {
            await sessions.SetDeactivatedAsync(false, cancellationToken);
        }
        if (update.IsAdmin == false && wasAdmin) await sessions.RevokeAllIssuedBeforeNowAsync(cancellationToken);
        return action;
    }

    public async Task<int> BulkStatusAsync(IReadOnlyList<Guid> userIds, bool isActive, Guid actorId, CancellationToken cancellationToken)
    {
        var ids = userIds.Distinct().ToArray();
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        Guid[] affected;
        await using (var cmd = new NpgsqlCommand("UPDATE users SET is_active = @active, updated_at = now() WHERE id = ANY(@ids) RETURNING id", connection, tx))
        {
            cmd.Parameters.AddWithValue("active", isActive);
            cmd.Parameters.AddWithValue("ids", ids);
            var list = new List<Guid>();
            await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
            while (await r.ReadAsync(cancellationToken)) list.Add(r.GetGuid(0));
            affected = list.ToArray();
        }
        await ActivityLog.WriteAsync(connection, tx, "bulk_status_change", actorId, ActivityLog.SystemTarget, Guid.Empty, null,
            new { user_count = affected.Length, is_active = isActive }, cancellationToken);
        await tx.CommitAsync(cancellationToken);

        await Task.WhenAll(affected.Select(async id =>
        {
            await GrainFactory.GetGrain<IUserGrain>(id).ReloadAsync(cancellationToken);
            var sessions = GrainFactory.GetGrain<IUserSessionGrain>(id);
            await sessions.SetDeactivatedAsync(!isActive, cancellationToken);
            if (!isActive) await sessions.RevokeAllIssuedBeforeNowAsync(cancellationToken);
        }));
        return affected.Length;
    }

    public async Task<int> RevokeTokensAsync(Guid userId, Guid actorId, CancellationToken cancellationToken)
    {
        await using (var connection = await database.OpenConnectionAsync(cancellationToken))
            await ActivityLog.WriteAsync(connection, null, "tokens_revoked", actorId, "user", userId, null, null, cancellationToken);
        var sessions = GrainFactory.GetGrain<IUserSessionGrain>(userId);
        // The contract counts refresh entries: the families live just before the cut-off.
        var live = await sessions.ListSessionsAsync(null, cancellationToken);
        await sessions.RevokeAllIssuedBeforeNowAsync(cancellationToken);
        return live.Count;
    }

    public async Task<bool> RevokeSessionAsync(Guid userId, Guid familyId, Guid actorId, CancellationToken cancellationToken)
    {
        if (!await GrainFactory.GetGrain<IUserSessionGrain>(userId).RevokeFamilyAsync(familyId, "admin", cancellationToken)) return false;
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await ActivityLog.WriteAsync(connection, null, "session_revoked", actorId, "user", userId, null, new { family_id = familyId }, cancellationToken);
        return true;
    }

    public async Task<CsvImportResult> ImportAsync(IReadOnlyList<CsvImportRow> rows, Guid actorId, CancellationToken cancellationToken)
    {
        var created = 0;
        var added = 0;
        var errors = new List<string>();
        var directory = GrainFactory.GetGrain<IDirectoryQueryGrain>(0);
        var workspaces = new Dictionary<string, Guid?>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            // The workspace first, so a row that cannot be imported creates no user.
            if (!workspaces.TryGetValue(row.WorkspaceSlug, out var workspaceId))
                workspaces[row.WorkspaceSlug] = workspaceId = await directory.FindWorkspaceIdBySlugAsync(row.WorkspaceSlug, cancellationToken);
            if (workspaceId is null)
            {
                errors.Add($"Row {row.Line}: Workspace '{row.WorkspaceSlug}' not found");
                continue;
            }
            // Through the user and workspace grains, which cache their rows; each row commits on its own.
            var userId = await directory.FindUserIdByEmailAsync(row.Email, cancellationToken);
            if (userId is null)
            {
                var newId = Guid.NewGuid();
                var result = await GrainFactory.GetGrain<IUserGrain>(newId).CreateAsync(row.Email, row.Name, null, false, cancellationToken);
                if (result.IsOk)
                {
                    created++;
                    userId = newId;
                }
                else
                {
                    // Lost a race with another creation of the same email: use that user.
                    userId = await directory.FindUserIdByEmailAsync(row.Email, cancellationToken);
                    if (userId is null)
                    {
                        errors.Add($"Row {row.Line}: Failed to create user {row.Email}");
                        continue;
                    }
                }
            }
            var membership = await GrainFactory.GetGrain<IWorkspaceGrain>(workspaceId.Value)
                .AddMemberAsync(new Actor(actorId, null), userId.Value, row.Role, cancellationToken);
            if (membership.IsOk) added++;
            else if (membership.Error != DirectoryError.AlreadyMember) errors.Add($"Row {row.Line}: Failed to add {row.Email} to '{row.WorkspaceSlug}'");
        }
        return new CsvImportResult(created, added, errors);
    }

    public async Task RecordAsync(string action, Guid actorId, string targetType, Guid targetId, string? detailJson, CancellationToken cancellationToken)
    {
        using var detail = detailJson is null ? null : JsonDocument.Parse(detailJson);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await ActivityLog.WriteAsync(connection, null, action, actorId, targetType, targetId, null, detail?.RootElement, cancellationToken);
    }
}
