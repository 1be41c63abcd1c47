using Sentinel.Grains.Admin;
using Sentinel.Grains.Directory;
using Sentinel.Grains.RateLimiting;
using Sentinel.Grains.Sessions;
using Sentinel.Web.SignIn;
using Sentinel.Web.Infrastructure.Cluster;
using Sentinel.Web.Infrastructure.Errors;
using Sentinel.Web.RateLimiting;
using Sentinel.Web.Sessions;
using Sentinel.Web.Infrastructure.Conventions;

namespace Sentinel.Web.Admin;

/// <summary><c>/admin/users…</c> and the admin view of a user's sessions (docs/admin-api.md).</summary>
public static class AdminUsersEndpoints
{
    /// <summary>Most ids one bulk-status request may name.</summary>
    public const int MaxBulkIds = 500;

    public sealed record UserPatch(string? Name, bool? IsActive, bool? IsAdmin);

    public sealed record BulkStatusRequest(IReadOnlyList<Guid>? UserIds, bool? IsActive);

    public sealed record AddToWorkspaceRequest(Guid? WorkspaceId, string? Role);

    public sealed record SocialAccountResponse(Guid Id, string Provider, string ProviderUserId);

    public sealed record MembershipResponse(Guid WorkspaceId, string WorkspaceName, string WorkspaceSlug, string Role, DateTimeOffset JoinedAt);

    /// <summary>The contract's <c>AdminUser</c>, in lists and in the stats' recent users.</summary>
    public sealed record AdminUserResponse(Guid Id, string Email, string Name, string? AvatarUrl, bool IsActive, bool IsAdmin, DateTimeOffset CreatedAt, int WorkspaceCount)
    {
        public static AdminUserResponse From(AdminUser a) =>
            new(a.User.Id, a.User.Email, a.User.Name, a.User.AvatarUrl, a.User.IsActive, a.User.IsAdmin, a.User.CreatedAt, a.WorkspaceCount);
    }

    /// <summary>The contract's admin user detail.</summary>
    public sealed record UserDetailResponse(
        Guid Id, string Email, string Name, string? AvatarUrl, bool IsActive, bool IsAdmin, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
        IReadOnlyList<SocialAccountResponse> SocialAccounts, IReadOnlyList<MembershipResponse> Memberships)
    {
        public static UserDetailResponse From(AdminUserDetail d) => new(
            d.User.Id, d.User.Email, d.User.Name, d.User.AvatarUrl, d.User.IsActive, d.User.IsAdmin, d.User.CreatedAt, d.User.UpdatedAt,
            d.SocialAccounts.Select(s => new SocialAccountResponse(s.Id, s.Provider, s.ProviderUserId)).ToList(),
            d.Memberships.Select(m => new MembershipResponse(m.WorkspaceId, m.WorkspaceName, m.WorkspaceSlug, m.Role.ToName(), m.JoinedAt)).ToList());
    }

    public static RouteGroupBuilder MapAdminUsersEndpoints(this RouteGroupBuilder admin)
    {
        var users = admin.MapGroup("/users");
        users.MapGet("", ListAsync);
        // Per user under RATE_LIMIT_SENSITIVE / RATE_LIMIT_ADMIN_WRITE: decided in the handler, after the cookie
        // and the body validated, so refused requests do not use the quota.
        users.MapPost("/bulk-status", BulkStatusAsync).WithRateLimitTier(RateLimitTier.Sensitive).DecideRateLimitInEndpoint();
        users.MapGet("/{user_id}", GetAsync);
        users.MapPatch("/{user_id}", PatchAsync);
        users.MapPost("/{user_id}/workspaces", AddToWorkspaceAsync);
        users.MapPost("/{user_id}/revoke-tokens", RevokeTokensAsync).WithRateLimitTier(RateLimitTier.AdminWrite).DecideRateLimitInEndpoint();
        users.MapGet("/{user_id}/sessions", ListSessionsAsync);
        users.MapDelete("/{user_id}/sessions/{family_id}", RevokeSessionAsync).WithRateLimitTier(RateLimitTier.AdminWrite).DecideRateLimitInEndpoint();
        return users;
    }

