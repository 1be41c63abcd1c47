using Sentinel.Grains.Health;
using Sentinel.Web.Infrastructure.Cluster;
using Sentinel.Web.Infrastructure.Errors;

namespace Sentinel.Web.Health;

/// <summary><c>/health</c> (liveness, no dependency) and <c>/health/ready</c> (a grain answers, and through it PostgreSQL).</summary>
public static class HealthEndpoints
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(3);

    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", Live).ExcludeFromDescription();
        app.MapGet("/health/ready", ReadyAsync).ExcludeFromDescription();
        return app;
    }

    public static IResult Live() => Results.Json(new { status = "ok" });

    public static async Task<IResult> ReadyAsync(GrainCalls calls, HttpContext context)
    {
        try
        {
            var report = await calls.RunAsync(
                (grains, ct) => grains.GetGrain<IReadinessGrain>(0).CheckAsync(ct), context.RequestAborted, ReadyTimeout);
            if (report.DatabaseOk) return Results.Json(new { status = "ready" });
        }
        catch (ClusterUnavailableException)
        {
        }
        // A readiness probe's body keeps its status field; the Retry-After and code are the cluster-unavailable 503's.
        ApiErrors.SetClusterRetryAfter(context.Response);
        return Results.Json(new { status = "unavailable", code = ErrorCodes.ClusterUnavailable }, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
