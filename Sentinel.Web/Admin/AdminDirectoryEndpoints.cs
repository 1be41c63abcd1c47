using Sentinel.Grains.RateLimiting;
using Sentinel.Web.Auth;
using Sentinel.Web.Errors;
using Sentinel.Web.RateLimiting;
using Sentinel.Web.Validation;

namespace Sentinel.Web.Admin;

/// <summary>
/// The admin directory routes (§3.9): workspaces, members and groups; ACLs and service actions; RBAC roles; client and
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
    /// Limits a route under <paramref name="tier"/> keyed by the admin (§8.5), decided after the admin cookie was
    /// verified, so rejected requests use no quota (§1.3).
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

/// <summary>Stable codes of the admin routes beyond those in <see cref="ErrorCodes"/>.</summary>
public static class AdminErrorCodes
{
    public const string WorkspaceCreateFailed = "workspace_create_failed";
    public const string RoleNotFound = "role_not_found";
    public const string RoleNameTaken = "role_name_taken";
    public const string ServiceActionNotFound = "service_action_not_found";
    public const string RoleActionExists = "role_action_exists";
    public const string RoleActionNotFound = "role_action_not_found";
    public const string UserRoleExists = "user_role_exists";
    public const string UserRoleNotFound = "user_role_not_found";
    public const string ClientAppNotFound = "client_app_not_found";
    public const string ServiceAppNotFound = "service_app_not_found";
    public const string ServiceNameTaken = "service_name_taken";
    public const string AddToWorkspaceFailed = "add_to_workspace_failed";
    public const string CsvTooLarge = "csv_too_large";
    public const string CsvFileMissing = "csv_file_missing";
    public const string CsvInvalidHeader = "csv_invalid_header";
    public const string ImportJobNotFound = "import_job_not_found";
}

internal static class AdminResults
{
    public static readonly object Ok = new { status = "ok" };
}
