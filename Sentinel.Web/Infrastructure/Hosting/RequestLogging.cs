using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Sentinel.Web.Infrastructure.Hosting;

/// <summary>
/// <c>X-Request-ID</c>: accepted when safe (≤128 of <c>[A-Za-z0-9._-]</c>), otherwise generated; always echoed and put in
/// the log scope. One access line per request, with the route template, never the raw path or query.
/// </summary>
public static partial class RequestLogging
{
    public const string Header = "X-Request-ID";

    [GeneratedRegex("^[A-Za-z0-9._-]{1,128}$")]
    private static partial Regex SafeId();

    public static IApplicationBuilder UseRequestLogging(this IApplicationBuilder app)
    {
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("Sentinel.Access");
        return app.Use(async (context, next) =>
        {
            var incoming = context.Request.Headers[Header].ToString();
            var id = SafeId().IsMatch(incoming) ? incoming : Guid.NewGuid().ToString("N");
            context.TraceIdentifier = id;
            context.Response.Headers[Header] = id;
            var started = Stopwatch.GetTimestamp();
            using (logger.BeginScope(new Dictionary<string, object> { ["RequestId"] = id }))
            {
                try
                {
                    await next(context);
                }
                finally
                {
                    var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "(unmatched)";
                    LogAccess(logger, context.Request.Method, route, context.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            }
        });
    }

    [LoggerMessage(EventId = 1, EventName = "access", Level = LogLevel.Information, Message = "{Method} {Route} {Status} {ElapsedMs:F1}ms")]
    private static partial void LogAccess(ILogger logger, string method, string route, int status, double elapsedMs);
}
