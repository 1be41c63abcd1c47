using Sentinel.Grains.Directory;

namespace Sentinel.Grains.Authorization;

/// <summary>
/// The ACLs of one workspace in memory, indexed for the two hot reads: a check by (service, type, id), and the
/// accessible-resources lookup by owner, grantee and (service, type). Not thread-safe: its grain is the only user.
/// </summary>
internal sealed class AclIndex
{
    internal sealed class Share(Guid id, GranteeType granteeType, Guid granteeId, AclPermission permission, Guid? grantedBy, DateTimeOffset grantedAt)
    {
        public Guid Id { get; } = id;
        public GranteeType GranteeType { get; } = granteeType;
        public Guid GranteeId { get; } = granteeId;
        public AclPermission Permission { get; set; } = permission;
        public Guid? GrantedBy { get; set; } = grantedBy;
        public DateTimeOffset GrantedAt { get; set; } = grantedAt;

        public AclShareInfo ToInfo() => new(Id, GranteeType, GranteeId, Permission, GrantedBy, GrantedAt);
    }

    internal sealed class Entry(Guid id, string service, string type, Guid resourceId, Guid? ownerId, AclVisibility visibility, DateTimeOffset createdAt)
    {
        public Guid Id { get; } = id;
        public string Service { get; } = service;
        public string Type { get; } = type;
        public Guid ResourceId { get; } = resourceId;
        public Guid? OwnerId { get; } = ownerId;
        public AclVisibility Visibility { get; set; } = visibility;
        public DateTimeOffset CreatedAt { get; } = createdAt;

        /// <summary>Null until the first share: most resources have none, and an empty list costs 32 bytes each.</summary>
        public List<Share>? Shares { get; set; }

        public ResourceRef Ref => new(Service, Type, ResourceId);
    }

    private readonly record struct Bucket(string Service, string Type);

    private readonly Dictionary<Guid, Entry> byId = [];
    private readonly Dictionary<Bucket, Dictionary<Guid, Entry>> byResource = [];
    private readonly Dictionary<Guid, List<Entry>> byOwner = [];
    private readonly Dictionary<Guid, List<Entry>> byUserGrantee = [];
    private readonly Dictionary<Guid, List<Entry>> byGroupGrantee = [];
    private readonly Dictionary<string, string> names = new(StringComparer.Ordinal);

    public int Count => byId.Count;

    public int ShareCount { get; private set; }

    public Entry? Find(Guid permissionId) => byId.GetValueOrDefault(permissionId);

    public Entry? Find(ResourceRef resource) =>
        byResource.TryGetValue(new Bucket(resource.ServiceName, resource.ResourceType), out var bucket) ? bucket.GetValueOrDefault(resource.ResourceId) : null;

    /// <summary>
    /// The permission check for one item, in the contract's order of steps (docs/authorization.md, "The check"). <paramref name="role"/> is the caller's effective role and
    /// <paramref name="groups"/> their current groups; the caller has already been found to be a member.
    /// </summary>
    public bool Check(Guid userId, WorkspaceRole role, IReadOnlyCollection<Guid> groups, ResourceRef resource, AclPermission action) =>
        Check(userId, role, groups.Count == 0 ? static _ => false : groups.Contains, resource, action);

    /// <summary>
    /// The check with the caller's group membership asked per group share (<paramref name="inGroup"/>), so a check of a
    /// resource without group shares never works out the caller's groups (the workspace grain's hot path).
    /// </summary>
    public bool Check(Guid userId, WorkspaceRole role, Func<Guid, bool> inGroup, ResourceRef resource, AclPermission action)
    {
        // 1–2: no row here. A row of another workspace lives in that workspace's grain, so it is not found either.
        if (Find(resource) is not { } entry) return false;
        // 3: the owner.
        if (entry.OwnerId == userId) return true;
        // 4: workspace admins and owners.
        if (role >= WorkspaceRole.Admin) return true;
        // 5: workspace visibility: everyone views, editors edit.
        if (entry.Visibility == AclVisibility.Workspace && (action == AclPermission.View || role == WorkspaceRole.Editor)) return true;
        if (entry.Shares is not { } shares) return false;
        // 6: a direct share; a view share does not allow edit, but a group share still might.
        foreach (var share in shares)
        {
            if (share.GranteeType == GranteeType.User && share.GranteeId == userId && Grants(share, action)) return true;
        }
        // 7: a share to one of the caller's groups.
        foreach (var share in shares)
        {
            if (share.GranteeType == GranteeType.Group && Grants(share, action) && inGroup(share.GranteeId)) return true;
        }
        // 8: deny.
        return false;
    }

