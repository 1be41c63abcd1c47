using Sentinel.Grains.Admin;
using Sentinel.Web.SignIn;
using Sentinel.Web.Infrastructure.Cluster;

namespace Sentinel.Web.Admin;

/// <summary>
/// <c>GET /admin/metrics</c> (beyond the contract): the dashboard's charts, the last hour in 10-second buckets from
/// <see cref="IAdminMetricsGrain"/>. Counters are per-bucket counts; the panel divides by the bucket length for rates.
/// </summary>
public static class AdminMetricsEndpoints
{
    public static RouteGroupBuilder MapAdminMetricsEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapGet("/metrics", GetAsync);
        return admin;
    }

    public static async Task<IResult> GetAsync(AdminSession admin, GrainCalls calls, HttpContext context)
    {
        var m = await calls.RunIdempotentAsync((g, _) => g.GetGrain<IAdminMetricsGrain>(0).GetAsync(), context.RequestAborted);
        return Results.Json(new
        {
            start = m.Start,
            bucket_seconds = m.BucketSeconds,
            buckets = m.Buckets,
            replicas = m.Replicas,
            series = m.Series.Select(s => new { name = s.Series, label = s.Label, values = s.Values }),
        });
    }
}
