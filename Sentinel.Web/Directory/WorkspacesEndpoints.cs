using System.Text.RegularExpressions;
using Sentinel.Grains.Directory;
using Sentinel.Web.Tokens;
using Sentinel.Web.Authorization;
using Sentinel.Web.Infrastructure.Cluster;
using Sentinel.Web.RateLimiting;
using Sentinel.Web.Infrastructure.Conventions;
using Sentinel.Grains.RateLimiting;

namespace Sentinel.Web.Directory;

/// <summary><c>/workspaces</c> and members.</summary>
public static partial class WorkspacesEndpoints
{
    public sealed record WorkspaceResponse(Guid Id, string Slug, string Name, string? Description, Guid? CreatedBy, DateTimeOffset CreatedAt)
    {
        public static WorkspaceResponse From(WorkspaceInfo w) => new(w.Id, w.Slug, w.Name, w.Description, w.CreatedBy, w.CreatedAt);
    }

    public sealed record MemberResponse(Guid UserId, string Email, string Name, string? AvatarUrl, string Role, DateTimeOffset JoinedAt)
    {
        public static MemberResponse From(MemberInfo m) => new(m.UserId, m.Email, m.Name, m.AvatarUrl, m.Role.ToName(), m.JoinedAt);
    }

    public sealed record MembershipResponse(Guid Id, Guid WorkspaceId, Guid UserId, string Role, DateTimeOffset JoinedAt);

    public sealed record CreateWorkspaceRequest(string? Name, string? Slug, string? Description);
    public sealed record UpdateWorkspaceRequest(string? Name, string? Description);
    public sealed record InviteRequest(string? Email, string? Role);
    public sealed record RoleRequest(string? Role);

    [GeneratedRegex("^[a-z0-9][a-z0-9-]*[a-z0-9]$")]
    public static partial Regex SlugPattern();

    public static readonly string[] RoleNames = ["owner", "admin", "editor", "viewer"];

