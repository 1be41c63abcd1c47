namespace Sentinel.Web.Hardening;

/// <summary>
/// The contract's response headers, host filtering (<c>/health</c> exempt: probes use any host) and <c>no-store</c> on
/// <c>/auth</c>, <c>/admin</c>, <c>/users</c>.
/// </summary>
public static class SecurityHeaders
{
    public const string ApiCsp = "default-src 'none'; frame-ancestors 'none'";
    public const string HtmlCsp = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; frame-ancestors 'none'";

    /// <summary>The admin panel's pages: its own scripts and styles, nothing from elsewhere.</summary>
    public const string PanelCsp = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

    /// <summary>The DEBUG-only API viewers (/docs, /redoc): their own embedded scripts, nothing from elsewhere.</summary>
    public const string DocsCsp = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app, SecuritySettings settings)
    {
        return app.Use(async (context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                var path = context.Request.Path.Value ?? "";
                headers["X-Content-Type-Options"] = "nosniff";
                headers["X-Frame-Options"] = "DENY";
                headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
                headers["X-XSS-Protection"] = "0";
                headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
                if (!headers.ContainsKey("Content-Security-Policy"))
                {
                    var html = context.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true;
                    var docs = path.StartsWith("/docs", StringComparison.Ordinal) || path.StartsWith("/redoc", StringComparison.Ordinal);
                    headers.ContentSecurityPolicy = docs ? DocsCsp : html ? HtmlCsp : ApiCsp;
                }
                headers["Cross-Origin-Embedder-Policy"] = "require-corp";
                headers["Cross-Origin-Opener-Policy"] = "same-origin";
                headers["Cross-Origin-Resource-Policy"] = "same-origin";
                headers["X-Permitted-Cross-Domain-Policies"] = "none";
                headers.Server = "daikon";
                if (settings.CookieSecure) headers.StrictTransportSecurity = "max-age=63072000; includeSubDomains; preload";
                if (path.StartsWith("/auth", StringComparison.Ordinal) || path.StartsWith("/admin", StringComparison.Ordinal) || path.StartsWith("/users", StringComparison.Ordinal))
                {
                    headers.CacheControl = "no-store";
                    headers.Pragma = "no-cache";
                }
                return Task.CompletedTask;
            });
            await next(context);
        });
    }

    public static IApplicationBuilder UseHostFiltering(this IApplicationBuilder app, SecuritySettings settings)
    {
        if (settings.AllowsAnyHost) return app;
        var exact = settings.AllowedHosts.Where(h => !h.StartsWith("*.", StringComparison.Ordinal)).Select(h => h.ToLowerInvariant()).ToHashSet();
        var suffixes = settings.AllowedHosts.Where(h => h.StartsWith("*.", StringComparison.Ordinal)).Select(h => h[1..].ToLowerInvariant()).ToArray();
        return app.Use(async (context, next) =>
        {
            // Liveness probes use whatever host they like, so /health is never host-checked.
            if (context.Request.Path.Equals("/health", StringComparison.Ordinal))
            {
                await next(context);
                return;
            }
            var host = context.Request.Host.Host.ToLowerInvariant();
            if (!exact.Contains(host) && !suffixes.Any(s => host.EndsWith(s, StringComparison.Ordinal)))
            {
                await Errors.ApiErrors.WriteAsync(context, StatusCodes.Status400BadRequest, "Invalid host header", ErrorCodes.InvalidHost);
                return;
            }
            await next(context);
        });
    }
}
