namespace Sentinel.Client;

/// <summary>
/// Sentinel's ACLs (<c>/permissions</c>, docs/authorization.md) for this service. Every call sends the service key; check,
/// accessible and share also send a bearer (the one given, else the current request's Sentinel token: the access token
/// in proxy mode, the authz token in authz mode). Failures throw <see cref="SentinelException"/>.
/// </summary>
public sealed class PermissionClient
{
    private readonly SentinelHttp http;

    internal PermissionClient(SentinelHttp http) => this.http = http;

    /// <summary>Checks up to 100 items for the caller, answers in order (<c>POST /permissions/check</c>).</summary>
    public async Task<IReadOnlyList<PermissionCheckResult>> CheckAsync(IEnumerable<PermissionCheck> checks, string? bearer = null, CancellationToken cancellationToken = default)
    {
        var items = checks.Select(c => new CheckItem(c.ServiceName ?? http.ServiceName, c.ResourceType, c.ResourceId, c.Action)).ToArray();
        var response = await http.SendAsync<CheckResponse>(HttpMethod.Post, "/permissions/check", new CheckRequest(items), BearerUse.Caller, bearer, idempotent: true, cancellationToken);
        return response.Results;
    }

    /// <summary>Whether the caller may <paramref name="action"/> one resource of this service.</summary>
    public async Task<bool> CanAsync(string resourceType, Guid resourceId, PermissionAction action, string? bearer = null, CancellationToken cancellationToken = default)
    {
        var results = await CheckAsync([new PermissionCheck(resourceType, resourceId, action)], bearer, cancellationToken);
        return results.Count == 1 && results[0].Allowed;
    }

    /// <summary>
    /// Registers a resource's ACL (<c>POST /permissions/register</c>, key only). An existing ACL of the same resource is
    /// returned unchanged, so the call is retried safely.
    /// </summary>
    public Task<ResourcePermission> RegisterAsync(string resourceType, Guid resourceId, Guid workspaceId, Guid ownerId, ResourceVisibility visibility = ResourceVisibility.Workspace, CancellationToken cancellationToken = default) =>
        http.SendAsync<ResourcePermission>(HttpMethod.Post, "/permissions/register",
            new RegisterRequest(http.ServiceName, resourceType, resourceId, workspaceId, ownerId, visibility), BearerUse.None, null, idempotent: true, cancellationToken);

    /// <summary>The ids of resources the caller may <paramref name="action"/> (<c>POST /permissions/accessible</c>).</summary>
    public Task<AccessibleResources> AccessibleAsync(string resourceType, PermissionAction action, Guid workspaceId, int? limit = null, string? bearer = null, CancellationToken cancellationToken = default) =>
        http.SendAsync<AccessibleResources>(HttpMethod.Post, "/permissions/accessible",
            new AccessibleRequest(http.ServiceName, resourceType, action, workspaceId, limit), BearerUse.Caller, bearer, idempotent: true, cancellationToken);

    /// <summary>A resource's ACL (<c>GET /permissions/resource/{service}/{type}/{id}</c>, key only).</summary>
    public Task<ResourcePermission> GetAsync(string resourceType, Guid resourceId, CancellationToken cancellationToken = default) =>
        http.SendAsync<ResourcePermission>(HttpMethod.Get, ResourcePath(resourceType, resourceId), null, BearerUse.None, null, idempotent: true, cancellationToken);

    /// <summary>A resource's ACL with names (<c>…/enriched</c>, key only).</summary>
    public Task<EnrichedResourcePermission> EnrichedAsync(string resourceType, Guid resourceId, CancellationToken cancellationToken = default) =>
        http.SendAsync<EnrichedResourcePermission>(HttpMethod.Get, ResourcePath(resourceType, resourceId) + "/enriched", null, BearerUse.None, null, idempotent: true, cancellationToken);

    /// <summary>
    /// Shares a resource (<c>POST /permissions/{id}/share</c>): the caller must own it or be a workspace admin, so the
    /// caller's bearer is sent. Looks the ACL id up first, as the Python SDK does. Not retried.
    /// </summary>
    public async Task ShareAsync(string resourceType, Guid resourceId, GranteeType granteeType, Guid granteeId, PermissionAction permission, string? bearer = null, CancellationToken cancellationToken = default)
    {
        var acl = await GetAsync(resourceType, resourceId, cancellationToken);
        await http.SendAsync(HttpMethod.Post, $"/permissions/{acl.Id}/share", new ShareRequest(granteeType, granteeId, permission), BearerUse.Caller, bearer, idempotent: false, cancellationToken);
    }

    /// <summary>Removes a share (<c>DELETE /permissions/{id}/share</c> with a JSON body, key only). Not retried.</summary>
    public async Task UnshareAsync(string resourceType, Guid resourceId, GranteeType granteeType, Guid granteeId, PermissionAction permission = PermissionAction.View, CancellationToken cancellationToken = default)
    {
        var acl = await GetAsync(resourceType, resourceId, cancellationToken);
        await http.SendAsync(HttpMethod.Delete, $"/permissions/{acl.Id}/share", new ShareRequest(granteeType, granteeId, permission), BearerUse.None, null, idempotent: false, cancellationToken);
    }

    /// <summary>Sets a resource's visibility (<c>PATCH /permissions/{id}/visibility</c>, key only).</summary>
    public async Task<ResourcePermission> SetVisibilityAsync(string resourceType, Guid resourceId, ResourceVisibility visibility, CancellationToken cancellationToken = default)
    {
        var acl = await GetAsync(resourceType, resourceId, cancellationToken);
        return await http.SendAsync<ResourcePermission>(HttpMethod.Patch, $"/permissions/{acl.Id}/visibility", new VisibilityRequest(visibility), BearerUse.None, null, idempotent: true, cancellationToken);
    }

    /// <summary>Deletes a resource's ACL and its shares (<c>DELETE /permissions/resource/…</c>, key only).</summary>
    public Task DeleteAsync(string resourceType, Guid resourceId, CancellationToken cancellationToken = default) =>
        http.SendAsync(HttpMethod.Delete, ResourcePath(resourceType, resourceId), null, BearerUse.None, null, idempotent: false, cancellationToken);

    private string ResourcePath(string resourceType, Guid resourceId) =>
        $"/permissions/resource/{Uri.EscapeDataString(http.ServiceName)}/{Uri.EscapeDataString(resourceType)}/{resourceId}";
}
