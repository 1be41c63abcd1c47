using Sentinel.Grains.Authorization;

namespace Sentinel.Grains.Admin;

/// <summary>Filters and order of <c>GET /admin/permissions</c>.</summary>
/// <param name="Page">1-based page.</param>
/// <param name="PageSize">1..100.</param>
/// <param name="WorkspaceId">Only this workspace.</param>
/// <param name="ServiceName">Only this service (exact).</param>
/// <param name="ResourceIdPrefix">Prefix of the resource id's lowercase hyphenated text.</param>
/// <param name="OwnerEmail">Case-insensitive substring of the owner's email.</param>
/// <param name="SortByShares">Order by share count; otherwise by creation time.</param>
/// <param name="Descending">Descending order (the default).</param>
[GenerateSerializer, Immutable, Alias("sentinel.PermissionFilter")]
public sealed record PermissionFilter(
    [property: Id(0)] int Page,
    [property: Id(1)] int PageSize,
    [property: Id(2)] Guid? WorkspaceId,
    [property: Id(3)] string? ServiceName,
    [property: Id(4)] string? ResourceIdPrefix,
    [property: Id(5)] string? OwnerEmail,
    [property: Id(6)] bool SortByShares,
    [property: Id(7)] bool Descending);

/// <summary>An ACL row as the admin list shows it: without shares, with the owner's email and the share count.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.AdminAcl")]
public sealed record AdminAcl(
    [property: Id(0)] AclInfo Acl,
    [property: Id(1)] string? OwnerEmail,
    [property: Id(2)] int ShareCount);

/// <summary>A user holding an RBAC role.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.RoleMemberInfo")]
public sealed record RoleMemberInfo(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] string Email,
    [property: Id(2)] string Name,
    [property: Id(3)] DateTimeOffset AssignedAt,
    [property: Id(4)] Guid? AssignedBy);
