namespace Sentinel.Grains.Directory;

// The workspace itself and its members. A change of role or a removal revokes the member's sessions (their tokens
// carry the old role); a removal also drops what the membership granted here, in the same turn.
internal sealed partial class WorkspaceGrain
{
    public async Task<Result<WorkspaceInfo, DirectoryError>> CreateAsync(string name, string slug, string? description, Guid ownerId, CancellationToken cancellationToken)
    {
        if (workspace is not null) return Refused<WorkspaceInfo>(DirectoryError.SlugTaken);
        var result = await directoryStore.CreateAsync(Id, name, slug, description, ownerId, cancellationToken);
        if (!result.IsOk) return Refused<WorkspaceInfo>(result.Error!.Value);
        var (created, owner) = result.Value;

        workspace = created;
        members[ownerId] = Member.Of(owner);
        return Result<WorkspaceInfo, DirectoryError>.Ok(created);
    }

    public Task<WorkspaceInfo?> GetAsync(CancellationToken cancellationToken) => Task.FromResult(workspace);

    public async Task<Result<WorkspaceInfo, DirectoryError>> UpdateAsync(Actor actor, string? name, string? description, bool descriptionSet, CancellationToken cancellationToken)
    {
        if (Authorize(actor, WorkspaceRole.Admin) is { } refused) return Refused<WorkspaceInfo>(refused);
        if (await directoryStore.UpdateAsync(Id, actor.UserId, name, description, descriptionSet, cancellationToken) is not { } updated)
            return Refused<WorkspaceInfo>(DirectoryError.WorkspaceNotFound);
        workspace = updated;
        return Result<WorkspaceInfo, DirectoryError>.Ok(updated);
    }

    public async Task<Result<Done, DirectoryError>> DeleteAsync(Actor actor, CancellationToken cancellationToken)
    {
        if (Authorize(actor, WorkspaceRole.Owner) is { } refused) return Refused<Done>(refused);
        var info = workspace!;
        await directoryStore.DeleteAsync(info, actor.UserId, cancellationToken);

        // Tokens scoped to a deleted workspace must stop working (the service this replaces revoked nothing). The owner who
        // deleted it keeps their other sessions: their token for this workspace now finds nothing to act on.
        var formerMembers = members.Keys.Where(id => id != actor.UserId).ToArray();
        workspace = null;
        members.Clear();
        groups.Clear();
        ClearAuthorization();
        await RevokeSessionsAsync(formerMembers, cancellationToken);
        DeactivateOnIdle();
        return Result<Done, DirectoryError>.Ok(Done.Value);
    }

    public Task<WorkspaceRole?> GetRoleAsync(Guid userId, CancellationToken cancellationToken) =>
        Task.FromResult(workspace is not null && members.TryGetValue(userId, out var m) ? m.Role : (WorkspaceRole?)null);

    public async Task<Result<MemberInfo, DirectoryError>> InviteAsync(Actor actor, string email, WorkspaceRole role, CancellationToken cancellationToken)
    {
        if (Authorize(actor, WorkspaceRole.Admin) is { } refused) return Refused<MemberInfo>(refused);
        if (role == WorkspaceRole.Owner && ActingRole(actor) != WorkspaceRole.Owner) return Refused<MemberInfo>(DirectoryError.OnlyOwnersGrantOwner);
        if (await queries.FindUserIdByEmailAsync(email, cancellationToken) is not { } userId) return Refused<MemberInfo>(DirectoryError.UserNotFound);
        return await AddAsync(actor, userId, role, new { email = MaskEmail(email), role = role.ToName() }, cancellationToken);
    }

    public async Task<Result<MemberInfo, DirectoryError>> AddMemberAsync(Actor actor, Guid userId, WorkspaceRole role, CancellationToken cancellationToken)
    {
        if (workspace is null) return Refused<MemberInfo>(DirectoryError.WorkspaceNotFound);
        return await AddAsync(actor, userId, role, new { role = role.ToName() }, cancellationToken);
    }

    private async Task<Result<MemberInfo, DirectoryError>> AddAsync(Actor actor, Guid userId, WorkspaceRole role, object detail, CancellationToken cancellationToken)
    {
        if (members.ContainsKey(userId)) return Refused<MemberInfo>(DirectoryError.AlreadyMember);
        var added = await directoryStore.AddMemberAsync(Id, actor.UserId, userId, role, detail, cancellationToken);
        if (!added.IsOk) return Refused<MemberInfo>(added.Error!.Value);
        var member = Member.Of(added.Value.Membership);
        var user = added.Value.User;
        members[userId] = member;
        return Result<MemberInfo, DirectoryError>.Ok(new MemberInfo(userId, user.Email, user.Name, user.AvatarUrl, role, member.JoinedAt));
    }

