using Sentinel.Grains.Admin;
using Sentinel.Grains.Authorization;
using Sentinel.Grains.RateLimiting;
using Sentinel.Web.SignIn;
using Sentinel.Web.Authorization;
using Sentinel.Web.Infrastructure.Cluster;
using Sentinel.Web.Infrastructure.Errors;
using Sentinel.Web.Infrastructure.Conventions;
using static Sentinel.Web.Authorization.ContractRules;

namespace Sentinel.Web.Admin;

/// <summary>
/// <c>/admin/permissions</c> and <c>/admin/service-actions</c> (docs/admin-directory.md). Writes go to the workspace grain that holds the
/// ACL in memory (found by id), with an activity row written in the same transaction; purges go through the service
/// action registry, which reloads every affected workspace before it answers.
/// </summary>
public static class AdminPermissionsEndpoints
{
    public sealed record AdminAclResponse(Guid Id, string ServiceName, string ResourceType, Guid ResourceId, Guid WorkspaceId, Guid? OwnerId,
        string Visibility, DateTimeOffset CreatedAt, string? OwnerEmail, int ShareCount)
    {
        public static AdminAclResponse From(AdminAcl a) => new(a.Acl.Id, a.Acl.ServiceName, a.Acl.ResourceType, a.Acl.ResourceId, a.Acl.WorkspaceId,
            a.Acl.OwnerId, a.Acl.Visibility.ToName(), a.Acl.CreatedAt, a.OwnerEmail, a.ShareCount);
    }

    public sealed record AdminAclDetailResponse(Guid Id, string ServiceName, string ResourceType, Guid ResourceId, Guid WorkspaceId, Guid? OwnerId,
        string Visibility, DateTimeOffset CreatedAt, string? OwnerEmail, int ShareCount, IReadOnlyList<PermissionsEndpoints.ShareResponse> Shares);

    public sealed record VisibilityRequest(string? Visibility);
    public sealed record VisibilityResponse(string Status, string Visibility);
    public sealed record ShareRequest(string? GranteeType, string? GranteeId, string? Permission);
    public sealed record PurgeResponse(string Status, int DeletedCount);

