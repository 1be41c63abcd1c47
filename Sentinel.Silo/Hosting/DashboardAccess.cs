using System.Text.Json;
using Sentinel.Configuration;
using Sentinel.Errors;
using Sentinel.Grains.Directory;
using Sentinel.Grains.Sessions;
using Sentinel.Tokens;

namespace Sentinel.Silo.Hosting;

/// <summary>
/// Where the dashboard gate finds its keys and what it expects of the admin cookie. Read from the same variables as
/// Web, so one <c>.env</c> serves both.
/// </summary>
public sealed class DashboardAccessSettings
{
    /// <summary><c>BASE_URL</c>: the tokens' issuer. Default: <c>http://localhost:9003</c>.</summary>
    public string Issuer { get; init; } = "http://localhost:9003";

    /// <summary><c>ADMIN_URL</c>: where a browser without an admin session is sent. Default: <c>http://localhost:9004</c>.</summary>
    public string AdminUrl { get; init; } = "http://localhost:9004";

    /// <summary><c>JWT_PUBLIC_KEY_PATH</c> when that file exists, else the public half of <c>JWT_PRIVATE_KEY_PATH</c>. Default: <c>keys/public.pem</c>, <c>keys/private.pem</c>.</summary>
    public IReadOnlyList<string> KeyPaths { get; init; } = [];

    public static DashboardAccessSettings FromConfiguration(IConfiguration c) => SettingsBinder.Bind(c, Bind);

    internal static DashboardAccessSettings Bind(SettingsReader r)
    {
        var current = r.Optional("JWT_PUBLIC_KEY_PATH") is { } pub && File.Exists(pub)
            ? pub
            : r.NonEmpty("JWT_PRIVATE_KEY_PATH", "keys/private.pem");
        if (current == "keys/private.pem" && !File.Exists(current) && File.Exists("keys/public.pem")) current = "keys/public.pem";
        return new DashboardAccessSettings
        {
            Issuer = r.NonEmpty("BASE_URL", "http://localhost:9003").TrimEnd('/'),
            AdminUrl = r.NonEmpty("ADMIN_URL", "http://localhost:9004").TrimEnd('/'),
            KeyPaths = [current, .. r.List("JWT_PREVIOUS_PUBLIC_KEY_PATHS")],
        };
    }
}

/// <summary>The gate's verdict on a request to the dashboard.</summary>
public abstract record DashboardDecision
{
    public sealed record Allow(Guid UserId) : DashboardDecision;

    /// <summary>No admin session: 401, or a redirect to the panel for a browser navigation.</summary>
    public sealed record SignInRequired(string Code) : DashboardDecision;

    /// <summary>Signed in, but not (or no longer) an active admin: 403.</summary>
    public sealed record NotAdmin(string Code) : DashboardDecision;
}

/// <summary>
/// The Orleans dashboard is for admins only. Cookies follow the host, not the port, so the <c>admin_token</c> cookie
/// that admin sign-in sets for the panel reaches the dashboard port too. The gate checks it with the edge's own token
/// check (<see cref="AdminTokenCheck"/>, common/JwtCheck.cs): RS256 by <c>kid</c> against the public keys,
/// <c>aud=sentinel:admin</c>, <c>iss</c>, expiry with no leeway, <c>crit</c>, <c>type=admin_access</c>, <c>iat</c> skew,
/// <c>rvk</c>, and <c>admin=true</c>; then, through the grains this silo hosts, that the token is not revoked and that the
/// user is still an active admin.
/// </summary>
public sealed partial class DashboardAccess
{
    public const string CookieName = AdminTokenCheck.CookieName;

    private readonly DashboardAccessSettings settings;
    private readonly IGrainFactory grains;
    private readonly TimeProvider time;
    private readonly ILogger<DashboardAccess> logger;
    private readonly RsaVerificationKeys keys;

