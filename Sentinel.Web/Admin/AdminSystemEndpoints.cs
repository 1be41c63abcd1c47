using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;
using Sentinel.Grains.Admin;
using Sentinel.Grains.Health;
using Sentinel.Grains.RateLimiting;
using Sentinel.Web.Tokens;
using Sentinel.Web.SignIn;
using Sentinel.Web.Infrastructure.Cluster;
using Sentinel.Web.Infrastructure.Conventions;
using Sentinel.Web.Infrastructure.Hosting;
using Sentinel.Web.RateLimiting;
using StackExchange.Redis;

namespace Sentinel.Web.Admin;

/// <summary>Dashboard reads of the admin API (docs/admin-api.md): stats, activity, the workspace picker, system health and settings.</summary>
public static class AdminSystemEndpoints
{
    /// <summary>The contract's fixed version string of <c>/admin/system/health</c>.</summary>
    public const string Version = "0.1.0";

    private static readonly TimeSpan HealthTimeout = TimeSpan.FromSeconds(3);

    public sealed record ActivityResponse(
        Guid Id, string Action, Guid? ActorId, string? ActorName, string? ActorEmail, string TargetType, Guid TargetId, Guid? WorkspaceId,
        System.Text.Json.JsonElement? Detail, DateTimeOffset CreatedAt)
    {
        public static ActivityResponse From(ActivityEntry a) => new(a.Id, a.Action, a.ActorId, a.ActorName, a.ActorEmail, a.TargetType, a.TargetId,
            a.WorkspaceId, a.DetailJson is null ? null : System.Text.Json.JsonDocument.Parse(a.DetailJson).RootElement.Clone(), a.CreatedAt);
    }

    public sealed record CheckResponse(string Status, double? LatencyMs, string? Error);

