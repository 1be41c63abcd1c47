using Sentinel.Grains.Directory;

namespace Sentinel.Grains.Authorization;

/// <summary>Who may see a resource without a share: only the owner and admins, or every member.</summary>
public enum AclVisibility
{
    /// <summary>Owner, workspace admins and owners, and shares only.</summary>
    Private = 0,
    /// <summary>Every member may view; editors may also edit.</summary>
    Workspace = 1,
}

/// <summary>A share goes to a user or to a group of the resource's workspace.</summary>
public enum GranteeType
{
    /// <summary>A workspace member.</summary>
    User = 0,
    /// <summary>A group of the workspace.</summary>
    Group = 1,
}

/// <summary>An ACL action, and the level a share grants: <c>edit</c> includes <c>view</c>.</summary>
public enum AclPermission
{
    /// <summary>Read.</summary>
    View = 0,
    /// <summary>Write; a share with <c>edit</c> also allows <c>view</c>.</summary>
    Edit = 1,
}

/// <summary>The contract's lowercase names for the ACL enumerations.</summary>
public static class AclNames
{
    /// <summary><c>private</c> or <c>workspace</c>.</summary>
    public static string ToName(this AclVisibility value) => value == AclVisibility.Private ? "private" : "workspace";

    /// <summary><c>user</c> or <c>group</c>.</summary>
    public static string ToName(this GranteeType value) => value == GranteeType.Group ? "group" : "user";

    /// <summary><c>view</c> or <c>edit</c>.</summary>
    public static string ToName(this AclPermission value) => value == AclPermission.Edit ? "edit" : "view";

    /// <summary>Parses <c>private</c> or <c>workspace</c>.</summary>
    public static bool TryParseVisibility(string? name, out AclVisibility value)
    {
        value = name == "private" ? AclVisibility.Private : AclVisibility.Workspace;
        return name is "private" or "workspace";
    }

    /// <summary>Parses <c>user</c> or <c>group</c>.</summary>
    public static bool TryParseGrantee(string? name, out GranteeType value)
    {
        value = name == "group" ? GranteeType.Group : GranteeType.User;
        return name is "user" or "group";
    }

    /// <summary>Parses <c>view</c> or <c>edit</c>.</summary>
    public static bool TryParsePermission(string? name, out AclPermission value)
    {
        value = name == "edit" ? AclPermission.Edit : AclPermission.View;
        return name is "view" or "edit";
    }
}

/// <summary>A resource as services name it: unique across all workspaces.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.ResourceRef")]
public sealed record ResourceRef(
    [property: Id(0)] string ServiceName,
    [property: Id(1)] string ResourceType,
    [property: Id(2)] Guid ResourceId);

/// <summary>One item of a permission check batch.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.AclCheck")]
public sealed record AclCheck(
    [property: Id(0)] ResourceRef Resource,
    [property: Id(1)] AclPermission Action);

/// <summary>A share of a resource.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.AclShareInfo")]
public sealed record AclShareInfo(
    [property: Id(0)] Guid Id,
    [property: Id(1)] GranteeType GranteeType,
    [property: Id(2)] Guid GranteeId,
    [property: Id(3)] AclPermission Permission,
    [property: Id(4)] Guid? GrantedBy,
    [property: Id(5)] DateTimeOffset GrantedAt);

/// <summary>A resource's ACL row with its shares, as the contract shows it.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.AclInfo")]
public sealed record AclInfo(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string ServiceName,
    [property: Id(2)] string ResourceType,
    [property: Id(3)] Guid ResourceId,
    [property: Id(4)] Guid WorkspaceId,
    [property: Id(5)] Guid? OwnerId,
    [property: Id(6)] AclVisibility Visibility,
    [property: Id(7)] DateTimeOffset CreatedAt,
    [property: Id(8)] IReadOnlyList<AclShareInfo> Shares);

/// <summary>Display fields of a user, for the enriched ACL view.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.UserDisplay")]
public sealed record UserDisplay(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string Email);

/// <summary>An ACL with the names of the people and groups it mentions.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.EnrichedAcl")]
public sealed record EnrichedAcl(
    [property: Id(0)] AclInfo Acl,
    [property: Id(1)] IReadOnlyDictionary<Guid, UserDisplay> Users,
    [property: Id(2)] IReadOnlyDictionary<Guid, string> GroupNames);

/// <summary>The accessible-resources answer (docs/authorization.md).</summary>
/// <param name="ResourceIds">Matching ids; empty with <paramref name="HasFullAccess"/> when no limit was given to an admin.</param>
/// <param name="HasFullAccess">The caller is a workspace admin or owner: the service should skip filtering.</param>
[GenerateSerializer, Immutable, Alias("sentinel.AccessibleResources")]
public sealed record AccessibleResources(
    [property: Id(0)] IReadOnlyList<Guid> ResourceIds,
    [property: Id(1)] bool HasFullAccess);

