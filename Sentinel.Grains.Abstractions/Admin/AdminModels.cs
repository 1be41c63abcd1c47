using Sentinel.Grains.Directory;

namespace Sentinel.Grains.Admin;

/// <summary>A page of an admin list: items, total, page, page size.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.Page`1")]
public sealed record Page<T>(
    [property: Id(0)] IReadOnlyList<T> Items,
    [property: Id(1)] long Total,
    [property: Id(2)] int PageNumber,
    [property: Id(3)] int PageSize);

/// <summary>The contract's <c>AdminUser</c>: the user row with its workspace count (the edge leaves out <c>updated_at</c>).</summary>
[GenerateSerializer, Immutable, Alias("sentinel.AdminUser")]
public sealed record AdminUser(
    [property: Id(0)] UserProfile User,
    [property: Id(1)] int WorkspaceCount);

/// <summary>A user's social account, as the admin detail shows it.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.SocialAccountInfo")]
public sealed record SocialAccountInfo(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Provider,
    [property: Id(2)] string ProviderUserId);

/// <summary>A membership, as the admin user detail shows it.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.AdminMembership")]
public sealed record AdminMembership(
    [property: Id(0)] Guid WorkspaceId,
    [property: Id(1)] string WorkspaceName,
    [property: Id(2)] string WorkspaceSlug,
    [property: Id(3)] WorkspaceRole Role,
    [property: Id(4)] DateTimeOffset JoinedAt);

/// <summary>The contract's admin user detail.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.AdminUserDetail")]
public sealed record AdminUserDetail(
    [property: Id(0)] UserProfile User,
    [property: Id(1)] IReadOnlyList<SocialAccountInfo> SocialAccounts,
    [property: Id(2)] IReadOnlyList<AdminMembership> Memberships);

/// <summary>The contract's <c>AdminWs</c>; <see cref="GroupCount"/> only on the single-workspace view.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.AdminWorkspace")]
public sealed record AdminWorkspace(
    [property: Id(0)] WorkspaceInfo Workspace,
    [property: Id(1)] int MemberCount,
    [property: Id(2)] int? GroupCount);

/// <summary>A workspace in the stats' top list.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.TopWorkspace")]
public sealed record TopWorkspace(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string Slug,
    [property: Id(3)] int MemberCount);

/// <summary><c>GET /admin/stats</c>.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.AdminStats")]
public sealed record AdminStats(
    [property: Id(0)] long TotalUsers,
    [property: Id(1)] long TotalWorkspaces,
    [property: Id(2)] long TotalGroups,
    [property: Id(3)] long TotalResources,
    [property: Id(4)] long ActiveUsers,
    [property: Id(5)] long InactiveUsers,
    [property: Id(6)] IReadOnlyList<AdminUser> RecentUsers,
    [property: Id(7)] IReadOnlyList<TopWorkspace> TopWorkspaces);

/// <summary>Filters of <c>GET /admin/activity</c>; dates inclusive.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.ActivityFilter")]
public sealed record ActivityFilter(
    [property: Id(0)] int Page,
    [property: Id(1)] int PageSize,
    [property: Id(2)] string? Action,
    [property: Id(3)] string? TargetType,
    [property: Id(4)] Guid? WorkspaceId,
    [property: Id(5)] Guid? ActorId,
    [property: Id(6)] DateTimeOffset? From,
    [property: Id(7)] DateTimeOffset? To);

/// <summary>One activity row with its actor's name and email.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.ActivityEntry")]
public sealed record ActivityEntry(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Action,
    [property: Id(2)] Guid? ActorId,
    [property: Id(3)] string? ActorName,
    [property: Id(4)] string? ActorEmail,
    [property: Id(5)] string TargetType,
    [property: Id(6)] Guid TargetId,
    [property: Id(7)] Guid? WorkspaceId,
    [property: Id(8)] string? DetailJson,
    [property: Id(9)] DateTimeOffset CreatedAt);

/// <summary>Which activity row an admin user PATCH wrote (the contract's "first applicable" rule).</summary>
[GenerateSerializer, Immutable, Alias("sentinel.AdminUserUpdate")]
public sealed record AdminUserUpdate(
    [property: Id(0)] string? Name,
    [property: Id(1)] bool? IsActive,
    [property: Id(2)] bool? IsAdmin);

/// <summary>One row of a CSV import, already validated at the edge (role is a valid name, email and slug present).</summary>
/// <param name="Line">The row's number in the file (the header is row 1), for error messages.</param>
/// <param name="Email">The user's email; an existing user (case-insensitive) is reused.</param>
/// <param name="Name">The name given to a new user.</param>
/// <param name="WorkspaceSlug">The workspace to add the user to.</param>
/// <param name="Role">The workspace role.</param>
[GenerateSerializer, Immutable, Alias("sentinel.CsvImportRow")]
public sealed record CsvImportRow(
    [property: Id(0)] int Line,
    [property: Id(1)] string Email,
    [property: Id(2)] string Name,
    [property: Id(3)] string WorkspaceSlug,
    [property: Id(4)] WorkspaceRole Role);

/// <summary>What a slice of a CSV import did; each row stands alone, so errors never undo other rows.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.CsvImportResult")]
public sealed record CsvImportResult(
    [property: Id(0)] int UsersCreated,
    [property: Id(1)] int MembershipsAdded,
    [property: Id(2)] IReadOnlyList<string> Errors);