    public static RouteGroupBuilder MapWorkspacesEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/workspaces");
        group.MapPost("", CreateAsync);
        group.MapGet("", ListAsync);
        group.MapGet("/{workspace_id}", GetAsync);
        group.MapPatch("/{workspace_id}", UpdateAsync);
        group.MapDelete("/{workspace_id}", DeleteAsync);
        group.MapGet("/{workspace_id}/members", ListMembersAsync).WithRateLimitTier(RateLimitTier.Read).AddRateLimitFilter();
        group.MapPost("/{workspace_id}/members/invite", InviteAsync);
        group.MapPatch("/{workspace_id}/members/{user_id}", ChangeRoleAsync);
        group.MapDelete("/{workspace_id}/members/{user_id}", RemoveMemberAsync);
        return group;
    }

    public static async Task<IResult> CreateAsync(CreateWorkspaceRequest body, StrictBearer auth, GrainCalls calls, HttpContext context)
    {
        var v = new RequestValidator()
            .Required("name", body.Name).Length("name", body.Name, 1, 255)
            .Required("slug", body.Slug).Length("slug", body.Slug, 2, 100).Pattern("slug", body.Slug, SlugPattern());
        if (v.Failed) return v.Result();
        var id = Guid.NewGuid();
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceGrain>(id)
            .CreateAsync(SafeText.Clean(body.Name)!, body.Slug!, SafeText.Clean(body.Description), auth.Caller.UserId, ct), context.RequestAborted);
        return DirectoryErrors.Map(result, w => Results.Json(WorkspaceResponse.From(w), statusCode: 201));
    }

    public static async Task<IResult> ListAsync(StrictBearer auth, GrainCalls calls, HttpContext context)
    {
        var rows = await calls.RunAsync((g, ct) => g.GetGrain<IDirectoryQueryGrain>(0).ListUserWorkspacesAsync(auth.Caller.UserId, ct), context.RequestAborted);
        return Results.Json(rows.Select(r => WorkspaceResponse.From(r.Workspace)));
    }

    public static async Task<IResult> GetAsync(Guid workspace_id, StrictBearer auth, GrainCalls calls, HttpContext context)
    {
        if (WorkspaceAccess.Match(auth.Caller, workspace_id) is { } refused) return refused;
        var workspace = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceGrain>(workspace_id).GetAsync(ct), context.RequestAborted);
        return workspace is null ? DirectoryErrors.ToResult(DirectoryError.WorkspaceNotFound) : Results.Json(WorkspaceResponse.From(workspace));
    }

    public static async Task<IResult> UpdateAsync(Guid workspace_id, UpdateWorkspaceRequest body, StrictBearer auth, GrainCalls calls, HttpContext context)
    {
        if ((WorkspaceAccess.Match(auth.Caller, workspace_id) ?? WorkspaceAccess.AtLeast(auth.Caller, WorkspaceRole.Admin)) is { } refused) return refused;
        var v = new RequestValidator().Length("name", body.Name, 1, 255);
        if (v.Failed) return v.Result();
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceGrain>(workspace_id)
            .UpdateAsync(auth.Caller.Actor(), SafeText.Clean(body.Name), SafeText.Clean(body.Description), body.Description is not null, ct), context.RequestAborted);
        return DirectoryErrors.Map(result, w => Results.Json(WorkspaceResponse.From(w)));
    }

    public static async Task<IResult> DeleteAsync(Guid workspace_id, StrictBearer auth, GrainCalls calls, HttpContext context)
    {
        if ((WorkspaceAccess.Match(auth.Caller, workspace_id) ?? WorkspaceAccess.AtLeast(auth.Caller, WorkspaceRole.Owner)) is { } refused) return refused;
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceGrain>(workspace_id).DeleteAsync(auth.Caller.Actor(), ct), context.RequestAborted);
        return DirectoryErrors.Map(result, _ => Results.NoContent());
    }

    public static async Task<IResult> ListMembersAsync(Guid workspace_id, string? q, int? limit, FlexibleBearer auth, GrainCalls calls, HttpContext context)
    {
        if (WorkspaceAccess.Match(auth.Caller, workspace_id) is { } refused) return refused;
        var v = new RequestValidator().Length("q", q, 0, 100, where: "query");
        if (v.Failed) return v.Result();
        int? clamped = limit is null ? null : Math.Clamp(limit.Value, 1, 50);
        var members = await calls.RunAsync((g, ct) => g.GetGrain<IDirectoryQueryGrain>(0).ListMembersAsync(workspace_id, string.IsNullOrEmpty(q) ? null : q, clamped, ct), context.RequestAborted);
        return Results.Json(members.Select(MemberResponse.From));
    }

    public static async Task<IResult> InviteAsync(Guid workspace_id, InviteRequest body, StrictBearer auth, GrainCalls calls, HttpContext context)
    {
        if ((WorkspaceAccess.Match(auth.Caller, workspace_id) ?? WorkspaceAccess.AtLeast(auth.Caller, WorkspaceRole.Admin)) is { } refused) return refused;
        var v = new RequestValidator().Required("email", body.Email).Email("email", body.Email).OneOf("role", body.Role, RoleNames);
        if (v.Failed) return v.Result();
        WorkspaceRoles.TryParse(body.Role ?? "viewer", out var role);
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceGrain>(workspace_id)
            .InviteAsync(auth.Caller.Actor(), Emails.Normalize(body.Email!), role, ct), context.RequestAborted);
        return result switch
        {
            // The contract answers these two with 400 on invite.
            { Error: DirectoryError.OnlyOwnersGrantOwner } =>
                Infrastructure.Errors.ApiErrors.Result(400, "Only workspace owners can grant the owner role", ErrorCodes.OwnerRoleRequired),
            { Error: DirectoryError.UserNotFound } =>
                Infrastructure.Errors.ApiErrors.Result(400, "User not found", ErrorCodes.UserNotFound),
            _ => DirectoryErrors.Map(result, m => Results.Json(MemberResponse.From(m), statusCode: 201)),
        };
    }

    public static async Task<IResult> ChangeRoleAsync(Guid workspace_id, Guid user_id, RoleRequest body, StrictBearer auth, GrainCalls calls, HttpContext context)
    {
        if ((WorkspaceAccess.Match(auth.Caller, workspace_id) ?? WorkspaceAccess.AtLeast(auth.Caller, WorkspaceRole.Admin)) is { } refused) return refused;
        var v = new RequestValidator().Required("role", body.Role).OneOf("role", body.Role, RoleNames);
        if (v.Failed) return v.Result();
        WorkspaceRoles.TryParse(body.Role, out var role);
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceGrain>(workspace_id).ChangeRoleAsync(auth.Caller.Actor(), user_id, role, ct), context.RequestAborted);
        return DirectoryErrors.Map(result, m => Results.Json(new MembershipResponse(m.Id, m.WorkspaceId, m.UserId, m.Role.ToName(), m.JoinedAt)));
    }

    public static async Task<IResult> RemoveMemberAsync(Guid workspace_id, Guid user_id, StrictBearer auth, GrainCalls calls, HttpContext context)
    {
        if ((WorkspaceAccess.Match(auth.Caller, workspace_id) ?? WorkspaceAccess.AtLeast(auth.Caller, WorkspaceRole.Admin)) is { } refused) return refused;
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceGrain>(workspace_id).RemoveMemberAsync(auth.Caller.Actor(), user_id, ct), context.RequestAborted);
        return DirectoryErrors.Map(result, _ => Results.NoContent());
    }
}