    public static RouteGroupBuilder MapAdminPermissionsEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapGet("/permissions", ListAsync);
        admin.MapGet("/permissions/{permission_id}", GetAsync);
        admin.MapPatch("/permissions/{permission_id}/visibility", SetVisibilityAsync);
        admin.MapPost("/permissions/{permission_id}/share", ShareAsync);
        admin.MapDelete("/permissions/{permission_id}/share", UnshareAsync);
        admin.MapDelete("/permissions/service/{service_name}", PurgeAsync).WithAdminRateLimit(RateLimitTier.Sensitive);
        admin.MapGet("/service-actions", ListActionsAsync);
        admin.MapDelete("/service-actions/{action_id}", DeleteActionAsync);
        return admin;
    }

    public static async Task<IResult> ListAsync(int? page, int? page_size, string? workspace_id, string? service_name, string? resource_id, string? owner,
        string? sort_by, string? sort_order, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        var (p, size, invalid) = AdminPaging.Read(page, page_size);
        if (invalid is not null) return invalid;
        var v = new RequestValidator()
            .OneOf("sort_by", sort_by, ["shares", "created_at"], where: "query")
            .OneOf("sort_order", sort_order, ["asc", "desc"], where: "query");
        Guid? workspaceId = string.IsNullOrEmpty(workspace_id) ? null : v.Uuid(["query", "workspace_id"], workspace_id);
        if (v.Failed) return v.Result();
        var filter = new PermissionFilter(p, size, workspaceId, Blank(service_name), Blank(resource_id), Blank(owner), sort_by == "shares", sort_order != "asc");
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IAdminDirectoryQueryGrain>(0).ListPermissionsAsync(filter, ct), context.RequestAborted);
        return Results.Json(new AdminPage<AdminAclResponse>(result.Items.Select(AdminAclResponse.From).ToArray(), result.Total, p, size));
    }

    public static async Task<IResult> GetAsync(Guid permission_id, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        var summary = await calls.RunAsync((g, ct) => g.GetGrain<IAdminDirectoryQueryGrain>(0).GetPermissionSummaryAsync(permission_id, ct), context.RequestAborted);
        if (summary is null) return PermissionNotFound();
        // Shares from the grain that decides checks: what the admin sees is what is enforced.
        var acl = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceAuthorizationGrain>(summary.Acl.WorkspaceId).GetPermissionAsync(permission_id, ct), context.RequestAborted);
        if (acl is null) return PermissionNotFound();
        var shares = acl.Shares.Select(s => new PermissionsEndpoints.ShareResponse(s.Id, s.GranteeType.ToName(), s.GranteeId, s.Permission.ToName(), s.GrantedBy, s.GrantedAt)).ToArray();
        return Results.Json(new AdminAclDetailResponse(acl.Id, acl.ServiceName, acl.ResourceType, acl.ResourceId, acl.WorkspaceId, acl.OwnerId,
            acl.Visibility.ToName(), acl.CreatedAt, summary.OwnerEmail, shares.Length, shares));
    }

    public static async Task<IResult> SetVisibilityAsync(Guid permission_id, VisibilityRequest body, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        var v = new RequestValidator().Matches(Body("visibility"), body.Visibility, ContractRules.Visibility());
        if (v.Failed) return v.Result();
        AclNames.TryParseVisibility(body.Visibility, out var visibility);
        var notFound = ApiErrors.Result(404, "Resource permission not found", ErrorCodes.PermissionNotFound);
        if (await LocateAsync(permission_id, calls, context) is not { } ws) return notFound;
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceAuthorizationGrain>(ws)
            .SetVisibilityAsync(permission_id, visibility, new Audit("permission_visibility_changed", admin.Caller.UserId), ct), context.RequestAborted);
        return result.IsOk ? Results.Json(new VisibilityResponse("ok", visibility.ToName())) : notFound;
    }

    public static async Task<IResult> ShareAsync(Guid permission_id, ShareRequest body, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        var v = new RequestValidator().Matches(Body("grantee_type"), body.GranteeType, ContractRules.GranteeType()).Matches(Body("permission"), body.Permission, ViewOrEdit());
        var granteeId = v.Uuid(Body("grantee_id"), body.GranteeId);
        if (v.Failed) return v.Result();
        AclNames.TryParseGrantee(body.GranteeType, out var granteeType);
        AclNames.TryParsePermission(body.Permission, out var permission);
        if (await LocateAsync(permission_id, calls, context) is not { } ws) return PermissionNotFound();
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceAuthorizationGrain>(ws)
            .ShareAsync(permission_id, null, granteeType, granteeId, permission, new Audit("permission_shared", admin.Caller.UserId), ct), context.RequestAborted);
        return result.Error switch
        {
            null => Results.Json(AdminResults.Ok, statusCode: 201),
            AuthorizationError.GranteeNotMember => ApiErrors.Result(400, "Grantee user is not a member of the resource's workspace", ErrorCodes.GranteeNotMember),
            AuthorizationError.GroupNotInWorkspace => ApiErrors.Result(400, "Grantee group does not belong to the resource's workspace", ErrorCodes.GroupNotInWorkspace),
            AuthorizationError.PermissionNotFound => PermissionNotFound(),
            _ => ApiErrors.Result(400, "Failed to share permission", ErrorCodes.BadRequest),
        };
    }

    public static async Task<IResult> UnshareAsync(Guid permission_id, string? grantee_type, string? grantee_id, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        var v = new RequestValidator().Matches(["query", "grantee_type"], grantee_type, ContractRules.GranteeType());
        var granteeId = v.Uuid(["query", "grantee_id"], grantee_id);
        if (v.Failed) return v.Result();
        AclNames.TryParseGrantee(grantee_type, out var granteeType);
        if (await LocateAsync(permission_id, calls, context) is not { } ws) return PermissionNotFound();
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceAuthorizationGrain>(ws)
            .UnshareAsync(permission_id, granteeType, granteeId, new Audit("permission_revoked", admin.Caller.UserId), ct), context.RequestAborted);
        return result.Error switch
        {
            null => Results.Json(AdminResults.Ok),
            AuthorizationError.PermissionNotFound => PermissionNotFound(),
            _ => ApiErrors.Result(404, "Share not found", ErrorCodes.ShareNotFound),
        };
    }

    public static async Task<IResult> PurgeAsync(string service_name, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        var deleted = await calls.RunAsync((g, ct) => g.GetGrain<IServiceActionRegistryGrain>(0)
            .PurgeServicePermissionsAsync(service_name, new Audit("permissions_purged", admin.Caller.UserId), ct), context.RequestAborted);
        return Results.Json(new PurgeResponse("ok", deleted));
    }

    public static async Task<IResult> ListActionsAsync(string? service_name, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        var actions = await calls.RunAsync((g, ct) => g.GetGrain<IServiceActionRegistryGrain>(0).ListAsync(string.IsNullOrEmpty(service_name) ? null : service_name, ct), context.RequestAborted);
        return Results.Json(actions.Select(ToResponse));
    }

    public static async Task<IResult> DeleteActionAsync(Guid action_id, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        var deleted = await calls.RunAsync((g, ct) => g.GetGrain<IServiceActionRegistryGrain>(0)
            .DeleteAsync(action_id, new Audit("service_action_deleted", admin.Caller.UserId), ct), context.RequestAborted);
        return deleted ? Results.NoContent() : ApiErrors.Result(404, "Service action not found", ErrorCodes.ServiceActionNotFound);
    }

    internal static RolesEndpoints.ServiceActionResponse ToResponse(ServiceActionInfo a) => new(a.Id, a.ServiceName, a.Action, a.Description, a.CreatedAt);

    private static IResult PermissionNotFound() => ApiErrors.Result(404, "Permission not found", ErrorCodes.PermissionNotFound);

    private static async Task<Guid?> LocateAsync(Guid permissionId, GrainCalls calls, HttpContext context) =>
        (await calls.RunAsync((g, ct) => g.GetGrain<IAuthorizationLookupGrain>(0).FindPermissionAsync(permissionId, ct), context.RequestAborted))?.WorkspaceId;

    private static string? Blank(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
