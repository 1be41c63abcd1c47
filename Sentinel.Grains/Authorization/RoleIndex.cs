namespace Sentinel.Grains.Authorization;

/// <summary>
/// RBAC of one workspace in memory (the action check of <c>/roles/check-action</c>, plus group roles): roles and the service actions they grant, and who holds
/// them, directly or through a group. Not thread-safe: its grain is the only user.
/// </summary>
internal sealed class RoleIndex
{
    internal sealed class Role(Guid id, string name, string? description, Guid? createdBy, DateTimeOffset createdAt)
    {
        public Guid Id { get; } = id;
        public string Name { get; set; } = name;
        public string? Description { get; set; } = description;
        public Guid? CreatedBy { get; } = createdBy;
        public DateTimeOffset CreatedAt { get; } = createdAt;
        public HashSet<Guid> Actions { get; } = [];
        public HashSet<Guid> Users { get; } = [];
        public HashSet<Guid> Groups { get; } = [];
    }

    private readonly record struct ActionName(string Service, string Action);

    private readonly Dictionary<Guid, Role> roles = [];
    private readonly Dictionary<Guid, ActionName> actions = [];
    private readonly Dictionary<ActionName, Guid> actionIds = [];
    private readonly Dictionary<Guid, HashSet<Guid>> userRoles = [];
    private readonly Dictionary<Guid, HashSet<Guid>> groupRoles = [];

    public int Count => roles.Count;
    public int UserAssignments => userRoles.Values.Sum(r => r.Count);
    public int GroupAssignments => groupRoles.Values.Sum(r => r.Count);

    public Role? Find(Guid roleId) => roles.GetValueOrDefault(roleId);

    public Role? FindByName(string name) => roles.Values.FirstOrDefault(r => r.Name == name);

    public IEnumerable<Role> All => roles.Values.OrderBy(r => r.CreatedAt).ThenBy(r => r.Id);

    public bool KnowsAction(Guid serviceActionId) => actions.ContainsKey(serviceActionId);

    /// <summary>Names of the member's roles (direct or through <paramref name="groups"/>) that grant the action, sorted.</summary>
    public ActionCheck Check(Guid userId, IReadOnlyCollection<Guid> groups, string service, string action) =>
        Check(userId, groups.Count == 0 ? static _ => false : groups.Contains, service, action);

    /// <summary>
    /// The check with the caller's group membership asked only of the groups that hold a role (<paramref name="inGroup"/>),
    /// so the caller's groups are never worked out in full (the workspace grain's hot path). Same answer: the names are
    /// distinct and sorted either way.
    /// </summary>
    public ActionCheck Check(Guid userId, Func<Guid, bool> inGroup, string service, string action)
    {
        if (!actionIds.TryGetValue(new ActionName(service, action), out var actionId)) return new ActionCheck(false, []);
        List<string>? names = null;
        if (userRoles.TryGetValue(userId, out var direct))
        {
            foreach (var id in direct)
                if (roles.TryGetValue(id, out var role) && role.Actions.Contains(actionId)) (names ??= []).Add(role.Name);
        }
        foreach (var (group, viaGroup) in groupRoles)
        {
            if (!inGroup(group)) continue;
            foreach (var id in viaGroup)
                if (roles.TryGetValue(id, out var role) && role.Actions.Contains(actionId)) (names ??= []).Add(role.Name);
        }
        if (names is null) return new ActionCheck(false, []);
        return new ActionCheck(true, names.Distinct().Order(StringComparer.Ordinal).ToArray());
    }

    /// <summary>Distinct actions of <paramref name="service"/> the member's roles grant, sorted.</summary>
    public IReadOnlyList<string> ActionsOf(Guid userId, IReadOnlyCollection<Guid> groups, string service)
    {
        var result = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var role in HeldRoles(userId, groups))
        {
            foreach (var id in role.Actions)
                if (actions.TryGetValue(id, out var name) && name.Service == service) result.Add(name.Action);
        }
        return [.. result];
    }

    public Role AddRole(Guid id, string name, string? description, Guid? createdBy, DateTimeOffset createdAt)
    {
        var role = new Role(id, name, description, createdBy, createdAt);
        roles.Add(id, role);
        return role;
    }

    public void RemoveRole(Role role)
    {
        roles.Remove(role.Id);
        foreach (var user in role.Users) Unlink(userRoles, user, role.Id);
        foreach (var group in role.Groups) Unlink(groupRoles, group, role.Id);
    }

    public void DefineAction(Guid serviceActionId, string service, string action)
    {
        var name = new ActionName(string.Intern(service), action);
        actions[serviceActionId] = name;
        actionIds[name] = serviceActionId;
    }

    public void Grant(Role role, Guid serviceActionId) => role.Actions.Add(serviceActionId);

    public bool Revoke(Role role, Guid serviceActionId) => role.Actions.Remove(serviceActionId);

    public bool AssignUser(Role role, Guid userId) => role.Users.Add(userId) && Link(userRoles, userId, role.Id);

    public bool UnassignUser(Role role, Guid userId) => role.Users.Remove(userId) && Unlink(userRoles, userId, role.Id);

    public bool AssignGroup(Role role, Guid groupId) => role.Groups.Add(groupId) && Link(groupRoles, groupId, role.Id);

    public bool UnassignGroup(Role role, Guid groupId) => role.Groups.Remove(groupId) && Unlink(groupRoles, groupId, role.Id);

    /// <summary>A member left: their direct assignments go, as the tables' rows do.</summary>
    public void ForgetUser(Guid userId)
    {
        if (!userRoles.Remove(userId, out var held)) return;
        foreach (var id in held) roles.GetValueOrDefault(id)?.Users.Remove(userId);
    }

    /// <summary>A group was deleted: its assignments cascade.</summary>
    public void ForgetGroup(Guid groupId)
    {
        if (!groupRoles.Remove(groupId, out var held)) return;
        foreach (var id in held) roles.GetValueOrDefault(id)?.Groups.Remove(groupId);
    }

    public RoleInfo ToInfo(Role role, Guid workspaceId) =>
        new(role.Id, workspaceId, role.Name, role.Description, role.CreatedBy, role.CreatedAt, role.Actions.Count, role.Users.Count);

    private IEnumerable<Role> HeldRoles(Guid userId, IReadOnlyCollection<Guid> groups)
    {
        if (userRoles.TryGetValue(userId, out var direct))
        {
            foreach (var id in direct)
                if (roles.TryGetValue(id, out var role)) yield return role;
        }
        foreach (var group in groups)
        {
            if (!groupRoles.TryGetValue(group, out var viaGroup)) continue;
            foreach (var id in viaGroup)
                if (roles.TryGetValue(id, out var role)) yield return role;
        }
    }

    private static bool Link(Dictionary<Guid, HashSet<Guid>> index, Guid key, Guid roleId)
    {
        if (!index.TryGetValue(key, out var set)) index[key] = set = [];
        set.Add(roleId);
        return true;
    }

    private static bool Unlink(Dictionary<Guid, HashSet<Guid>> index, Guid key, Guid roleId)
    {
        if (index.TryGetValue(key, out var set) && set.Remove(roleId) && set.Count == 0) index.Remove(key);
        return true;
    }
}