    /// <summary>The resources the caller may act on (<c>/permissions/accessible</c>): owned, then shared, then workspace-visible ids (the contract leaves the order open).</summary>
    public AccessibleResources Accessible(Guid userId, WorkspaceRole role, IReadOnlyCollection<Guid> groups, string service, string type, AclPermission action, int? limit)
    {
        var key = new Bucket(service, type);
        byResource.TryGetValue(key, out var bucket);
        if (role >= WorkspaceRole.Admin)
        {
            if (limit is null) return new AccessibleResources([], true);
            return new AccessibleResources(bucket is null ? [] : bucket.Keys.Take(limit.Value).ToArray(), true);
        }

        var max = limit ?? int.MaxValue;
        var seen = new HashSet<Guid>();
        var result = new List<Guid>();
        bool Add(Entry e)
        {
            if (seen.Add(e.ResourceId)) result.Add(e.ResourceId);
            return result.Count >= max;
        }
        bool InBucket(Entry e) => e.Service == service && e.Type == type;

        if (byOwner.TryGetValue(userId, out var owned))
        {
            foreach (var e in owned)
                if (InBucket(e) && Add(e)) return Done();
        }
        if (byUserGrantee.TryGetValue(userId, out var shared))
        {
            foreach (var e in shared)
                if (InBucket(e) && e.Shares!.Any(s => s.GranteeType == GranteeType.User && s.GranteeId == userId && Grants(s, action)) && Add(e)) return Done();
        }
        foreach (var group in groups)
        {
            if (!byGroupGrantee.TryGetValue(group, out var groupShared)) continue;
            foreach (var e in groupShared)
                if (InBucket(e) && e.Shares!.Any(s => s.GranteeType == GranteeType.Group && s.GranteeId == group && Grants(s, action)) && Add(e)) return Done();
        }
        if (bucket is not null && (action == AclPermission.View || role == WorkspaceRole.Editor))
        {
            foreach (var e in bucket.Values)
                if (e.Visibility == AclVisibility.Workspace && Add(e)) return Done();
        }
        return Done();

        AccessibleResources Done() => new(result, false);
    }

    public Entry Add(Guid id, string service, string type, Guid resourceId, Guid? ownerId, AclVisibility visibility, DateTimeOffset createdAt)
    {
        var entry = new Entry(id, Intern(service), Intern(type), resourceId, ownerId, visibility, createdAt);
        byId.Add(id, entry);
        var key = new Bucket(entry.Service, entry.Type);
        if (!byResource.TryGetValue(key, out var bucket)) byResource[key] = bucket = [];
        bucket.Add(resourceId, entry);
        if (ownerId is { } owner) Append(byOwner, owner, entry);
        return entry;
    }

    public void Remove(Entry entry)
    {
        byId.Remove(entry.Id);
        var key = new Bucket(entry.Service, entry.Type);
        if (byResource.TryGetValue(key, out var bucket))
        {
            bucket.Remove(entry.ResourceId);
            if (bucket.Count == 0) byResource.Remove(key);
        }
        if (entry.OwnerId is { } owner) Detach(byOwner, owner, entry);
        foreach (var share in entry.Shares ?? [])
        {
            Detach(GranteeIndex(share.GranteeType), share.GranteeId, entry);
            ShareCount--;
        }
    }

    /// <summary>Adds a share, or changes the level of the grantee's existing one.</summary>
    public Share Upsert(Entry entry, Guid shareId, GranteeType granteeType, Guid granteeId, AclPermission permission, Guid? grantedBy, DateTimeOffset grantedAt)
    {
        entry.Shares ??= [];
        var existing = entry.Shares.Find(s => s.GranteeType == granteeType && s.GranteeId == granteeId);
        if (existing is not null)
        {
            existing.Permission = permission;
            existing.GrantedBy = grantedBy;
            existing.GrantedAt = grantedAt;
            return existing;
        }
        var share = new Share(shareId, granteeType, granteeId, permission, grantedBy, grantedAt);
        entry.Shares.Add(share);
        Append(GranteeIndex(granteeType), granteeId, entry);
        ShareCount++;
        return share;
    }

    public bool RemoveShare(Entry entry, GranteeType granteeType, Guid granteeId)
    {
        var removed = entry.Shares?.RemoveAll(s => s.GranteeType == granteeType && s.GranteeId == granteeId) ?? 0;
        if (removed == 0) return false;
        if (entry.Shares!.Count == 0) entry.Shares = null;
        Detach(GranteeIndex(granteeType), granteeId, entry);
        ShareCount -= removed;
        return true;
    }

    /// <summary>Drops every share to this grantee, as the tables do when a member leaves or a group is deleted.</summary>
    public void RemoveGrantee(GranteeType granteeType, Guid granteeId)
    {
        if (!GranteeIndex(granteeType).Remove(granteeId, out var entries)) return;
        foreach (var entry in entries)
        {
            ShareCount -= entry.Shares?.RemoveAll(s => s.GranteeType == granteeType && s.GranteeId == granteeId) ?? 0;
            if (entry.Shares is { Count: 0 }) entry.Shares = null;
        }
    }

    public AclInfo ToInfo(Entry entry, Guid workspaceId) => new(
        entry.Id, entry.Service, entry.Type, entry.ResourceId, workspaceId, entry.OwnerId, entry.Visibility, entry.CreatedAt,
        entry.Shares is null ? [] : entry.Shares.OrderBy(s => s.GrantedAt).ThenBy(s => s.Id).Select(s => s.ToInfo()).ToArray());

    private static bool Grants(Share share, AclPermission action) => action == AclPermission.View || share.Permission == AclPermission.Edit;

    private Dictionary<Guid, List<Entry>> GranteeIndex(GranteeType type) => type == GranteeType.User ? byUserGrantee : byGroupGrantee;

    private string Intern(string value)
    {
        if (names.TryGetValue(value, out var interned)) return interned;
        names[value] = value;
        return value;
    }

    // Lists, not sets: a user owns or is shared a handful of resources, and a list costs a third of a set.
    private static void Append(Dictionary<Guid, List<Entry>> index, Guid key, Entry entry)
    {
        if (!index.TryGetValue(key, out var list)) index[key] = list = [];
        list.Add(entry);
    }

    private static void Detach(Dictionary<Guid, List<Entry>> index, Guid key, Entry entry)
    {
        if (!index.TryGetValue(key, out var list)) return;
        list.Remove(entry);
        if (list.Count == 0) index.Remove(key);
    }
}
