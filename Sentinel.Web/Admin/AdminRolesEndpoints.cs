using Sentinel.Grains.Admin;
using Sentinel.Grains.Authorization;
using Sentinel.Web.SignIn;
using Sentinel.Web.Authorization;
using Sentinel.Web.Infrastructure.Cluster;
using Sentinel.Web.Infrastructure.Errors;
using Sentinel.Web.Infrastructure.Conventions;
using static Sentinel.Web.Authorization.ContractRules;

namespace Sentinel.Web.Admin;

/// <summary>
/// RBAC roles (docs/admin-directory.md): <c>/admin/workspaces/{id}/roles</c> and <c>/admin/roles/{rid}</c>. Writes go to the workspace's
/// authorization grain, which holds roles in memory and answers <c>/roles/check-action</c> from them: a check that starts
/// after a write returns sees it. Duplicates answer 409 instead of the original's 500.
/// </summary>
public static class AdminRolesEndpoints
{
    public sealed record RoleResponse(Guid Id, Guid WorkspaceId, string Name, string? Description, Guid? CreatedBy, DateTimeOffset CreatedAt, int ActionCount, int MemberCount)
    {
        public static RoleResponse From(RoleInfo r) => new(r.Id, r.WorkspaceId, r.Name, r.Description, r.CreatedBy, r.CreatedAt, r.ActionCount, r.MemberCount);
    }

    public sealed record RoleMemberResponse(Guid UserId, string Email, string Name, DateTimeOffset AssignedAt, Guid? AssignedBy);
    public sealed record RoleRequest(string? Name, string? Description);
    public sealed record AddActionsRequest(List<string?>? ServiceActionIds);