    public static async Task<IResult> ListAsync(AdminSession admin, int? page, int? page_size, string? search, GrainCalls calls, HttpContext context)
    {
        var v = new RequestValidator();
        var (p, size) = AdminPaging.Validate(v, page, page_size);
        if (v.Failed) return v.Result();
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IAdminQueryGrain>(0).ListUsersAsync(p, size, string.IsNullOrEmpty(search) ? null : search, ct), context.RequestAborted);
        return AdminPaging.Json(result, AdminUserResponse.From);
    }

    public static async Task<IResult> GetAsync(Guid user_id, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        var detail = await calls.RunAsync((g, ct) => g.GetGrain<IAdminQueryGrain>(0).GetUserAsync(user_id, ct), context.RequestAborted);
        return detail is null ? UserNotFound() : Results.Json(UserDetailResponse.From(detail));
    }

    public static async Task<IResult> PatchAsync(Guid user_id, UserPatch body, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        var v = new RequestValidator().Length("name", body.Name, 1, 255);
        if (v.Failed) return v.Result();
        var name = body.Name is null ? null : SafeText.Clean(body.Name);
        var update = new AdminUserUpdate(name, body.IsActive, body.IsAdmin);
        var action = await calls.RunAsync((g, ct) => g.GetGrain<IAdminUserCommandsGrain>(0).UpdateAsync(user_id, update, admin.Caller.UserId, ct), context.RequestAborted);
        if (action is null) return UserNotFound();
        var detail = await calls.RunAsync((g, ct) => g.GetGrain<IAdminQueryGrain>(0).GetUserAsync(user_id, ct), context.RequestAborted);
        return detail is null ? UserNotFound() : Results.Json(UserDetailResponse.From(detail));
    }

    public static async Task<IResult> BulkStatusAsync(BulkStatusRequest body, AdminSession admin, GrainCalls calls, RateLimitGate limiter, HttpContext context)
    {
        var v = new RequestValidator().Required("user_ids", body.UserIds).Required("is_active", body.IsActive);
        if (body.UserIds is { Count: > MaxBulkIds } ids)
            v.Add(new ValidationItem("too_long", ["body", "user_ids"], $"List should have at most {MaxBulkIds} items after validation, not {ids.Count}", null,
                new Dictionary<string, object?> { ["field_type"] = "List", ["max_length"] = MaxBulkIds, ["actual_length"] = ids.Count }));
        if (v.Failed)
        {
            AdminActivity.NotCounted(context);
            return v.Result();
        }
        if ((await limiter.CheckAsync(context)).Rejection() is { } rejected) return rejected;
        var affected = await calls.RunAsync((g, ct) => g.GetGrain<IAdminUserCommandsGrain>(0).BulkStatusAsync(body.UserIds!, body.IsActive!.Value, admin.Caller.UserId, ct),
            context.RequestAborted, TimeSpan.FromSeconds(30));
        return Results.Json(new { status = "ok", affected });
    }

    public static async Task<IResult> AddToWorkspaceAsync(Guid user_id, AddToWorkspaceRequest body, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        var v = new RequestValidator().Required("workspace_id", body.WorkspaceId).OneOf("role", body.Role, ["owner", "admin", "editor", "viewer"]);
        if (v.Failed) return v.Result();
        WorkspaceRoles.TryParse(body.Role ?? "viewer", out var role);
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceGrain>(body.WorkspaceId!.Value).AddMemberAsync(new Actor(admin.Caller.UserId, null), user_id, role, ct),
            context.RequestAborted);
        // The contract folds every failure (unknown user or workspace, already a member) into one answer.
        return result.IsOk
            ? Results.Json(new { status = "ok" }, statusCode: StatusCodes.Status201Created)
            : ApiErrors.Result(StatusCodes.Status400BadRequest, "Failed to add user to workspace", ErrorCodes.AddToWorkspaceFailed);
    }

    public static async Task<IResult> RevokeTokensAsync(Guid user_id, AdminSession admin, GrainCalls calls, RateLimitGate limiter, HttpContext context)
    {
        if ((await limiter.CheckAsync(context)).Rejection() is { } rejected) return rejected;
        var revoked = await calls.RunAsync((g, ct) => g.GetGrain<IAdminUserCommandsGrain>(0).RevokeTokensAsync(user_id, admin.Caller.UserId, ct), context.RequestAborted);
        return Results.Json(new { status = "ok", tokens_revoked = revoked });
    }

    public static async Task<IResult> ListSessionsAsync(Guid user_id, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        var user = await calls.RunAsync((g, ct) => g.GetGrain<IUserGrain>(user_id).GetAsync(ct), context.RequestAborted);
        if (user is null) return UserNotFound();
        var sessions = await calls.RunAsync((g, ct) => g.GetGrain<IUserSessionGrain>(user_id).ListSessionsAsync(null, ct), context.RequestAborted);
        return Results.Json(new { sessions = sessions.Select(SessionsEndpoints.SessionResponse.From) });
    }

    public static async Task<IResult> RevokeSessionAsync(Guid user_id, Guid family_id, AdminSession admin, GrainCalls calls, RateLimitGate limiter, HttpContext context)
    {
        if ((await limiter.CheckAsync(context)).Rejection() is { } rejected) return rejected;
        var revoked = await calls.RunAsync((g, ct) => g.GetGrain<IAdminUserCommandsGrain>(0).RevokeSessionAsync(user_id, family_id, admin.Caller.UserId, ct), context.RequestAborted);
        return revoked ? Results.NoContent() : ApiErrors.Result(StatusCodes.Status404NotFound, "Session not found", ErrorCodes.SessionNotFound);
    }

    private static IResult UserNotFound() => ApiErrors.Result(StatusCodes.Status404NotFound, "User not found", ErrorCodes.UserNotFound);
}