    public async Task<Result<MembershipRow, DirectoryError>> ChangeRoleAsync(Actor actor, Guid userId, WorkspaceRole role, CancellationToken cancellationToken)
    {
        if (Authorize(actor, WorkspaceRole.Admin) is { } refused) return Refused<MembershipRow>(refused);
        if (!members.TryGetValue(userId, out var target)) return Refused<MembershipRow>(DirectoryError.MembershipNotFound);
        var actorIsOwner = ActingRole(actor) == WorkspaceRole.Owner;
        // The contract's order of refusals for a role change: granting owner, demoting the last owner, then changing an owner.
        if (role == WorkspaceRole.Owner && !actorIsOwner) return Refused<MembershipRow>(DirectoryError.OnlyOwnersGrantOwner);
        if (target.Role == WorkspaceRole.Owner && role != WorkspaceRole.Owner && OwnerCount() == 1) return Refused<MembershipRow>(DirectoryError.LastOwnerDemote);
        if (target.Role == WorkspaceRole.Owner && !actorIsOwner) return Refused<MembershipRow>(DirectoryError.OnlyOwnersChangeOwner);

        if (target.Role != role)
        {
            await directoryStore.ChangeRoleAsync(Id, actor.UserId, userId, role, cancellationToken);
            members[userId] = target with { Role = role };
            await RevokeSessionsAsync([userId], cancellationToken);
        }
        return Result<MembershipRow, DirectoryError>.Ok(new MembershipRow(target.MembershipId, Id, userId, role, target.JoinedAt));
    }

    public async Task<Result<Done, DirectoryError>> RemoveMemberAsync(Actor actor, Guid userId, CancellationToken cancellationToken)
    {
        if (Authorize(actor, WorkspaceRole.Admin) is { } refused) return Refused<Done>(refused);
        if (!members.TryGetValue(userId, out var target)) return Refused<Done>(DirectoryError.MembershipNotFound);
        if (target.Role == WorkspaceRole.Owner && ActingRole(actor) != WorkspaceRole.Owner) return Refused<Done>(DirectoryError.OnlyOwnersRemoveOwner);
        if (target.Role == WorkspaceRole.Owner && OwnerCount() == 1) return Refused<Done>(DirectoryError.LastOwnerRemove);

        // The membership, and what it granted inside this workspace: group memberships, role assignments, user shares.
        await directoryStore.RemoveMemberAsync(Id, actor.UserId, userId, cancellationToken);

        members.Remove(userId);
        foreach (var group in groups.Values) group.Members.Remove(userId);
        ForgetMemberGrants(userId);
        await RevokeSessionsAsync([userId], cancellationToken);
        return Result<Done, DirectoryError>.Ok(Done.Value);
    }

    public Task<WorkspaceMemberClaims> GetMemberClaimsAsync(Guid userId, CancellationToken cancellationToken)
    {
        if (workspace is null) return Task.FromResult(new WorkspaceMemberClaims(false, "", null, []));
        if (!members.TryGetValue(userId, out var member)) return Task.FromResult(new WorkspaceMemberClaims(true, workspace.Slug, null, []));
        var mine = groups.Values.Where(g => g.Members.Contains(userId)).OrderBy(g => g.Info.CreatedAt).ThenBy(g => g.Info.Id).Select(g => g.Info.Id).ToArray();
        return Task.FromResult(new WorkspaceMemberClaims(true, workspace.Slug, member.Role, mine));
    }

    public async Task<int> ReloadMembersAsync(CancellationToken cancellationToken)
    {
        if (workspace is null) return 0;
        var fresh = (await directoryStore.ListMembershipsAsync(Id, cancellationToken)).ToDictionary(row => row.UserId, Member.Of);
        // Swapped in one synchronous step: GetMemberClaimsAsync interleaves and must never see a half-filled map.
        members.Clear();
        foreach (var (user, member) in fresh) members[user] = member;
        return members.Count;
    }

    private int OwnerCount() => members.Values.Count(m => m.Role == WorkspaceRole.Owner);

    /// <summary>Activity details keep only the domain of an email.</summary>
    private static string MaskEmail(string email)
    {
        var at = email.IndexOf('@');
        return at < 0 ? "***" : "***" + email[at..];
    }
}
