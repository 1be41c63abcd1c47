using Microsoft.Extensions.Logging;
using Npgsql;
using Sentinel.Grains.Sessions;

namespace Sentinel.Grains.Directory;

/// <summary>
/// Members, groups and group memberships of one workspace, in memory. Every change commits to PostgreSQL first and
/// then updates memory, so a check that runs after a write returns never sees the old grant. Not reentrant: the
/// single writer is what makes "the last owner stays" hold under concurrent requests. The directory half's SQL is in
/// <see cref="WorkspaceDirectoryStore"/>; <paramref name="database"/> is the authorization half's (WorkspaceGrain.Authorization.cs).
/// </summary>
internal sealed partial class WorkspaceGrain(NpgsqlDataSource database, WorkspaceDirectoryStore store, DirectoryQueryStore queries, ILogger<WorkspaceGrain> logger)
    : Grain, IWorkspaceGrain
{
    private sealed record Member(Guid MembershipId, WorkspaceRole Role, DateTimeOffset JoinedAt)
    {
        public static Member Of(MembershipRow row) => new(row.Id, row.Role, row.JoinedAt);
    }

    private sealed class Group(GroupInfo info)
    {
        public GroupInfo Info { get; set; } = info;
        public HashSet<Guid> Members { get; } = [];
    }

    private WorkspaceInfo? workspace;
    private readonly Dictionary<Guid, Member> members = [];
    private readonly Dictionary<Guid, Group> groups = [];

    private Guid Id => this.GetPrimaryKey();

    public override Task OnActivateAsync(CancellationToken cancellationToken) => LoadAsync(cancellationToken);

    public async Task<Result<WorkspaceInfo, DirectoryError>> CreateAsync(string name, string slug, string? description, Guid ownerId, CancellationToken cancellationToken)
    {
        if (workspace is not null) return Refused<WorkspaceInfo>(DirectoryError.SlugTaken);
        var result = await store.CreateAsync(Id, name, slug, description, ownerId, cancellationToken);
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
        if (await store.UpdateAsync(Id, actor.UserId, name, description, descriptionSet, cancellationToken) is not { } updated)
            return Refused<WorkspaceInfo>(DirectoryError.WorkspaceNotFound);
        workspace = updated;
        return Result<WorkspaceInfo, DirectoryError>.Ok(updated);
    }

    public async Task<Result<Done, DirectoryError>> DeleteAsync(Actor actor, CancellationToken cancellationToken)
    {
        if (Authorize(actor, WorkspaceRole.Owner) is { } refused) return Refused<Done>(refused);
        var info = workspace!;
        await store.DeleteAsync(info, actor.UserId, cancellationToken);

        // Tokens scoped to a deleted workspace must stop working (the original revoked nothing, D7). The owner who
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

    public Task<IReadOnlyList<Guid>> GetUserGroupsAsync(Guid userId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Guid>>(groups.Values.Where(g => g.Members.Contains(userId)).OrderBy(g => g.Info.CreatedAt).Select(g => g.Info.Id).ToArray());

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
        var added = await store.AddMemberAsync(Id, actor.UserId, userId, role, detail, cancellationToken);
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
        // The contract's order of checks (§3.5).
        if (role == WorkspaceRole.Owner && !actorIsOwner) return Refused<MembershipRow>(DirectoryError.OnlyOwnersGrantOwner);
        if (target.Role == WorkspaceRole.Owner && role != WorkspaceRole.Owner && OwnerCount() == 1) return Refused<MembershipRow>(DirectoryError.LastOwnerDemote);
        if (target.Role == WorkspaceRole.Owner && !actorIsOwner) return Refused<MembershipRow>(DirectoryError.OnlyOwnersChangeOwner);

        if (target.Role != role)
        {
            await store.ChangeRoleAsync(Id, actor.UserId, userId, role, cancellationToken);
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
        await store.RemoveMemberAsync(Id, actor.UserId, userId, cancellationToken);

        members.Remove(userId);
        foreach (var group in groups.Values) group.Members.Remove(userId);
        ForgetMemberGrants(userId);
        await RevokeSessionsAsync([userId], cancellationToken);
        return Result<Done, DirectoryError>.Ok(Done.Value);
    }

    public async Task<Result<GroupInfo, DirectoryError>> CreateGroupAsync(Actor actor, string name, string? description, CancellationToken cancellationToken)
    {
        if (Authorize(actor, WorkspaceRole.Admin) is { } refused) return Refused<GroupInfo>(refused);
        if (groups.Values.Any(g => g.Info.Name == name)) return Refused<GroupInfo>(DirectoryError.GroupNameTaken);
        if (await store.CreateGroupAsync(Id, actor.UserId, name, description, cancellationToken) is not { } created)
            return Refused<GroupInfo>(DirectoryError.GroupNameTaken);
        groups[created.Id] = new Group(created);
        return Result<GroupInfo, DirectoryError>.Ok(created);
    }

    public async Task<Result<GroupInfo, DirectoryError>> UpdateGroupAsync(Actor actor, Guid groupId, string? name, string? description, bool descriptionSet, CancellationToken cancellationToken)
    {
        if (Authorize(actor, WorkspaceRole.Admin) is { } refused) return Refused<GroupInfo>(refused);
        if (!groups.TryGetValue(groupId, out var group)) return Refused<GroupInfo>(DirectoryError.GroupNotFound);
        if (name is not null && name != group.Info.Name && groups.Values.Any(g => g.Info.Name == name)) return Refused<GroupInfo>(DirectoryError.GroupNameTaken);
        if (await store.UpdateGroupAsync(Id, actor.UserId, groupId, name, description, descriptionSet, cancellationToken) is not { } updated)
            return Refused<GroupInfo>(DirectoryError.GroupNotFound);
        group.Info = updated;
        return Result<GroupInfo, DirectoryError>.Ok(updated);
    }

    public async Task<Result<Done, DirectoryError>> DeleteGroupAsync(Actor actor, Guid groupId, CancellationToken cancellationToken)
    {
        if (Authorize(actor, WorkspaceRole.Admin) is { } refused) return Refused<Done>(refused);
        if (!groups.TryGetValue(groupId, out var group)) return Refused<Done>(DirectoryError.GroupNotFound);
        // Shares to the group would be orphaned otherwise (the original left them, D19).
        await store.DeleteGroupAsync(Id, actor.UserId, group.Info, cancellationToken);
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
        if (!await store.AddGroupMemberAsync(Id, actor.UserId, groupId, userId, cancellationToken)) return Refused<Done>(DirectoryError.AlreadyGroupMember);
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
        await store.RemoveGroupMemberAsync(Id, actor.UserId, groupId, userId, cancellationToken);
        group.Members.Remove(userId);
        await RevokeSessionsAsync([userId], cancellationToken);
        return Result<Done, DirectoryError>.Ok(Done.Value);
    }

    /// <summary>The stricter of the token's role and the current membership: a demoted caller loses rights at once.</summary>
    private WorkspaceRole? EffectiveRole(Actor actor)
    {
        if (!members.TryGetValue(actor.UserId, out var member)) return null;
        var tokenRank = WorkspaceRoles.Rank(actor.TokenRole);
        if (tokenRank < 0) return null;
        return (WorkspaceRole)Math.Min(tokenRank, (int)member.Role);
    }

    /// <summary>The role a change is decided with: a platform admin (admin API) acts as an owner; anyone else by <see cref="EffectiveRole"/>.</summary>
    private WorkspaceRole? ActingRole(Actor actor) => actor.PlatformAdmin ? WorkspaceRole.Owner : EffectiveRole(actor);

    private DirectoryError? Authorize(Actor actor, WorkspaceRole minimum)
    {
        if (workspace is null) return DirectoryError.WorkspaceNotFound;
        var role = ActingRole(actor);
        if (role is null) return DirectoryError.NotWorkspaceMember;
        return role.Value >= minimum ? null : DirectoryError.InsufficientRole;
    }

    private int OwnerCount() => members.Values.Count(m => m.Role == WorkspaceRole.Owner);

    private async Task RevokeSessionsAsync(IReadOnlyCollection<Guid> userIds, CancellationToken cancellationToken)
    {
        await Task.WhenAll(userIds.Select(u => GrainFactory.GetGrain<IUserSessionGrain>(u).RevokeAllIssuedBeforeNowAsync(cancellationToken)));
        LogRevoked(logger, Id, userIds.Count);
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        // One connection for both halves' loads, as one activation reads them together.
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var loaded = await store.LoadAsync(connection, Id, cancellationToken);
        workspace = loaded.Workspace;
        if (workspace is null) return;
        foreach (var row in loaded.Members) members[row.UserId] = Member.Of(row);
        foreach (var info in loaded.Groups) groups[info.Id] = new Group(info);
        foreach (var (groupId, userId) in loaded.GroupMembers)
            if (groups.TryGetValue(groupId, out var group)) group.Members.Add(userId);
        await LoadAuthorizationAsync(connection, cancellationToken);
    }

    private static Result<T, DirectoryError> Refused<T>(DirectoryError error) => Result<T, DirectoryError>.Refused(error);

    /// <summary>Activity details keep only the domain of an email.</summary>
    private static string MaskEmail(string email)
    {
        var at = email.IndexOf('@');
        return at < 0 ? "***" : "***" + email[at..];
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
        var fresh = (await store.ListMembershipsAsync(Id, cancellationToken)).ToDictionary(row => row.UserId, Member.Of);
        // Swapped in one synchronous step: GetMemberClaimsAsync interleaves and must never see a half-filled map.
        members.Clear();
        foreach (var (user, member) in fresh) members[user] = member;
        return members.Count;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Workspace {WorkspaceId}: revoked sessions of {Count} user(s)")]
    private static partial void LogRevoked(ILogger logger, Guid workspaceId, int count);
}
