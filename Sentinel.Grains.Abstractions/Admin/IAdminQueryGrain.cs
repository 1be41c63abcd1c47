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

    /// <summary>
    /// Revokes one refresh family of the user (and denylists its live access tokens), writing <c>session_revoked</c>.
    /// False, and no row, when the user has no such family.
    /// </summary>
    Task<bool> RevokeSessionAsync(Guid userId, Guid familyId, Guid actorId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Imports CSV rows one by one: finds the user by email or creates one without a social account, then adds the
    /// membership unless it exists. A failing row adds an error and never affects the others.
    /// </summary>
    Task<CsvImportResult> ImportAsync(IReadOnlyList<CsvImportRow> rows, Guid actorId, CancellationToken cancellationToken = default);

    /// <summary>Writes one activity row for an admin action that changes nothing (views, exports, an import's summary).</summary>
    /// <param name="action">E.g. <c>view_system_settings</c>, <c>export_users</c>, <c>batch_import</c>.</param>
    /// <param name="actorId">The admin.</param>
    /// <param name="targetType">E.g. <c>system</c>.</param>
    /// <param name="targetId">The target, the all-zero id for the system.</param>
    /// <param name="detailJson">A JSON object, or null.</param>
    /// <param name="cancellationToken">Bounds the call.</param>
    Task RecordAsync(string action, Guid actorId, string targetType, Guid targetId, string? detailJson, CancellationToken cancellationToken = default);
}