/// <summary>The answer to an RBAC action check: allowed when a role of the member or of one of their groups grants it.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.ActionCheck")]
public sealed record ActionCheck(
    [property: Id(0)] bool Allowed,
    [property: Id(1)] IReadOnlyList<string> Roles);

/// <summary>What an authz token says about a member: workspace, current role, and the actions for one service.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.AuthzContext")]
public sealed record AuthzContext(
    [property: Id(0)] WorkspaceInfo Workspace,
    [property: Id(1)] WorkspaceRole Role,
    [property: Id(2)] IReadOnlyList<string> Actions);

/// <summary>A service action row.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.ServiceActionInfo")]
public sealed record ServiceActionInfo(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string ServiceName,
    [property: Id(2)] string Action,
    [property: Id(3)] string? Description,
    [property: Id(4)] DateTimeOffset CreatedAt);

/// <summary>An action a service registers, with an optional description.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.ActionDefinition")]
public sealed record ActionDefinition(
    [property: Id(0)] string Action,
    [property: Id(1)] string? Description);

/// <summary>A workspace role (RBAC, not the membership role) with its counts.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.RoleInfo")]
public sealed record RoleInfo(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid WorkspaceId,
    [property: Id(2)] string Name,
    [property: Id(3)] string? Description,
    [property: Id(4)] Guid? CreatedBy,
    [property: Id(5)] DateTimeOffset CreatedAt,
    [property: Id(6)] int ActionCount,
    [property: Id(7)] int MemberCount);

/// <summary>Where a resource's ACL lives, found by id or by name.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.ResourceLocation")]
public sealed record ResourceLocation(
    [property: Id(0)] Guid PermissionId,
    [property: Id(1)] Guid WorkspaceId,
    [property: Id(2)] string ServiceName);

/// <summary>An activity row to write with a change (admin API); null writes none (service-key API).</summary>
[GenerateSerializer, Immutable, Alias("sentinel.Audit")]
public sealed record Audit(
    [property: Id(0)] string Action,
    [property: Id(1)] Guid? ActorId);

/// <summary>Sizes of one workspace's in-memory authorization state, for measurements and the admin view.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.AuthorizationFootprint")]
public sealed record AuthorizationFootprint(
    [property: Id(0)] int Members,
    [property: Id(1)] int Groups,
    [property: Id(2)] int Resources,
    [property: Id(3)] int Shares,
    [property: Id(4)] int Roles,
    [property: Id(5)] int UserRoleAssignments,
    [property: Id(6)] int GroupRoleAssignments,
    [property: Id(7)] TimeSpan LoadTime);

/// <summary>Why an authorization change was refused. Each maps to one status, detail and stable code at the edge.</summary>
public enum AuthorizationError
{
    /// <summary>No such workspace.</summary>
    WorkspaceNotFound,
    /// <summary>No ACL with that id in this workspace.</summary>
    PermissionNotFound,
    /// <summary>No ACL for that (service, type, id) in this workspace.</summary>
    ResourceNotFound,
    /// <summary>The owner named at registration is not a user.</summary>
    OwnerNotFound,
    /// <summary>The resource is already registered with another workspace or owner: a conflict, never the other row.</summary>
    ResourceConflict,
    /// <summary>The sharer is neither the owner nor a workspace admin or owner.</summary>
    NotOwnerOrAdmin,
    /// <summary>A user grantee is not a member of the resource's workspace.</summary>
    GranteeNotMember,
    /// <summary>A group grantee is not a group of the resource's workspace.</summary>
    GroupNotInWorkspace,
    /// <summary>No share for that grantee.</summary>
    ShareNotFound,
    /// <summary>No such role in this workspace.</summary>
    RoleNotFound,
    /// <summary>A role with that name exists in this workspace.</summary>
    RoleNameTaken,
    /// <summary>No such service action.</summary>
    ServiceActionNotFound,
    /// <summary>The role already grants that action.</summary>
    RoleActionExists,
    /// <summary>The role does not grant that action.</summary>
    RoleActionNotFound,
    /// <summary>The user is not a member of the workspace.</summary>
    UserNotMember,
    /// <summary>The user already has the role.</summary>
    UserRoleExists,
    /// <summary>The user does not have the role.</summary>
    UserRoleNotFound,
    /// <summary>No such group in this workspace.</summary>
    GroupNotFound,
    /// <summary>The group already has the role.</summary>
    GroupRoleExists,
    /// <summary>The group does not have the role.</summary>
    GroupRoleNotFound,
    /// <summary>The same action appears twice in one registration.</summary>
    DuplicateAction,
}

