using Sentinel.Grains.Authorization;
using Sentinel.Grains.Sessions;
using Sentinel.Grains.Storage;

namespace Sentinel.Grains.Directory;

// Authorization reads: the permission and action checks and the ACL and role views. They run in memory, in one turn,
// and interleave (see IWorkspaceAuthorizationGrain); the only one that awaits is the enriched ACL view, for names.
internal sealed partial class WorkspaceGrain
{
    public Task<IReadOnlyList<bool>> CheckPermissionsAsync(Actor caller, IReadOnlyList<AclCheck> checks, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<bool>>(Evaluate(caller, checks));

    private bool[] Evaluate(Actor caller, IReadOnlyList<AclCheck> checks)
    {
        EnsureTrusted();
        var results = new bool[checks.Count];
        if (EffectiveRole(caller) is { } role)
        {
            // Group membership is asked per group share met (usually none), not worked out over every group up front.
            var userId = caller.UserId;
            Func<Guid, bool> inGroup = groupId => InGroup(groupId, userId);
            for (var i = 0; i < checks.Count; i++)
                results[i] = acls.Check(userId, role, inGroup, checks[i].Resource, checks[i].Action);
        }
        return results;
    }

    // The answer is computed in the first, synchronous part of the turn (so, like the plain reads, it never sees a write
    // between its commit and its memory update), while the session grain is asked. A revocation refusal comes first, as
    // on the gateway path: a revoked token is refused even while this workspace's state is untrusted (503 otherwise).
    public Task<Result<bool[], ServiceCallRefusal>> CheckPermissionsForTokenAsync(CheckCaller caller, AclCheck[] checks, CancellationToken cancellationToken) =>
        AfterRevocationAsync(caller, () => Evaluate(new Actor(caller.UserId, caller.TokenRole), checks), cancellationToken);

    public Task<Result<ActionCheck, ServiceCallRefusal>> CheckActionForTokenAsync(CheckCaller caller, string serviceName, string action, CancellationToken cancellationToken) =>
        AfterRevocationAsync(caller, () => CheckActionAsync(caller.UserId, serviceName, action, cancellationToken).Result, cancellationToken);

    /// <summary>Evaluates <paramref name="answer"/> (synchronous, from memory) while the token's revocation is asked; the answer only if not refused.</summary>
    private async Task<Result<T, ServiceCallRefusal>> AfterRevocationAsync<T>(CheckCaller caller, Func<T> answer, CancellationToken cancellationToken)
    {
        var session = GrainFactory.GetGrain<IUserSessionGrain>(caller.UserId).CheckAsync(caller.Token, cancellationToken);
        T value = default!;
        System.Runtime.ExceptionServices.ExceptionDispatchInfo? failure = null;
        try
        {
            value = answer();
        }
        catch (Exception ex)
        {
            failure = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex);
        }
        switch (await session)
        {
            case TokenStatus.Revoked: return Result<T, ServiceCallRefusal>.Refused(ServiceCallRefusal.TokenRevoked);
            case TokenStatus.Deactivated: return Result<T, ServiceCallRefusal>.Refused(ServiceCallRefusal.UserDeactivated);
        }
        failure?.Throw();
        return Result<T, ServiceCallRefusal>.Ok(value);
    }

    public Task<AccessibleResources> GetAccessibleAsync(Actor caller, string serviceName, string resourceType, AclPermission action, int? limit, CancellationToken cancellationToken)
    {
        EnsureTrusted();
        if (EffectiveRole(caller) is not { } role) return Task.FromResult(new AccessibleResources([], false));
        return Task.FromResult(acls.Accessible(caller.UserId, role, GroupsOf(caller.UserId), serviceName, resourceType, action, limit));
    }

    public Task<ActionCheck> CheckActionAsync(Guid userId, string serviceName, string action, CancellationToken cancellationToken)
    {
        EnsureTrusted();
        if (workspace is null || !members.ContainsKey(userId)) return Task.FromResult(new ActionCheck(false, []));
        return Task.FromResult(rbac.Check(userId, groupId => InGroup(groupId, userId), serviceName, action));
    }

    public Task<IReadOnlyList<string>> GetUserActionsAsync(Guid userId, string serviceName, CancellationToken cancellationToken)
    {
        EnsureTrusted();
        if (workspace is null || !members.ContainsKey(userId)) return Task.FromResult<IReadOnlyList<string>>([]);
        return Task.FromResult(rbac.ActionsOf(userId, GroupsOf(userId), serviceName));
    }

    public Task<AuthzContext?> GetAuthzContextAsync(Guid userId, string serviceName, CancellationToken cancellationToken)
    {
        EnsureTrusted();
        if (workspace is null || !members.TryGetValue(userId, out var member)) return Task.FromResult<AuthzContext?>(null);
        return Task.FromResult<AuthzContext?>(new AuthzContext(workspace, member.Role, rbac.ActionsOf(userId, GroupsOf(userId), serviceName)));
    }

    public Task<AclInfo?> GetResourceAsync(ResourceRef resource, CancellationToken cancellationToken)
    {
        EnsureTrusted();
        return Task.FromResult(acls.Find(resource) is { } entry ? acls.ToInfo(entry, Id) : null);
    }

    public Task<AclInfo?> GetPermissionAsync(Guid permissionId, CancellationToken cancellationToken)
    {
        EnsureTrusted();
        return Task.FromResult(acls.Find(permissionId) is { } entry ? acls.ToInfo(entry, Id) : null);
    }

    public async Task<EnrichedAcl?> GetEnrichedResourceAsync(ResourceRef resource, CancellationToken cancellationToken)
    {
        EnsureTrusted();
        if (acls.Find(resource) is not { } entry) return null;
        // Snapshot first: the names' query below awaits, and interleaved writes may change the entry meanwhile.
        var acl = acls.ToInfo(entry, Id);
        var groupNames = acl.Shares.Where(s => s.GranteeType == GranteeType.Group)
            .Select(s => groups.TryGetValue(s.GranteeId, out var g) ? g.Info : null).OfType<GroupInfo>()
            .DistinctBy(g => g.Id).ToDictionary(g => g.Id, g => g.Name);
        var userIds = acl.Shares.Where(s => s.GranteeType == GranteeType.User).Select(s => s.GranteeId)
            .Concat(acl.Shares.Select(s => s.GrantedBy).OfType<Guid>())
            .Concat(acl.OwnerId is { } owner ? [owner] : [])
            .Distinct().ToArray();
        var users = userIds.Length > 0 ? await authorizationStore.FindUsersAsync(userIds, cancellationToken) : new Dictionary<Guid, UserDisplay>();
        return new EnrichedAcl(acl, users, groupNames);
    }

    public Task<IReadOnlyList<RoleInfo>> ListRolesAsync(CancellationToken cancellationToken)
    {
        EnsureTrusted();
        return Task.FromResult<IReadOnlyList<RoleInfo>>(rbac.All.Select(r => rbac.ToInfo(r, Id)).ToArray());
    }

    public Task<AuthorizationFootprint> GetFootprintAsync(CancellationToken cancellationToken) => Task.FromResult(new AuthorizationFootprint(
        members.Count, groups.Count, acls.Count, acls.ShareCount, rbac.Count, rbac.UserAssignments, rbac.GroupAssignments, authorizationLoadTime));

    private void EnsureTrusted()
    {
        if (authorizationSuspect) throw new StorageUnavailableException("Workspace authorization state is being reloaded.");
    }
}
