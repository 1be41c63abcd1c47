using System.Text.Json.Serialization;
using Sentinel.Grains.Admin;
using Sentinel.Grains.Directory;
using Sentinel.Web.SignIn;
using Sentinel.Web.Infrastructure.Cluster;
using Sentinel.Web.Infrastructure.Errors;
using Sentinel.Web.Directory;
using Sentinel.Web.Infrastructure.Conventions;

namespace Sentinel.Web.Admin;

/// <summary>
/// <c>/admin/workspaces</c>, members and <c>/admin/groups</c> (docs/admin-directory.md). The admin acts through <see cref="IWorkspaceGrain"/>
/// as <see cref="Actor.Admin"/>: an owner's rights without membership, the workspace's rules (last owner) still applying.
/// Fixed defects: duplicates answer 409 instead of 500; a member-role rule failure answers the workspace routes' 403 instead
/// of 404, and so does member removal.
/// </summary>
public static class AdminWorkspacesEndpoints
{
    public sealed record AdminWorkspaceResponse(Guid Id, string Slug, string Name, string? Description, Guid? CreatedBy, DateTimeOffset CreatedAt,
        int MemberCount, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? GroupCount)
    {
        public static AdminWorkspaceResponse From(AdminWorkspace a, bool withGroups) => new(a.Workspace.Id, a.Workspace.Slug, a.Workspace.Name,
            a.Workspace.Description, a.Workspace.CreatedBy, a.Workspace.CreatedAt, a.MemberCount, withGroups ? a.GroupCount ?? 0 : null);
    }

    public sealed record CreateRequest(string? Name, string? Slug, string? Description);
    public sealed record UpdateRequest(string? Name, string? Description);
    public sealed record InviteRequest(string? Email, string? Role);
    public sealed record RoleRequest(string? Role);
    public sealed record GroupRequest(string? Name, string? Description);

