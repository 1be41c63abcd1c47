namespace Sentinel.Grains.Directory;

/// <summary>Workspace roles, ranked: viewer &lt; editor &lt; admin &lt; owner.</summary>
public enum WorkspaceRole
{
    /// <summary>Read access.</summary>
    Viewer = 0,
    /// <summary>Can edit workspace-visible resources.</summary>
    Editor = 1,
    /// <summary>Manages members and groups.</summary>
    Admin = 2,
    /// <summary>Full control, including owners and deletion.</summary>
    Owner = 3,
}

/// <summary>Conversions between <see cref="WorkspaceRole"/> and the contract's lowercase names.</summary>
public static class WorkspaceRoles
{
    /// <summary>The contract's name for <paramref name="role"/>.</summary>
    public static string ToName(this WorkspaceRole role) => role switch
    {
        WorkspaceRole.Owner => "owner",
        WorkspaceRole.Admin => "admin",
        WorkspaceRole.Editor => "editor",
        _ => "viewer",
    };

    /// <summary>Parses a contract role name; false for anything else.</summary>
    public static bool TryParse(string? name, out WorkspaceRole role)
    {
        switch (name)
        {
            case "owner": role = WorkspaceRole.Owner; return true;
            case "admin": role = WorkspaceRole.Admin; return true;
            case "editor": role = WorkspaceRole.Editor; return true;
            case "viewer": role = WorkspaceRole.Viewer; return true;
            default: role = WorkspaceRole.Viewer; return false;
        }
    }

    /// <summary>Rank of a role name from a token; unknown names rank below every role.</summary>
    public static int Rank(string? name) => TryParse(name, out var role) ? (int)role : -1;
}

/// <summary>A user row.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.UserProfile")]
public sealed record UserProfile(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Email,
    [property: Id(2)] string Name,
    [property: Id(3)] string? AvatarUrl,
    [property: Id(4)] bool IsActive,
    [property: Id(5)] bool IsAdmin,
    [property: Id(6)] DateTimeOffset CreatedAt,
    [property: Id(7)] DateTimeOffset UpdatedAt);

/// <summary>A workspace row.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.WorkspaceInfo")]
public sealed record WorkspaceInfo(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Slug,
    [property: Id(2)] string Name,
    [property: Id(3)] string? Description,
    [property: Id(4)] Guid? CreatedBy,
    [property: Id(5)] DateTimeOffset CreatedAt);

/// <summary>One workspace a user belongs to, with their role.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.UserWorkspace")]
public sealed record UserWorkspace(
    [property: Id(0)] WorkspaceInfo Workspace,
    [property: Id(1)] WorkspaceRole Role);

/// <summary>A member as the contract lists it.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.MemberInfo")]
public sealed record MemberInfo(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] string Email,
    [property: Id(2)] string Name,
    [property: Id(3)] string? AvatarUrl,
    [property: Id(4)] WorkspaceRole Role,
    [property: Id(5)] DateTimeOffset JoinedAt);

/// <summary>A membership row (the member-role PATCH answer).</summary>
[GenerateSerializer, Immutable, Alias("sentinel.MembershipRow")]
public sealed record MembershipRow(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid WorkspaceId,
    [property: Id(2)] Guid UserId,
    [property: Id(3)] WorkspaceRole Role,
    [property: Id(4)] DateTimeOffset JoinedAt);

/// <summary>A group row.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.GroupInfo")]
public sealed record GroupInfo(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid WorkspaceId,
    [property: Id(2)] string Name,
    [property: Id(3)] string? Description,
    [property: Id(4)] Guid? CreatedBy,
    [property: Id(5)] DateTimeOffset CreatedAt);

/// <summary>A group member as the contract lists it.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.GroupMemberInfo")]
public sealed record GroupMemberInfo(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] string Email,
    [property: Id(2)] string Name,
    [property: Id(3)] DateTimeOffset AddedAt);

/// <summary>Who asks for a change, and with what workspace role their token carries.</summary>
/// <param name="UserId">The caller.</param>
/// <param name="TokenRole">The workspace role their token carries.</param>
/// <param name="PlatformAdmin">A Sentinel admin acting through the admin API (cookie verified and the admin flag re-read
/// at the edge): acts with an owner's rights without being a member. The workspace's own rules (the last owner stays)
/// still apply. Never set for bearer callers.</param>
[GenerateSerializer, Immutable, Alias("sentinel.Actor")]
public sealed record Actor(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] string? TokenRole,
    [property: Id(2)] bool PlatformAdmin = false)
{
    /// <summary>A Sentinel admin acting through the admin API.</summary>
    public static Actor Admin(Guid userId) => new(userId, null, PlatformAdmin: true);
}

/// <summary>Why a directory change was refused. Each maps to one contract status, detail and stable code at the edge.</summary>
public enum DirectoryError
{
    /// <summary>No such workspace.</summary>
    WorkspaceNotFound,
    /// <summary>The slug is already used.</summary>
    SlugTaken,
    /// <summary>The caller's role is too low.</summary>
    InsufficientRole,
    /// <summary>Only owners may grant the owner role.</summary>
    OnlyOwnersGrantOwner,
    /// <summary>The last owner cannot be demoted.</summary>
    LastOwnerDemote,
    /// <summary>Only owners may change another owner's role.</summary>
    OnlyOwnersChangeOwner,
    /// <summary>Only owners may remove another owner.</summary>
    OnlyOwnersRemoveOwner,
    /// <summary>The last owner cannot be removed.</summary>
    LastOwnerRemove,
    /// <summary>No such membership.</summary>
    MembershipNotFound,
    /// <summary>No user with that id or email.</summary>
    UserNotFound,
    /// <summary>The user is already a member.</summary>
    AlreadyMember,
    /// <summary>No such group in this workspace.</summary>
    GroupNotFound,
    /// <summary>A group with that name exists in this workspace.</summary>
    GroupNameTaken,
    /// <summary>The caller is not a member of the workspace.</summary>
    NotWorkspaceMember,
    /// <summary>The user a change names is not a member of the workspace.</summary>
    TargetNotMember,
    /// <summary>The user is already in the group.</summary>
    AlreadyGroupMember,
    /// <summary>The user is not in the group.</summary>
    GroupMemberNotFound,
    /// <summary>A user with that email exists.</summary>
    EmailTaken,
}

/// <summary>Used where a change has no value to return.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.Done")]
public sealed record Done
{
    /// <summary>The single instance.</summary>
    public static readonly Done Value = new();
}
