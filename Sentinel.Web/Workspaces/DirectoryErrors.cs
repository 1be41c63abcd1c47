using Sentinel.Grains;
using Sentinel.Grains.Directory;
using Sentinel.Web.Errors;

namespace Sentinel.Web.Workspaces;

/// <summary>Maps a directory refusal to the contract's status and detail, plus a stable code.</summary>
public static class DirectoryErrors
{
    public static IResult ToResult(DirectoryError error) => error switch
    {
        DirectoryError.WorkspaceNotFound => ApiErrors.Result(404, "Workspace not found", ErrorCodes.WorkspaceNotFound),
        DirectoryError.SlugTaken => ApiErrors.Result(409, "A workspace with this slug already exists", ErrorCodes.SlugTaken),
        DirectoryError.InsufficientRole => ApiErrors.Result(403, "Insufficient role", ErrorCodes.InsufficientRole),
        DirectoryError.NotWorkspaceMember => ApiErrors.Result(403, "Not a member of this workspace", ErrorCodes.NotWorkspaceMember),
        DirectoryError.OnlyOwnersGrantOwner => ApiErrors.Result(403, "Only workspace owners can grant the owner role", ErrorCodes.OwnerRoleRequired),
        DirectoryError.LastOwnerDemote => ApiErrors.Result(403, "Cannot demote the last workspace owner", ErrorCodes.LastOwner),
        DirectoryError.OnlyOwnersChangeOwner => ApiErrors.Result(403, "Only workspace owners can change another owner's role", ErrorCodes.OwnerRoleRequired),
        DirectoryError.OnlyOwnersRemoveOwner => ApiErrors.Result(403, "Only workspace owners can remove another owner", ErrorCodes.OwnerRoleRequired),
        DirectoryError.LastOwnerRemove => ApiErrors.Result(403, "Cannot remove the last workspace owner", ErrorCodes.LastOwner),
        DirectoryError.MembershipNotFound => ApiErrors.Result(404, "Membership not found", ErrorCodes.MembershipNotFound),
        DirectoryError.UserNotFound => ApiErrors.Result(404, "User not found", ErrorCodes.UserNotFound),
        DirectoryError.AlreadyMember => ApiErrors.Result(409, "User is already a member of this workspace", ErrorCodes.AlreadyMember),
        DirectoryError.GroupNotFound => ApiErrors.Result(404, "Group not found", ErrorCodes.GroupNotFound),
        DirectoryError.GroupNameTaken => ApiErrors.Result(409, "A group with this name already exists in this workspace", ErrorCodes.GroupNameTaken),
        DirectoryError.TargetNotMember => ApiErrors.Result(400, "User is not a member of this workspace", ErrorCodes.UserNotMember),
        DirectoryError.AlreadyGroupMember => ApiErrors.Result(409, "User is already a member of this group", ErrorCodes.AlreadyGroupMember),
        DirectoryError.GroupMemberNotFound => ApiErrors.Result(404, "Group member not found", ErrorCodes.GroupMemberNotFound),
        DirectoryError.EmailTaken => ApiErrors.Result(409, "A user with this email already exists", ErrorCodes.EmailTaken),
        _ => ApiErrors.Result(400, "Request refused", ErrorCodes.BadRequest),
    };

    /// <summary>Answers a result: the mapped value on success, the mapped refusal otherwise.</summary>
    public static IResult Map<T>(Result<T, DirectoryError> result, Func<T, IResult> ok) =>
        result.Error is { } error ? ToResult(error) : ok(result.Value!);
}

/// <summary>The contract's "match" and rules on the token: the path's workspace is the token's <c>wid</c>; viewer &lt; editor &lt; admin &lt; owner.</summary>
public static class WorkspaceAccess
{
    /// <summary>403 unless the path workspace is the token's <c>wid</c>.</summary>
    public static IResult? Match(Auth.BearerCaller caller, Guid workspaceId) =>
        caller.WorkspaceId == workspaceId ? null : ApiErrors.Result(403, "Not a member of this workspace", ErrorCodes.NotWorkspaceMember);

    /// <summary>403 unless the token's <c>wrole</c> ranks at least <paramref name="minimum"/>.</summary>
    public static IResult? AtLeast(Auth.BearerCaller caller, WorkspaceRole minimum) =>
        WorkspaceRoles.Rank(caller.WorkspaceRole) >= (int)minimum ? null : ApiErrors.Result(403, "Insufficient role", ErrorCodes.InsufficientRole);

    public static Actor Actor(this Auth.BearerCaller caller) => new(caller.UserId, caller.WorkspaceRole);
}