    public static RouteGroupBuilder MapAdminWorkspacesEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapGet("/workspaces", ListAsync);
        admin.MapPost("/workspaces", CreateAsync);
        admin.MapGet("/workspaces/{workspace_id}", GetAsync);
        admin.MapPatch("/workspaces/{workspace_id}", UpdateAsync);
        admin.MapDelete("/workspaces/{workspace_id}", DeleteAsync);
        admin.MapGet("/workspaces/{workspace_id}/members", ListMembersAsync);
        admin.MapPost("/workspaces/{workspace_id}/members/invite", InviteAsync);
        admin.MapPatch("/workspaces/{workspace_id}/members/{user_id}", ChangeRoleAsync);
        admin.MapDelete("/workspaces/{workspace_id}/members/{user_id}", RemoveMemberAsync);
        admin.MapGet("/workspaces/{workspace_id}/groups", ListGroupsAsync);
        admin.MapPost("/workspaces/{workspace_id}/groups", CreateGroupAsync);
        admin.MapPatch("/groups/{group_id}", UpdateGroupAsync);
        admin.MapDelete("/groups/{group_id}", DeleteGroupAsync);
        admin.MapGet("/groups/{group_id}/members", ListGroupMembersAsync);
        admin.MapPost("/groups/{group_id}/members/{user_id}", AddGroupMemberAsync);
        admin.MapDelete("/groups/{group_id}/members/{user_id}", RemoveGroupMemberAsync);
        return admin;
    }

    public static async Task<IResult> ListAsync(int? page, int? page_size, string? search, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        var (p, size, invalid) = AdminPaging.Read(page, page_size);
        if (invalid is not null) return invalid;
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IAdminQueryGrain>(0).ListWorkspacesAsync(p, size, string.IsNullOrEmpty(search) ? null : search, ct), context.RequestAborted);
        return Results.Json(new AdminPage<AdminWorkspaceResponse>(result.Items.Select(w => AdminWorkspaceResponse.From(w, false)).ToArray(), result.Total, p, size));
    }

    public static async Task<IResult> CreateAsync(CreateRequest body, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        var v = new RequestValidator()
            .Required("name", body.Name).Length("name", body.Name, 1, 255)
            .Required("slug", body.Slug).Pattern("slug", body.Slug, WorkspacesEndpoints.SlugPattern());
        if (v.Failed) return v.Result();
        var id = Guid.NewGuid();
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceGrain>(id)
            .CreateAsync(SafeText.Clean(body.Name)!, body.Slug!, SafeText.Clean(body.Description), admin.Caller.UserId, ct), context.RequestAborted);
        if (result.Error is { } error)
            return ApiErrors.Result(400, "Failed to create workspace", error == DirectoryError.SlugTaken ? ErrorCodes.SlugTaken : ErrorCodes.WorkspaceCreateFailed);
        return Results.Json(AdminWorkspaceResponse.From(new AdminWorkspace(result.Value!, 1, null), false), statusCode: 201);
    }

    public static async Task<IResult> GetAsync(Guid workspace_id, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        var workspace = await calls.RunAsync((g, ct) => g.GetGrain<IAdminQueryGrain>(0).GetWorkspaceAsync(workspace_id, ct), context.RequestAborted);
        return workspace is null ? DirectoryErrors.ToResult(DirectoryError.WorkspaceNotFound) : Results.Json(AdminWorkspaceResponse.From(workspace, true));
    }

    public static async Task<IResult> UpdateAsync(Guid workspace_id, UpdateRequest body, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        var v = new RequestValidator().Length("name", body.Name, 1, 255);
        if (v.Failed) return v.Result();
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceGrain>(workspace_id)
            .UpdateAsync(Actor.Admin(admin.Caller.UserId), SafeText.Clean(body.Name), SafeText.Clean(body.Description), body.Description is not null, ct), context.RequestAborted);
        if (result.Error is { } error) return DirectoryErrors.ToResult(error);
        var workspace = await calls.RunAsync((g, ct) => g.GetGrain<IAdminQueryGrain>(0).GetWorkspaceAsync(workspace_id, ct), context.RequestAborted);
        return workspace is null ? DirectoryErrors.ToResult(DirectoryError.WorkspaceNotFound) : Results.Json(AdminWorkspaceResponse.From(workspace, true));
    }

    public static async Task<IResult> DeleteAsync(Guid workspace_id, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceGrain>(workspace_id).DeleteAsync(Actor.Admin(admin.Caller.UserId), ct), context.RequestAborted);
        return DirectoryErrors.Map(result, _ => Results.NoContent());
    }

    public static async Task<IResult> ListMembersAsync(Guid workspace_id, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        var members = await calls.RunAsync((g, ct) => g.GetGrain<IDirectoryQueryGrain>(0).ListMembersAsync(workspace_id, null, null, ct), context.RequestAborted);
        return Results.Json(members.Select(WorkspacesEndpoints.MemberResponse.From));
    }

    public static async Task<IResult> InviteAsync(Guid workspace_id, InviteRequest body, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        var v = new RequestValidator().Required("email", body.Email).Email("email", body.Email).OneOf("role", body.Role, WorkspacesEndpoints.RoleNames);
        if (v.Failed) return v.Result();
        WorkspaceRoles.TryParse(body.Role ?? "viewer", out var role);
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceGrain>(workspace_id)
            .InviteAsync(Actor.Admin(admin.Caller.UserId), Emails.Normalize(body.Email!), role, ct), context.RequestAborted);
        return result.Error switch
        {
            null => Results.Json(AdminResults.Ok, statusCode: 201),
            DirectoryError.UserNotFound => ApiErrors.Result(400, "User not found", ErrorCodes.UserNotFound),
            var error => DirectoryErrors.ToResult(error.Value),
        };
    }

    public static async Task<IResult> ChangeRoleAsync(Guid workspace_id, Guid user_id, RoleRequest body, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        var v = new RequestValidator().Required("role", body.Role).OneOf("role", body.Role, WorkspacesEndpoints.RoleNames);
        if (v.Failed) return v.Result();
        WorkspaceRoles.TryParse(body.Role, out var role);
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceGrain>(workspace_id).ChangeRoleAsync(Actor.Admin(admin.Caller.UserId), user_id, role, ct), context.RequestAborted);
        return DirectoryErrors.Map(result, _ => Results.Json(AdminResults.Ok));
    }

    public static async Task<IResult> RemoveMemberAsync(Guid workspace_id, Guid user_id, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceGrain>(workspace_id).RemoveMemberAsync(Actor.Admin(admin.Caller.UserId), user_id, ct), context.RequestAborted);
        return DirectoryErrors.Map(result, _ => Results.NoContent());
    }

    public static async Task<IResult> ListGroupsAsync(Guid workspace_id, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        var groups = await calls.RunAsync((g, ct) => g.GetGrain<IDirectoryQueryGrain>(0).ListGroupsAsync(workspace_id, ct), context.RequestAborted);
        return Results.Json(groups.Select(GroupsEndpoints.GroupResponse.From));
    }

    public static async Task<IResult> CreateGroupAsync(Guid workspace_id, GroupRequest body, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        var v = new RequestValidator().Required("name", body.Name).Length("name", body.Name, 1, 255);
        if (v.Failed) return v.Result();
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceGrain>(workspace_id)
            .CreateGroupAsync(Actor.Admin(admin.Caller.UserId), SafeText.Clean(body.Name)!, SafeText.Clean(body.Description), ct), context.RequestAborted);
        return DirectoryErrors.Map(result, group => Results.Json(GroupsEndpoints.GroupResponse.From(group), statusCode: 201));
    }

    public static async Task<IResult> UpdateGroupAsync(Guid group_id, GroupRequest body, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        var v = new RequestValidator().Length("name", body.Name, 1, 255);
        if (v.Failed) return v.Result();
        if (await GroupWorkspaceAsync(group_id, calls, context) is not { } ws) return DirectoryErrors.ToResult(DirectoryError.GroupNotFound);
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceGrain>(ws)
            .UpdateGroupAsync(Actor.Admin(admin.Caller.UserId), group_id, SafeText.Clean(body.Name), SafeText.Clean(body.Description), body.Description is not null, ct), context.RequestAborted);
        return DirectoryErrors.Map(result, group => Results.Json(GroupsEndpoints.GroupResponse.From(group)));
    }

    public static async Task<IResult> DeleteGroupAsync(Guid group_id, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        if (await GroupWorkspaceAsync(group_id, calls, context) is not { } ws) return DirectoryErrors.ToResult(DirectoryError.GroupNotFound);
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceGrain>(ws).DeleteGroupAsync(Actor.Admin(admin.Caller.UserId), group_id, ct), context.RequestAborted);
        return DirectoryErrors.Map(result, _ => Results.NoContent());
    }

    public static async Task<IResult> ListGroupMembersAsync(Guid group_id, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        if (await GroupWorkspaceAsync(group_id, calls, context) is not { } ws) return DirectoryErrors.ToResult(DirectoryError.GroupNotFound);
        var members = await calls.RunAsync((g, ct) => g.GetGrain<IDirectoryQueryGrain>(0).ListGroupMembersAsync(ws, group_id, ct), context.RequestAborted);
        return members is null
            ? DirectoryErrors.ToResult(DirectoryError.GroupNotFound)
            : Results.Json(members.Select(m => new GroupsEndpoints.GroupMemberResponse(m.UserId, m.Email, m.Name, m.AddedAt)));
    }

    public static async Task<IResult> AddGroupMemberAsync(Guid group_id, Guid user_id, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        if (await GroupWorkspaceAsync(group_id, calls, context) is not { } ws) return DirectoryErrors.ToResult(DirectoryError.GroupNotFound);
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceGrain>(ws).AddGroupMemberAsync(Actor.Admin(admin.Caller.UserId), group_id, user_id, ct), context.RequestAborted);
        return result.Error switch
        {
            null => Results.Json(AdminResults.Ok, statusCode: 201),
            DirectoryError.GroupNotFound => DirectoryErrors.ToResult(DirectoryError.GroupNotFound),
            DirectoryError.TargetNotMember => ApiErrors.Result(400, "Failed to add group member", ErrorCodes.UserNotMember),
            DirectoryError.AlreadyGroupMember => ApiErrors.Result(409, "Failed to add group member", ErrorCodes.AlreadyGroupMember),
            var error => DirectoryErrors.ToResult(error.Value),
        };
    }

    public static async Task<IResult> RemoveGroupMemberAsync(Guid group_id, Guid user_id, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        if (await GroupWorkspaceAsync(group_id, calls, context) is not { } ws) return DirectoryErrors.ToResult(DirectoryError.GroupNotFound);
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceGrain>(ws).RemoveGroupMemberAsync(Actor.Admin(admin.Caller.UserId), group_id, user_id, ct), context.RequestAborted);
        return DirectoryErrors.Map(result, _ => Results.NoContent());
    }

    private static Task<Guid?> GroupWorkspaceAsync(Guid groupId, GrainCalls calls, HttpContext context) =>
        calls.RunAsync((g, ct) => g.GetGrain<IAdminDirectoryQueryGrain>(0).FindGroupWorkspaceAsync(groupId, ct), context.RequestAborted);
}
