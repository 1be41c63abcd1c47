namespace Sentinel.Grains.Admin;

/// <summary>Reads for the admin API: counts, lists, search and export pages. Use key 0.</summary>
public interface IAdminQueryGrain : IGrainWithIntegerKey
{
    /// <summary><c>GET /admin/stats</c>.</summary>
    Task<AdminStats> GetStatsAsync(CancellationToken cancellationToken = default);

    /// <summary>Activity, newest first.</summary>
    Task<Page<ActivityEntry>> ListActivityAsync(ActivityFilter filter, CancellationToken cancellationToken = default);

    /// <summary>Users, newest first; <paramref name="search"/> is a case-insensitive substring of email or name.</summary>
    Task<Page<AdminUser>> ListUsersAsync(int page, int pageSize, string? search, CancellationToken cancellationToken = default);

    /// <summary>One user with social accounts and memberships, or null.</summary>
    Task<AdminUserDetail?> GetUserAsync(Guid userId, CancellationToken cancellationToken = default);

    /// <summary>Workspaces, newest first; <paramref name="search"/> matches name or slug.</summary>
    Task<Page<AdminWorkspace>> ListWorkspacesAsync(int page, int pageSize, string? search, CancellationToken cancellationToken = default);

    /// <summary>One workspace with member and group counts, or null.</summary>
    Task<AdminWorkspace?> GetWorkspaceAsync(Guid workspaceId, CancellationToken cancellationToken = default);

    /// <summary>Every workspace as (id, name, slug), by name.</summary>
    Task<IReadOnlyList<TopWorkspace>> ListAllWorkspacesAsync(CancellationToken cancellationToken = default);

    /// <summary>A slice of users for CSV export, in creation order after the given key (keyset paging keeps memory flat).</summary>
    Task<IReadOnlyList<AdminUser>> ExportUsersAsync(DateTimeOffset? afterCreatedAt, Guid? afterId, int limit, CancellationToken cancellationToken = default);

    /// <summary>A slice of workspaces for CSV export, in creation order after the given key.</summary>
    Task<IReadOnlyList<AdminWorkspace>> ExportWorkspacesAsync(DateTimeOffset? afterCreatedAt, Guid? afterId, int limit, CancellationToken cancellationToken = default);
}

/// <summary>Admin changes to users that span grains (flags, revocation). Use key 0.</summary>
public interface IAdminUserCommandsGrain : IGrainWithIntegerKey
{
    /// <summary>PATCH a user: deactivation revokes sessions and sets the flag; activation clears it; demotion revokes sessions.
    /// Returns the activity action written, or null when the user does not exist.</summary>
    Task<string?> UpdateAsync(Guid userId, AdminUserUpdate update, Guid actorId, CancellationToken cancellationToken = default);

    /// <summary>Sets <c>is_active</c> for up to 500 users; returns how many exist.</summary>
    Task<int> BulkStatusAsync(IReadOnlyList<Guid> userIds, bool isActive, Guid actorId, CancellationToken cancellationToken = default);

    /// <summary>Revokes every session of the user; returns how many refresh families were live.</summary>
    Task<int> RevokeTokensAsync(Guid userId, Guid actorId, CancellationToken cancellationToken = default);
}
