using Orleans.Concurrency;
using Sentinel.Grains.Directory;
using Sentinel.Grains.Sessions;

namespace Sentinel.Grains.Admin;

/// <summary>
/// Admin changes to users. Revocation goes through each user's session grain (the single writer of their sessions),
/// after the row is committed: a deactivated user's tokens stop working on the next request.
/// </summary>
[StatelessWorker]
internal sealed class AdminUserCommandsGrain(AdminUserStore store) : Grain, IAdminUserCommandsGrain
{
    public async Task<string?> UpdateAsync(Guid userId, AdminUserUpdate update, Guid actorId, CancellationToken cancellationToken)
    {
        // The contract's "first applicable" action, written even when nothing changed.
        var action = update switch
        {
            { IsAdmin: true } => "user_promoted_admin",
            { IsAdmin: false } => "user_demoted_admin",
            { IsActive: true } => "user_activated",
            { IsActive: false } => "user_deactivated",
            _ => "user_updated",
        };
        if (await store.UpdateAsync(userId, update, action, actorId, cancellationToken) is not { } before) return null;
        var (wasActive, wasAdmin) = before;
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
        var affected = await store.SetActiveAsync(ids, isActive, actorId, cancellationToken);

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
        await store.RecordAsync("tokens_revoked", actorId, userId, null, cancellationToken);
        var sessions = GrainFactory.GetGrain<IUserSessionGrain>(userId);
        // The contract counts refresh entries: the families live just before the cut-off.
        var live = await sessions.ListSessionsAsync(null, cancellationToken);
        await sessions.RevokeAllIssuedBeforeNowAsync(cancellationToken);
        return live.Count;
    }

    public async Task<bool> RevokeSessionAsync(Guid userId, Guid familyId, Guid actorId, CancellationToken cancellationToken)
    {
        if (!await GrainFactory.GetGrain<IUserSessionGrain>(userId).RevokeFamilyAsync(familyId, "admin", cancellationToken)) return false;
        await store.RecordAsync("session_revoked", actorId, userId, new { family_id = familyId }, cancellationToken);
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

    public Task RecordAsync(string action, Guid actorId, string targetType, Guid targetId, string? detailJson, CancellationToken cancellationToken) =>
        store.RecordAsync(action, actorId, targetType, targetId, detailJson, cancellationToken);
}
