namespace Sentinel.Client;

/// <summary>Who besides the owner sees a resource by default: <c>private</c> or <c>workspace</c>.</summary>
public enum ResourceVisibility
{
    /// <summary><c>private</c>: only the owner, workspace admins and owners, and shares.</summary>
    Private,

    /// <summary><c>workspace</c>: every member may view, editors may edit.</summary>
    Workspace,
}

/// <summary>An ACL action or share permission: <c>view</c> or <c>edit</c>.</summary>
public enum PermissionAction
{
    /// <summary><c>view</c></summary>
    View,

    /// <summary><c>edit</c></summary>
    Edit,
}

/// <summary>Whom a share grants: a <c>user</c> or a <c>group</c>.</summary>
public enum GranteeType
{
    /// <summary><c>user</c></summary>
    User,

    /// <summary><c>group</c></summary>
    Group,
}

/// <summary>One item of <c>POST /permissions/check</c>; <see cref="ServiceName"/> defaults to this service's.</summary>
public sealed record PermissionCheck(string ResourceType, Guid ResourceId, PermissionAction Action, string? ServiceName = null);

/// <summary>One answer of <c>POST /permissions/check</c>, in the order asked.</summary>
public sealed record PermissionCheckResult(string ServiceName, string ResourceType, Guid ResourceId, PermissionAction Action, bool Allowed);

/// <summary>
/// The answer of <c>POST /permissions/accessible</c>. With <see cref="HasFullAccess"/> true and no limit, the list is empty
/// and the caller sees every resource of the type (workspace admins and owners): do not filter.
/// </summary>
public sealed record AccessibleResources(IReadOnlyList<Guid> ResourceIds, bool HasFullAccess);

/// <summary>A share of a resource.</summary>
public sealed record ResourceShare(Guid Id, GranteeType GranteeType, Guid GranteeId, PermissionAction Permission, Guid? GrantedBy, DateTimeOffset GrantedAt);

/// <summary>A resource's ACL: owner, visibility and shares (docs/authorization.md).</summary>
public sealed record ResourcePermission(
    Guid Id, string ServiceName, string ResourceType, Guid ResourceId, Guid WorkspaceId, Guid? OwnerId,
    ResourceVisibility Visibility, DateTimeOffset CreatedAt, IReadOnlyList<ResourceShare> Shares);

/// <summary>A share with the names Sentinel knows (groups have no email).</summary>
public sealed record EnrichedResourceShare(
    Guid Id, GranteeType GranteeType, Guid GranteeId, PermissionAction Permission, Guid? GrantedBy, DateTimeOffset GrantedAt,
    string? GranteeName, string? GranteeEmail, string? GrantedByName);

/// <summary>A resource's ACL with the owner's and grantees' names (<c>…/enriched</c>).</summary>
public sealed record EnrichedResourcePermission(
    Guid Id, string ServiceName, string ResourceType, Guid ResourceId, Guid WorkspaceId, Guid? OwnerId,
    ResourceVisibility Visibility, DateTimeOffset CreatedAt, IReadOnlyList<EnrichedResourceShare> Shares,
    string? OwnerName, string? OwnerEmail);

internal sealed record CheckRequest(IReadOnlyList<CheckItem> Checks);
internal sealed record CheckItem(string ServiceName, string ResourceType, Guid ResourceId, PermissionAction Action);
internal sealed record CheckResponse(IReadOnlyList<PermissionCheckResult> Results);
internal sealed record AccessibleRequest(string ServiceName, string ResourceType, PermissionAction Action, Guid WorkspaceId, int? Limit);
internal sealed record RegisterRequest(string ServiceName, string ResourceType, Guid ResourceId, Guid WorkspaceId, Guid OwnerId, ResourceVisibility Visibility);
internal sealed record ShareRequest(GranteeType GranteeType, Guid GranteeId, PermissionAction Permission);
internal sealed record VisibilityRequest(ResourceVisibility Visibility);
