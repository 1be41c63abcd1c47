using Sentinel.Grains.RateLimiting;
using Sentinel.Web.SignIn;
using Sentinel.Web.Infrastructure.Errors;
using Sentinel.Web.RateLimiting;

namespace Sentinel.Web.Admin;

/// <summary>
/// The admin directory routes (docs/admin-directory.md): workspaces, members and groups; ACLs and service actions; RBAC roles; client and
/// service apps. Every handler binds <see cref="AdminSession"/> (cookie, CSRF header on writes, admin flag re-read), and
/// every write goes to the grain that owns the data, so an in-memory check never sees a stale grant after it returns.
/// </summary>
public static class AdminDirectoryEndpoints
{
    /// <summary>Maps every admin directory route on <paramref name="admin"/> (the <c>/admin</c> group).</summary>
    public static RouteGroupBuilder MapAdminDirectoryEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapAdminWorkspacesEndpoints();
        admin.MapAdminPermissionsEndpoints();
        admin.MapAdminRolesEndpoints();
        admin.MapAdminAppsEndpoints();
        return admin;
    }

    /// <summary>
    /// Limits a route under <paramref name="tier"/> keyed by the admin (docs/rate-limiting.md), decided after the admin cookie was
    /// verified, so rejected requests use no quota.
    /// </summary>
    internal static RouteHandlerBuilder WithAdminRateLimit(this RouteHandlerBuilder builder, RateLimitTier tier) => builder
        .WithRateLimitTier(tier)
        .AddEndpointFilter(static (context, next) =>
        {
            if (context.HttpContext.Features.Get<AdminCaller>() is { } caller)
                context.HttpContext.SetRateLimitPrincipal(RateLimitPrincipal.User(caller.UserId));
            return next(context);
        })
        .AddRateLimitFilter();
}

/// <summary>The contract's admin page body.</summary>
public sealed record AdminPage<T>(IReadOnlyList<T> Items, long Total, int Page, int PageSize);

internal static class AdminResults
{
    public static readonly object Ok = new { status = "ok" };
}