    public DashboardAccess(DashboardAccessSettings settings, IGrainFactory grains, TimeProvider time, ILogger<DashboardAccess> logger)
    {
        this.settings = settings;
        this.grains = grains;
        this.time = time;
        this.logger = logger;
        keys = RsaVerificationKeys.FromPemFiles(settings.KeyPaths, path => LogKeyMissing(logger, path));
    }

    public async Task<DashboardDecision> DecideAsync(HttpContext context)
    {
        if (context.Request.Cookies[CookieName] is not { Length: > 0 and <= JwtCheck.MaxTokenLength } raw)
            return new DashboardDecision.SignInRequired(ErrorCodes.NotAuthenticated);
        var (verdict, admin) = await AdminTokenCheck.VerifyAsync(raw, settings.Issuer, keys.Resolve, time);
        if (verdict is not JwtVerdict.Valid token) return new DashboardDecision.SignInRequired(ErrorCodes.InvalidToken);
        if (!admin) return new DashboardDecision.NotAdmin(ErrorCodes.NotAdmin);

        var userId = token.Subject;
        var status = await grains.GetGrain<IUserSessionGrain>(userId).CheckAsync(new TokenRef(token.Jti, token.IssuedAt, null, token.MintedUnder), context.RequestAborted);
        if (status != TokenStatus.Active) return new DashboardDecision.SignInRequired(status == TokenStatus.Revoked ? ErrorCodes.TokenRevoked : ErrorCodes.UserDeactivated);
        var user = await grains.GetGrain<IUserGrain>(userId).GetAsync(context.RequestAborted);
        if (user is null) return new DashboardDecision.SignInRequired(ErrorCodes.InvalidToken);
        if (!user.IsActive) return new DashboardDecision.SignInRequired(ErrorCodes.UserDeactivated);
        if (!user.IsAdmin) return new DashboardDecision.NotAdmin(ErrorCodes.NotAdmin);
        return new DashboardDecision.Allow(userId);
    }

    /// <summary>Everything on the dashboard's port but <c>/health</c> and <c>/metrics</c> (network-limited) passes the gate.</summary>
    public static IApplicationBuilder UseDashboardAccess(IApplicationBuilder app, DashboardAccessSettings settings)
    {
        return app.Use(async (context, next) =>
        {
            if (context.Request.Path.Equals("/health", StringComparison.Ordinal) || context.Request.Path.Equals("/metrics", StringComparison.Ordinal))
            {
                await next(context);
                return;
            }
            var gate = context.RequestServices.GetRequiredService<DashboardAccess>();
            var decision = await gate.DecideAsync(context);
            switch (decision)
            {
                case DashboardDecision.Allow:
                    await next(context);
                    return;
                case DashboardDecision.SignInRequired refused when WantsPage(context.Request):
                    LogRefused(gate.logger, refused.Code);
                    context.Response.Headers.CacheControl = "no-store";
                    context.Response.Redirect(settings.AdminUrl + "/");
                    return;
                case DashboardDecision.SignInRequired refused:
                    LogRefused(gate.logger, refused.Code);
                    await WriteAsync(context, StatusCodes.Status401Unauthorized, refused.Code == ErrorCodes.NotAuthenticated ? "Not authenticated" : "Invalid or expired token", refused.Code);
                    return;
                case DashboardDecision.NotAdmin refused:
                    LogRefused(gate.logger, refused.Code);
                    await WriteAsync(context, StatusCodes.Status403Forbidden, "Not an admin", refused.Code);
                    return;
            }
        });
    }

    /// <summary>A browser navigating to a page (not the dashboard's own data calls) is better served by the panel's sign-in.</summary>
    private static bool WantsPage(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) && request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);

    private static Task WriteAsync(HttpContext context, int status, string detail, string code)
    {
        context.Response.StatusCode = status;
        context.Response.Headers.CacheControl = "no-store";
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new { detail, code }), context.RequestAborted);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dashboard: key file {Path} not found; tokens signed by it are refused")]
    private static partial void LogKeyMissing(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dashboard request refused: {Code}")]
    private static partial void LogRefused(ILogger logger, string code);
}
