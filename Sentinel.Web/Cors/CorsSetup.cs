using Sentinel.Web.Errors;
using Sentinel.Configuration;

namespace Sentinel.Web.Cors;

/// <summary>
/// CORS as the contract has it (docs/hardening.md, CORS): exact origins, credentials allowed, the contract's methods and request headers
/// (not <c>X-Service-Key</c> or <c>X-Authz-Token</c>), <c>Max-Age: 600</c>, nothing exposed, allowed origins echoed with
/// <c>Vary: Origin</c> and never <c>*</c>. Outermost but for the request id: preflights skip the host check, limits and
/// security headers.
/// </summary>
public static class CorsSetup
{
    public const string AllowedMethods = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
    public const string AllowedHeaders = "Accept, Accept-Language, Authorization, Content-Language, Content-Type, X-Requested-With";
    public const string MaxAgeSeconds = "600";

    private static readonly HashSet<string> Methods = new(AllowedMethods.Split(", "), StringComparer.Ordinal);
    private static readonly HashSet<string> Headers = new(AllowedHeaders.Split(", "), StringComparer.OrdinalIgnoreCase);

    /// <summary>The allowlist cache (<see cref="CorsOrigins"/>) and its poller; <c>CORS_REFRESH_SECONDS</c> sets the poll period.</summary>
    /// <summary>Registers <see cref="CorsOptions"/> (<c>CORS_REFRESH_SECONDS</c>) on the settings binder.</summary>
    internal static IServiceCollection AddCorsSettings(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings(configuration, r => new CorsOptions { RefreshSeconds = r.Int("CORS_REFRESH_SECONDS", 5) });
        return services;
    }

    public static IServiceCollection AddSentinelCors(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCorsSettings(configuration);
        services.AddSingleton<CorsOrigins>();
        services.AddHostedService(sp => sp.GetRequiredService<CorsOrigins>());
        return services;
    }

    public static IApplicationBuilder UseSentinelCors(this IApplicationBuilder app)
    {
        var origins = app.ApplicationServices.GetRequiredService<CorsOrigins>();
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("Sentinel.Web.Cors");
        return app.Use(async (context, next) =>
        {
            var request = context.Request;
            var origin = request.Headers.Origin.ToString();
            if (origin.Length == 0)
            {
                await next(context);
                return;
            }
            // Defence in depth: an opaque origin is never allowed, even if a stored row or CORS_ORIGINS lists it.
            var allowed = !IsOpaqueOrigin(origin) && await origins.IsAllowedAsync(origin, context.RequestAborted);
            if (HttpMethods.IsOptions(request.Method) && request.Headers.AccessControlRequestMethod.Count > 0)
            {
                await PreflightAsync(context, origin, allowed, logger);
                return;
            }
            if (allowed)
            {
                context.Response.OnStarting(() =>
                {
                    var headers = context.Response.Headers;
                    headers.AccessControlAllowOrigin = origin;
                    headers.AccessControlAllowCredentials = "true";
                    headers.Append("Vary", "Origin");
                    return Task.CompletedTask;
                });
            }
            await next(context);
        });
    }

    /// <summary>
    /// <c>Origin: null</c> (any case, any surrounding space): the opaque origin of sandboxed iframes, <c>file:</c> pages and
    /// cross-origin redirects. Many unrelated documents share it, so allowing it allows them all.
    /// </summary>
    public static bool IsOpaqueOrigin(string origin) => origin.Trim().Equals("null", StringComparison.OrdinalIgnoreCase);

    private static Task PreflightAsync(HttpContext context, string origin, bool allowed, ILogger logger)
    {
        var request = context.Request;
        var headers = context.Response.Headers;
        headers.Vary = "Origin";
        headers.AccessControlAllowMethods = AllowedMethods;
        headers.AccessControlAllowHeaders = AllowedHeaders;
        headers.AccessControlMaxAge = MaxAgeSeconds;
        headers.AccessControlAllowCredentials = "true";

        var failures = new List<string>();
        if (allowed) headers.AccessControlAllowOrigin = origin;
        else failures.Add("origin");
        if (!Methods.Contains(request.Headers.AccessControlRequestMethod.ToString())) failures.Add("method");
        var requested = request.Headers.AccessControlRequestHeaders.ToString()
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (requested.Any(h => !Headers.Contains(h))) failures.Add("headers");

        if (failures.Count == 0)
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "text/plain; charset=utf-8";
            return context.Response.WriteAsync("OK", context.RequestAborted);
        }
        var detail = "Disallowed CORS " + string.Join(", ", failures);
        Log.PreflightRefused(logger, string.Join(",", failures));
        return ApiErrors.WriteAsync(context, StatusCodes.Status400BadRequest, detail, ErrorCodes.CorsDisallowed);
    }
}
