using Microsoft.Extensions.Logging;
using Npgsql;
using Sentinel.Grains.Authorization;
using Sentinel.Grains.Sessions;

namespace Sentinel.Grains.Directory;

/// <summary>
/// One workspace as one aggregate with one writer: members, groups and group memberships (<see cref="IWorkspaceGrain"/>),
/// and the ACLs and RBAC roles decided from them (<see cref="IWorkspaceAuthorizationGrain"/>), in memory. It stays one
/// grain so a permission check answers in one hop from state no other grain can make stale, and a member's removal
/// takes their grants away in the same turn (docs/authorization.md, "Why the workspace is one grain").
/// <para>
/// The class is made of parts, one per responsibility: this file (state, activation, the rules the parts share),
/// <c>.Members.cs</c> (the workspace and its members), <c>.Groups.cs</c>, <c>.Checks.cs</c> (authorization reads, the
/// hot path), <c>.Acls.cs</c> and <c>.Roles.cs</c> (authorization writes). The SQL is in the stores:
/// <see cref="WorkspaceDirectoryStore"/>, <see cref="AuthorizationStore"/> and <see cref="DirectoryQueryStore"/>.
/// </para>
/// <para>
/// Every change commits to PostgreSQL first and then updates memory, before it returns, so a check that runs after a
/// write returns never sees the old grant. Not reentrant: the single writer is what makes "the last owner stays" hold
/// under concurrent requests. <paramref name="database"/> only opens the one connection both stores load on at activation.
/// </para>
/// </summary>
internal sealed partial class WorkspaceGrain(
    NpgsqlDataSource database,
    WorkspaceDirectoryStore directoryStore,
    AuthorizationStore authorizationStore,
    DirectoryQueryStore queries,
    ILogger<WorkspaceGrain> logger)
    : Grain, IWorkspaceGrain, IWorkspaceAuthorizationGrain
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

    // Directory state.
    private WorkspaceInfo? workspace;
    private readonly Dictionary<Guid, Member> members = [];
    private readonly Dictionary<Guid, Group> groups = [];

    // Authorization state. The indexes are replaced whole on a (re)load, so an interleaved check never sees a half-loaded one.
    private AclIndex acls = new();
    private RoleIndex rbac = new();
    private TimeSpan authorizationLoadTime;

    // Set when a write failed after it may have reached PostgreSQL: memory could then grant what the table no longer
    // does. Reads fail closed (503) until the activation is replaced and reloads from the tables.
    private bool authorizationSuspect;

    private Guid Id => this.GetPrimaryKey();

    public override Task OnActivateAsync(CancellationToken cancellationToken) => LoadAsync(cancellationToken);

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        // One connection for both stores' loads, as one activation reads them together.
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var loaded = await directoryStore.LoadAsync(connection, Id, cancellationToken);
        workspace = loaded.Workspace;
        if (workspace is null) return;
        foreach (var row in loaded.Members) members[row.UserId] = Member.Of(row);
        foreach (var info in loaded.Groups) groups[info.Id] = new Group(info);
        foreach (var (groupId, userId) in loaded.GroupMembers)
            if (groups.TryGetValue(groupId, out var group)) group.Members.Add(userId);
        await LoadAuthorizationAsync(connection, cancellationToken);
    }

    // ---- Roles and membership, as every part decides with them.

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

    private bool InGroup(Guid groupId, Guid userId) => groups.TryGetValue(groupId, out var group) && group.Members.Contains(userId);

    private IReadOnlyCollection<Guid> GroupsOf(Guid userId)
    {
        List<Guid>? result = null;
        foreach (var group in groups.Values)
        {
            if (group.Members.Contains(userId)) (result ??= []).Add(group.Info.Id);
        }
        return result is null ? [] : result;
    }

    private async Task RevokeSessionsAsync(IReadOnlyCollection<Guid> userIds, CancellationToken cancellationToken)
    {
        await Task.WhenAll(userIds.Select(u => GrainFactory.GetGrain<IUserSessionGrain>(u).RevokeAllIssuedBeforeNowAsync(cancellationToken)));
        LogRevoked(logger, Id, userIds.Count);
    }

    private static Result<T, DirectoryError> Refused<T>(DirectoryError error) => Result<T, DirectoryError>.Refused(error);

    private static Result<T, AuthorizationError> Deny<T>(AuthorizationError error, string? detail = null) => Result<T, AuthorizationError>.Refused(error, detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Workspace {WorkspaceId}: revoked sessions of {Count} user(s)")]
    private static partial void LogRevoked(ILogger logger, Guid workspaceId, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Workspace {WorkspaceId}: loaded {Resources} ACLs, {Shares} shares and {Roles} roles in {ElapsedMs} ms")]
    private static partial void LogAuthorizationLoaded(ILogger logger, Guid workspaceId, int resources, int shares, int roles, long elapsedMs);
}