    public static RouteGroupBuilder MapAdminRolesEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapGet("/workspaces/{workspace_id}/roles", ListAsync);
        admin.MapPost("/workspaces/{workspace_id}/roles", CreateAsync);
        admin.MapPatch("/roles/{role_id}", UpdateAsync);
        admin.MapDelete("/roles/{role_id}", DeleteAsync);
        admin.MapGet("/roles/{role_id}/actions", ListActionsAsync);
        admin.MapPost("/roles/{role_id}/actions", AddActionsAsync);
        admin.MapDelete("/roles/{role_id}/actions/{service_action_id}", RemoveActionAsync);
        admin.MapGet("/roles/{role_id}/members", ListMembersAsync);
        admin.MapPost("/roles/{role_id}/members/{user_id}", AssignAsync);
        admin.MapDelete("/roles/{role_id}/members/{user_id}", UnassignAsync);
        return admin;
    }

    public static async Task<IResult> ListAsync(Guid workspace_id, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        var roles = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceAuthorizationGrain>(workspace_id).ListRolesAsync(ct), context.RequestAborted);
        return Results.Json(roles.Select(RoleResponse.From));
    }

    public static async Task<IResult> CreateAsync(Guid workspace_id, RoleRequest body, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        var v = new RequestValidator().Required("name", body.Name).Length("name", body.Name, 1, 255);
        if (v.Failed) return v.Result();
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceAuthorizationGrain>(workspace_id)
            .CreateRoleAsync(SafeText.Clean(body.Name)!, SafeText.Clean(body.Description), admin.Caller.UserId, ct), context.RequestAborted);
        return result.IsOk ? Results.Json(RoleResponse.From(result.Value!), statusCode: 201) : Refusal(result.Error!.Value, result.Detail);
    }

    public static async Task<IResult> UpdateAsync(Guid role_id, RoleRequest body, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        var v = new RequestValidator().Length("name", body.Name, 1, 255);
        if (v.Failed) return v.Result();
        if (await RoleWorkspaceAsync(role_id, calls, context) is not { } ws) return RoleNotFound();
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceAuthorizationGrain>(ws)
            .UpdateRoleAsync(role_id, SafeText.Clean(body.Name), SafeText.Clean(body.Description), body.Description is not null, admin.Caller.UserId, ct), context.RequestAborted);
        return result.IsOk ? Results.Json(RoleResponse.From(result.Value!)) : Refusal(result.Error!.Value, result.Detail);
    }

    public static async Task<IResult> DeleteAsync(Guid role_id, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        if (await RoleWorkspaceAsync(role_id, calls, context) is not { } ws) return RoleNotFound();
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceAuthorizationGrain>(ws).DeleteRoleAsync(role_id, admin.Caller.UserId, ct), context.RequestAborted);
        return result.IsOk ? Results.NoContent() : Refusal(result.Error!.Value, result.Detail);
    }

    public static async Task<IResult> ListActionsAsync(Guid role_id, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        var actions = await calls.RunAsync((g, ct) => g.GetGrain<IAdminDirectoryQueryGrain>(0).ListRoleActionsAsync(role_id, ct), context.RequestAborted);
        return actions is null ? RoleNotFound() : Results.Json(actions.Select(AdminPermissionsEndpoints.ToResponse));
    }

    public static async Task<IResult> AddActionsAsync(Guid role_id, AddActionsRequest body, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        var v = new RequestValidator().List(Body("service_action_ids"), body.ServiceActionIds);
        var ids = new List<Guid>();
        for (var i = 0; i < (body.ServiceActionIds?.Count ?? 0); i++) ids.Add(v.Uuid(Body("service_action_ids", i), body.ServiceActionIds![i]));
        if (v.Failed) return v.Result();
        if (await RoleWorkspaceAsync(role_id, calls, context) is not { } ws) return RoleNotFound();
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceAuthorizationGrain>(ws).AddRoleActionsAsync(role_id, ids, admin.Caller.UserId, ct), context.RequestAborted);
        return result.IsOk ? Results.Json(AdminResults.Ok, statusCode: 201) : Refusal(result.Error!.Value, result.Detail);
    }

    public static async Task<IResult> RemoveActionAsync(Guid role_id, Guid service_action_id, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        if (await RoleWorkspaceAsync(role_id, calls, context) is not { } ws) return RoleNotFound();
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceAuthorizationGrain>(ws).RemoveRoleActionAsync(role_id, service_action_id, admin.Caller.UserId, ct), context.RequestAborted);
        return result.IsOk ? Results.NoContent() : Refusal(result.Error!.Value, result.Detail);
    }

    public static async Task<IResult> ListMembersAsync(Guid role_id, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        var members = await calls.RunAsync((g, ct) => g.GetGrain<IAdminDirectoryQueryGrain>(0).ListRoleMembersAsync(role_id, ct), context.RequestAborted);
        return members is null ? RoleNotFound() : Results.Json(members.Select(m => new RoleMemberResponse(m.UserId, m.Email, m.Name, m.AssignedAt, m.AssignedBy)));
    }

    public static async Task<IResult> AssignAsync(Guid role_id, Guid user_id, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        if (await RoleWorkspaceAsync(role_id, calls, context) is not { } ws) return RoleNotFound();
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceAuthorizationGrain>(ws).AssignUserRoleAsync(role_id, user_id, admin.Caller.UserId, ct), context.RequestAborted);
        return result.Error switch
        {
            null => Results.Json(AdminResults.Ok, statusCode: 201),
            AuthorizationError.UserNotMember => ApiErrors.Result(400, "Failed to assign role", ErrorCodes.UserNotMember),
            AuthorizationError.UserRoleExists => ApiErrors.Result(409, "Failed to assign role", ErrorCodes.UserRoleExists),
            var error => Refusal(error.Value, result.Detail),
        };
    }

    public static async Task<IResult> UnassignAsync(Guid role_id, Guid user_id, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        if (await RoleWorkspaceAsync(role_id, calls, context) is not { } ws) return RoleNotFound();
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceAuthorizationGrain>(ws).UnassignUserRoleAsync(role_id, user_id, admin.Caller.UserId, ct), context.RequestAborted);
        return result.IsOk ? Results.NoContent() : Refusal(result.Error!.Value, result.Detail);
    }

    private static IResult RoleNotFound() => ApiErrors.Result(404, "Role not found", ErrorCodes.RoleNotFound);

    private static IResult Refusal(AuthorizationError error, string? detail) => error switch
    {
        AuthorizationError.WorkspaceNotFound => ApiErrors.Result(404, "Workspace not found", ErrorCodes.WorkspaceNotFound),
        AuthorizationError.RoleNotFound => RoleNotFound(),
        AuthorizationError.RoleNameTaken => ApiErrors.Result(409, "A role with this name already exists in this workspace", ErrorCodes.RoleNameTaken),
        AuthorizationError.ServiceActionNotFound => ApiErrors.Result(404, $"Service action {detail} not found", ErrorCodes.ServiceActionNotFound),
        AuthorizationError.RoleActionExists => ApiErrors.Result(409, $"Role already has service action {detail}", ErrorCodes.RoleActionExists),
        AuthorizationError.RoleActionNotFound => ApiErrors.Result(404, "Role action not found", ErrorCodes.RoleActionNotFound),
        AuthorizationError.UserRoleNotFound => ApiErrors.Result(404, "User role not found", ErrorCodes.UserRoleNotFound),
        _ => ApiErrors.Result(400, "Request refused", ErrorCodes.BadRequest),
    };

    private static Task<Guid?> RoleWorkspaceAsync(Guid roleId, GrainCalls calls, HttpContext context) =>
        calls.RunAsync((g, ct) => g.GetGrain<IAdminDirectoryQueryGrain>(0).FindRoleWorkspaceAsync(roleId, ct), context.RequestAborted);
}
