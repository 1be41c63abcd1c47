using Sentinel.Grains.Directory;
using Sentinel.Web.Tokens;
using Sentinel.Web.Authorization;
using Sentinel.Web.Infrastructure.Cluster;
using Sentinel.Web.Infrastructure.Errors;
using Sentinel.Web.Infrastructure.Conventions;

namespace Sentinel.Web.Directory;

/// <summary><c>/users/me</c>: read and update the caller's profile.</summary>
public static class UsersEndpoints
{
    public sealed record UserResponse(Guid Id, string Email, string Name, string? AvatarUrl, bool IsActive, DateTimeOffset CreatedAt)
    {
        public static UserResponse From(UserProfile u) => new(u.Id, u.Email, u.Name, u.AvatarUrl, u.IsActive, u.CreatedAt);
    }

    public sealed record UpdateMeRequest(string? Name, string? AvatarUrl);

    public static RouteGroupBuilder MapUsersEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/users");
        group.MapGet("/me", GetMeAsync);
        group.MapPatch("/me", UpdateMeAsync);
        return group;
    }

    public static async Task<IResult> GetMeAsync(FlexibleBearer auth, GrainCalls calls, HttpContext context)
    {
        var user = await calls.RunIdempotentAsync((g, ct) => g.GetGrain<IUserGrain>(auth.Caller.UserId).GetAsync(ct), context.RequestAborted);
        return user is null ? ApiErrors.Result(404, "User not found", ErrorCodes.UserNotFound) : Results.Json(UserResponse.From(user));
    }

    public static async Task<IResult> UpdateMeAsync(UpdateMeRequest body, StrictBearer auth, GrainCalls calls, HttpContext context)
    {
        var v = new RequestValidator().Length("name", body.Name, 1, 255).Length("avatar_url", body.AvatarUrl, 0, 2048);
        if (v.Failed) return v.Result();
        var user = await calls.RunAsync((g, ct) => g.GetGrain<IUserGrain>(auth.Caller.UserId)
            .UpdateProfileAsync(SafeText.Clean(body.Name), SafeText.HttpUrl(body.AvatarUrl), ct), context.RequestAborted);
        return user is null ? ApiErrors.Result(404, "User not found", ErrorCodes.UserNotFound) : Results.Json(UserResponse.From(user));
    }
}