    public static RouteGroupBuilder MapAdminSystemEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapGet("/stats", StatsAsync);
        admin.MapGet("/activity", ActivityAsync);
        admin.MapGet("/workspaces/all", AllWorkspacesAsync);
        admin.MapGet("/system/health", HealthAsync);
        admin.MapGet("/system/settings", SettingsAsync);
        return admin;
    }

    public static async Task<IResult> StatsAsync(AdminSession admin, GrainCalls calls, HttpContext context) =>
        Results.Json(StatsResponse.From(await calls.RunAsync((g, ct) => g.GetGrain<IAdminQueryGrain>(0).GetStatsAsync(ct), context.RequestAborted)));

    /// <summary><c>GET /admin/stats</c>: <see cref="AdminStats"/> with each recent user as the contract's <c>AdminUser</c>.</summary>
    public sealed record StatsResponse(long TotalUsers, long TotalWorkspaces, long TotalGroups, long TotalResources, long ActiveUsers, long InactiveUsers,
        IReadOnlyList<AdminUsersEndpoints.AdminUserResponse> RecentUsers, IReadOnlyList<TopWorkspace> TopWorkspaces)
    {
        public static StatsResponse From(AdminStats s) => new(s.TotalUsers, s.TotalWorkspaces, s.TotalGroups, s.TotalResources, s.ActiveUsers, s.InactiveUsers,
            s.RecentUsers.Select(AdminUsersEndpoints.AdminUserResponse.From).ToList(), s.TopWorkspaces);
    }

    public static async Task<IResult> ActivityAsync(AdminSession admin, int? page, int? page_size, string? action, string? target_type,
        Guid? workspace_id, Guid? actor_id, string? from_date, string? to_date, GrainCalls calls, HttpContext context)
    {
        var v = new RequestValidator();
        var (p, size) = AdminPaging.Validate(v, page, page_size);
        var from = ParseDate(v, "from_date", from_date, endOfDay: false);
        var to = ParseDate(v, "to_date", to_date, endOfDay: true);
        if (v.Failed) return v.Result();
        var filter = new ActivityFilter(p, size, Blank(action), Blank(target_type), workspace_id, actor_id, from, to);
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IAdminQueryGrain>(0).ListActivityAsync(filter, ct), context.RequestAborted);
        return AdminPaging.Json(result, ActivityResponse.From);
    }

    public static async Task<IResult> AllWorkspacesAsync(AdminSession admin, GrainCalls calls, HttpContext context)
    {
        var all = await calls.RunAsync((g, ct) => g.GetGrain<IAdminQueryGrain>(0).ListAllWorkspacesAsync(ct), context.RequestAborted);
        return Results.Json(all.Select(w => new { id = w.Id, name = w.Name, slug = w.Slug }));
    }

    public static async Task<IResult> HealthAsync(AdminSession admin, GrainCalls calls, IServiceProvider services, ILoggerFactory loggers, HttpContext context)
    {
        var logger = loggers.CreateLogger("Sentinel.Web.Admin");
        var database = CheckDatabaseAsync(calls, logger, context.RequestAborted);
        var redis = CheckRedisAsync(services, logger);
        var checks = new { database = await database, redis = await redis };
        var healthy = checks.database.Status == "ok" && checks.redis.Status == "ok";
        using var process = Process.GetCurrentProcess();
        var uptime = DateTime.UtcNow - process.StartTime.ToUniversalTime();
        return Results.Json(new
        {
            status = healthy ? "healthy" : "degraded",
            checks,
            uptime_seconds = Math.Round(uptime.TotalSeconds, 1),
            version = Version,
        });
    }

    // Errors are short fixed phrases, never exception text (the original leaked it).
    private static async Task<CheckResponse> CheckDatabaseAsync(GrainCalls calls, ILogger logger, CancellationToken aborted)
    {
        try
        {
            var report = await calls.RunAsync((g, ct) => g.GetGrain<IReadinessGrain>(0).CheckAsync(ct), aborted, HealthTimeout);
            return report.DatabaseOk
                ? new CheckResponse("ok", Math.Round(report.DatabaseLatencyMs, 2), null)
                : new CheckResponse("error", null, "database unreachable");
        }
        catch (ClusterUnavailableException ex)
        {
            Log.CheckFailed(logger, "database", ex.GetType().Name);
            return new CheckResponse("error", null, "cluster unavailable");
        }
    }

    private static async Task<CheckResponse> CheckRedisAsync(IServiceProvider services, ILogger logger)
    {
        try
        {
            var redis = services.GetRequiredService<IConnectionMultiplexer>();
            var latency = await redis.GetDatabase().PingAsync().WaitAsync(HealthTimeout);
            return new CheckResponse("ok", Math.Round(latency.TotalMilliseconds, 2), null);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or InvalidOperationException)
        {
            Log.CheckFailed(logger, "redis", ex.GetType().Name);
            return new CheckResponse("error", null, "redis unreachable");
        }
    }

    public static async Task<IResult> SettingsAsync(AdminSession admin, [AsParameters] SettingsSources sources, GrainCalls calls, HttpContext context)
    {
        await AdminActivity.RecordAsync(calls, admin.Caller.UserId, "view_system_settings", null, context.RequestAborted);
        var (web, jwt, security, signIn, providers, keys, limits) =
            (sources.Web, sources.Jwt, sources.Security, sources.SignIn, sources.Providers, sources.Keys, sources.Limits.Value);
        var configured = providers.Providers.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        return Results.Json(new
        {
            // The seed's three, then any generic provider (<c>OIDC_PROVIDERS</c>).
            oauth_providers = new[] { "google", "github", "entra" }.Select(n => new { name = n, configured = configured.Contains(n) })
                .Concat(providers.Providers.Where(p => p.Id is not ("google" or "github" or "entra")).Select(p => new { name = p.Id, configured = true })),
            jwt = new
            {
                algorithm = jwt.Algorithm,
                access_token_expire_minutes = jwt.AccessMinutes,
                refresh_token_expire_days = jwt.RefreshDays,
                public_key_preview = "kid " + SigningKeys.Thumbprint(keys.Current),
                // Revocation is per user in session grains (no global denylist to count).
                denylist_count = (int?)null,
            },
            security = new
            {
                cookie_secure = security.CookieSecure,
                allowed_hosts = security.AllowedHosts,
                cors_origins = security.CorsOrigins,
                session_secret_configured = web.SessionSecretKey != WebSettings.DefaultSessionSecret,
                admin_emails = signIn.AdminEmails,
            },
            rate_limits = RateLimitTiers.All.Select(t => new { endpoint = RateLimitScope(t), limit = limits.Rules[t].ToString() }),
            // Keys belong to service apps (listed by /admin/service-apps); no key is configured through the environment.
            service_keys = Array.Empty<object>(),
            service = new { base_url = signIn.BaseUrl, frontend_url = security.FrontendUrl, admin_url = signIn.AdminUrl },
        });
    }

    /// <summary>What the settings page shows a tier applies to.</summary>
    public static string RateLimitScope(RateLimitTier tier) => tier switch
    {
        RateLimitTier.Aggregate => "all requests per IP (aggregate)",
        RateLimitTier.Default => "any route without its own tier, per IP and route",
        RateLimitTier.Auth => "/auth/login, /auth/callback, /auth/workspaces, /auth/token, /authz/idp/*",
        RateLimitTier.Refresh => "/auth/refresh, per refresh family",
        RateLimitTier.AuthAdmin => "/auth/admin/login, /auth/admin/callback",
        RateLimitTier.Service => "X-Service-Key calls, per service",
        RateLimitTier.AuthzResolve => "/authz/resolve by Origin, per service and IP",
        RateLimitTier.Read => "member and group lists, enriched ACL, per user",
        RateLimitTier.AdminWrite => "revoke-tokens, session revokes, per user",
        RateLimitTier.Sensitive => "bulk status, service-app create and rotate, permission purge, CSV import, per user",
        _ => tier.Name(),
    };

    /// <summary>The settings the system page reports.</summary>
    public sealed record SettingsSources(
        WebSettings Web, JwtSettings Jwt, SecuritySettings Security, SignInSettings SignIn, ProviderSettings Providers, SigningKeys Keys,
        IOptions<RateLimitOptions> Limits);

    private static string? Blank(string? value) => string.IsNullOrEmpty(value) ? null : value;

    /// <summary>ISO-8601 date or datetime; a bare date as <c>to_date</c> covers that whole day (inclusive).</summary>
    private static DateTimeOffset? ParseDate(RequestValidator v, string field, string? value, bool endOfDay)
    {
        if (string.IsNullOrEmpty(value)) return null;
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            var start = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            return endOfDay ? start.AddDays(1).AddTicks(-10) : start;
        }
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant)) return instant;
        v.Add(new Infrastructure.Errors.ValidationItem("datetime_from_date_parsing", ["query", field], "Input should be a valid datetime or date, invalid character in year", value));
        return null;
    }
}
