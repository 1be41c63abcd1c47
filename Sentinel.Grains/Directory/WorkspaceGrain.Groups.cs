using Sentinel.Grains.Sessions;

namespace Sentinel.Grains.Directory;

// Groups and group memberships. Group membership is in tokens (the groups claim) and in checks (group shares and group
// roles follow current membership): a removal from a group revokes the member's sessions, and a deleted group's shares
// and role assignments go with it.
internal sealed partial class WorkspaceGrain
{
    public Task<IReadOnlyList<Guid>> GetUserGroupsAsync(Guid userId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Guid>>(groups.Values.Where(g => g.Members.Contains(userId)).OrderBy(g => g.Info.CreatedAt).Select(g => g.Info.Id).ToArray());

    public async Task<Result<GroupInfo, DirectoryError>> CreateGroupAsync(Actor actor, string name, string? description, CancellationToken cancellationToken)
    {
        if (Authorize(actor, WorkspaceRole.Admin) is { } refused) return Refused<GroupInfo>(refused);
        if (groups.Values.Any(g => g.Info.Name == name)) return Refused<GroupInfo>(DirectoryError.GroupNameTaken);
        if (await directoryStore.CreateGroupAsync(Id, actor.UserId, name, description, cancellationToken) is not { } created)
            return Refused<GroupInfo>(DirectoryError.GroupNameTaken);
        groups[created.Id] = new Group(created);
        return Result<GroupInfo, DirectoryError>.Ok(created);
    }

    public async Task<Result<GroupInfo, DirectoryError>> UpdateGroupAsync(Actor actor, Guid groupId, string? name, string? description, bool descriptionSet, CancellationToken cancellationToken)
    {
        if (Authorize(actor, WorkspaceRole.Admin) is { } refused) return Refused<GroupInfo>(refused);
        if (!groups.TryGetValue(groupId, out var group)) return Refused<GroupInfo>(DirectoryError.GroupNotFound);
        if (name is not null && name != group.Info.Name && groups.Values.Any(g => g.Info.Name == name)) return Refused<GroupInfo>(DirectoryError.GroupNameTaken);
        if (await directoryStore.UpdateGroupAsync(Id, actor.UserId, groupId, name, description, descriptionSet, cancellationToken) is not { } updated)
            return Refused<GroupInfo>(DirectoryError.GroupNotFound);
        group.Info = updated;
        return Result<GroupInfo, DirectoryError>.Ok(updated);
    }

    public async Task<Result<Done, DirectoryError>> DeleteGroupAsync(Actor actor, Guid groupId, CancellationToken cancellationToken)
    {
        if (Authorize(actor, WorkspaceRole.Admin) is { } refused) return Refused<Done>(refused);
        if (!groups.TryGetValue(groupId, out var group)) return Refused<Done>(DirectoryError.GroupNotFound);
        // Shares to the group would be orphaned otherwise (the service this replaces left them).
        await directoryStore.DeleteGroupAsync(Id, actor.UserId, group.Info, cancellationToken);
        groups.Remove(groupId);
        ForgetGroupGrants(groupId);
        // Group membership is in tokens (the groups claim): members' sessions go, as on group member removal.
        await RevokeSessionsAsync(group.Members.ToArray(), cancellationToken);
        return Result<Done, DirectoryError>.Ok(Done.Value);
    }

    public async Task<Result<Done, DirectoryError>> AddGroupMemberAsync(Actor actor, Guid groupId, Guid userId, CancellationToken cancellationToken)
    {
        if (Authorize(actor, WorkspaceRole.Admin) is { } refused) return Refused<Done>(refused);
        if (!groups.TryGetValue(groupId, out var group)) return Refused<Done>(DirectoryError.GroupNotFound);
        if (!members.ContainsKey(userId)) return Refused<Done>(DirectoryError.TargetNotMember);
        if (group.Members.Contains(userId)) return Refused<Done>(DirectoryError.AlreadyGroupMember);
        if (!await directoryStore.AddGroupMemberAsync(Id, actor.UserId, groupId, userId, cancellationToken)) return Refused<Done>(DirectoryError.AlreadyGroupMember);
        group.Members.Add(userId);
        // The groups claim grows: the member's session grain forgets the claims it holds (removals revoke instead).
        await GrainFactory.GetGrain<IUserSessionGrain>(userId).ClaimsChangedAsync(cancellationToken);
        return Result<Done, DirectoryError>.Ok(Done.Value);
    }

    public async Task<Result<Done, DirectoryError>> RemoveGroupMemberAsync(Actor actor, Guid groupId, Guid userId, CancellationToken cancellationToken)
    {
        if (Authorize(actor, WorkspaceRole.Admin) is { } refused) return Refused<Done>(refused);
        if (!groups.TryGetValue(groupId, out var group)) return Refused<Done>(DirectoryError.GroupNotFound);
        if (!group.Members.Contains(userId)) return Refused<Done>(DirectoryError.GroupMemberNotFound);
        await directoryStore.RemoveGroupMemberAsync(Id, actor.UserId, groupId, userId, cancellationToken);
        group.Members.Remove(userId);
        await RevokeSessionsAsync([userId], cancellationToken);
        return Result<Done, DirectoryError>.Ok(Done.Value);
    }
}
