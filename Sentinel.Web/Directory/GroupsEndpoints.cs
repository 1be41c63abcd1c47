using Sentinel.Grains.Directory;
using Sentinel.Web.Tokens;
using Sentinel.Web.Authorization;
using Sentinel.Web.Infrastructure.Cluster;
using Sentinel.Web.RateLimiting;
using Sentinel.Web.Infrastructure.Conventions;
using Sentinel.Grains.RateLimiting;

namespace Sentinel.Web.Directory;

/// <summary><c>/workspaces/{workspace_id}/groups</c>: every route needs "match"; mutations need admin or above.</summary>
public static class GroupsEndpoints
{
    public sealed record GroupResponse(Guid Id, Guid WorkspaceId, string Name, string? Description, Guid? CreatedBy, DateTimeOffset CreatedAt)
    {
        public static GroupResponse From(GroupInfo g) => new(g.Id, g.WorkspaceId, g.Name, g.Description, g.CreatedBy, g.CreatedAt);
    }

    public sealed record GroupMemberResponse(Guid UserId, string Email, string Name, DateTimeOffset AddedAt);
    public sealed record GroupRequest(string? Name, string? Description);

    private static readonly object Ok = new { status = "ok" };

    public static RouteGroupBuilder MapGroupsEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/workspaces/{workspace_id}/groups");
        group.MapPost("", CreateAsync);
        group.MapGet("", ListAsync).WithRateLimitTier(RateLimitTier.Read).AddRateLimitFilter();
        group.MapPatch("/{group_id}", UpdateAsync);
        group.MapDelete("/{group_id}", DeleteAsync);
        group.MapGet("/{group_id}/members", ListMembersAsync).WithRateLimitTier(RateLimitTier.Read).AddRateLimitFilter();
        group.MapPost("/{group_id}/members/{member_user_id}", AddMemberAsync);
        group.MapDelete("/{group_id}/members/{member_user_id}", RemoveMemberAsync);
        return group;
    }

    private static IResult? Mutation(BearerCaller caller, Guid workspaceId) =>
        WorkspaceAccess.Match(caller, workspaceId) ?? WorkspaceAccess.AtLeast(caller, WorkspaceRole.Admin);

    public static async Task<IResult> CreateAsync(Guid workspace_id, GroupRequest body, StrictBearer auth, GrainCalls calls, HttpContext context)
    {
        if (Mutation(auth.Caller, workspace_id) is { } refused) return refused;
        var v = new RequestValidator().Required("name", body.Name).Length("name", body.Name, 1, 255);
        if (v.Failed) return v.Result();
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceGrain>(workspace_id)
            .CreateGroupAsync(auth.Caller.Actor(), SafeText.Clean(body.Name)!, SafeText.Clean(body.Description), ct), context.RequestAborted);
        return DirectoryErrors.Map(result, group => Results.Json(GroupResponse.From(group), statusCode: 201));
    }

    public static async Task<IResult> ListAsync(Guid workspace_id, FlexibleBearer auth, GrainCalls calls, HttpContext context)
    {
        if (WorkspaceAccess.Match(auth.Caller, workspace_id) is { } refused) return refused;
        var groups = await calls.RunAsync((g, ct) => g.GetGrain<IDirectoryQueryGrain>(0).ListGroupsAsync(workspace_id, ct), context.RequestAborted);
        return Results.Json(groups.Select(GroupResponse.From));
    }

    public static async Task<IResult> UpdateAsync(Guid workspace_id, Guid group_id, GroupRequest body, StrictBearer auth, GrainCalls calls, HttpContext context)
    {
        if (Mutation(auth.Caller, workspace_id) is { } refused) return refused;
        var v = new RequestValidator().Length("name", body.Name, 1, 255);
        if (v.Failed) return v.Result();
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceGrain>(workspace_id)
            .UpdateGroupAsync(auth.Caller.Actor(), group_id, SafeText.Clean(body.Name), SafeText.Clean(body.Description), body.Description is not null, ct), context.RequestAborted);
        return DirectoryErrors.Map(result, group => Results.Json(GroupResponse.From(group)));
    }

    public static async Task<IResult> DeleteAsync(Guid workspace_id, Guid group_id, StrictBearer auth, GrainCalls calls, HttpContext context)
    {
        if (Mutation(auth.Caller, workspace_id) is { } refused) return refused;
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceGrain>(workspace_id).DeleteGroupAsync(auth.Caller.Actor(), group_id, ct), context.RequestAborted);
        return DirectoryErrors.Map(result, _ => Results.NoContent());
    }

    public static async Task<IResult> ListMembersAsync(Guid workspace_id, Guid group_id, FlexibleBearer auth, GrainCalls calls, HttpContext context)
    {
        if (WorkspaceAccess.Match(auth.Caller, workspace_id) is { } refused) return refused;
        var members = await calls.RunAsync((g, ct) => g.GetGrain<IDirectoryQueryGrain>(0).ListGroupMembersAsync(workspace_id, group_id, ct), context.RequestAborted);
        return members is null
            ? DirectoryErrors.ToResult(DirectoryError.GroupNotFound)
            : Results.Json(members.Select(m => new GroupMemberResponse(m.UserId, m.Email, m.Name, m.AddedAt)));
    }

    public static async Task<IResult> AddMemberAsync(Guid workspace_id, Guid group_id, Guid member_user_id, StrictBearer auth, GrainCalls calls, HttpContext context)
    {
        if (Mutation(auth.Caller, workspace_id) is { } refused) return refused;
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceGrain>(workspace_id).AddGroupMemberAsync(auth.Caller.Actor(), group_id, member_user_id, ct), context.RequestAborted);
        return DirectoryErrors.Map(result, _ => Results.Json(Ok, statusCode: 201));
    }

    public static async Task<IResult> RemoveMemberAsync(Guid workspace_id, Guid group_id, Guid member_user_id, StrictBearer auth, GrainCalls calls, HttpContext context)
    {
        if (Mutation(auth.Caller, workspace_id) is { } refused) return refused;
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceGrain>(workspace_id).RemoveGroupMemberAsync(auth.Caller.Actor(), group_id, member_user_id, ct), context.RequestAborted);
        return DirectoryErrors.Map(result, _ => Results.NoContent());
    }
}
