using Sentinel.Grains.Cluster;
using Sentinel.Web.SignIn;
using Sentinel.Web.Infrastructure.Cluster;

namespace Sentinel.Web.Admin;

/// <summary>
/// <c>GET /admin/cluster</c> (docs/admin-api.md): silos, activations by grain type and calls per second. Membership, activations and
/// runtime statistics come from Orleans' <see cref="IManagementGrain"/>, called from the client directly; calls per
/// second from <see cref="ICallRateGrain"/> (incoming grain calls counted on each silo, the delta of its last two reports).
/// </summary>
public static class AdminClusterEndpoints
{
    /// <summary>Dead silos stay listed this long after they started, so a recent crash shows.</summary>
    public static readonly TimeSpan DeadSiloWindow = TimeSpan.FromHours(1);

    public const string CallsSource = "incoming grain calls counted by each silo; delta of its last two reports, 2 s apart";

    public sealed record SiloResponse(
        string Address, string? Name, string? Host, string Status, DateTimeOffset StartedAt, int? ActivationCount, float? CpuUsage,
        long? MemoryUsageBytes, long? ClientCount, double? CallsPerSecond);

    public sealed record GrainTypeResponse(string Type, int Activations);

    public static RouteGroupBuilder MapAdminClusterEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapGet("/cluster", ClusterAsync);
        return admin;
    }

    public static async Task<IResult> ClusterAsync(AdminSession admin, GrainCalls calls, TimeProvider time, ILoggerFactory loggers, HttpContext context)
    {
        var logger = loggers.CreateLogger("Sentinel.Web.Admin");
        var aborted = context.RequestAborted;
        var hosts = await calls.RunAsync((g, _) => g.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: false), aborted);
        var now = time.GetUtcNow();
        var listed = hosts
            .Where(h => h.Status != SiloStatus.Dead || now - new DateTimeOffset(DateTime.SpecifyKind(h.StartTime, DateTimeKind.Utc)) < DeadSiloWindow)
            .OrderBy(h => h.Status == SiloStatus.Active ? 0 : 1).ThenBy(h => h.StartTime)
            .ToList();
        var active = listed.Where(h => h.Status == SiloStatus.Active).Select(h => h.SiloAddress).ToArray();

        var grainsTask = calls.RunAsync((g, _) => g.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics(active), aborted);
        var runtimeTask = calls.RunAsync((g, _) => g.GetGrain<IManagementGrain>(0).GetRuntimeStatistics(active), aborted);
        var ratesTask = calls.RunAsync((g, _) => g.GetGrain<ICallRateGrain>(0).GetRatesAsync(), aborted);
        var grains = await grainsTask;
        var runtime = await runtimeTask;
        IReadOnlyList<SiloCallRate>? rates = null;
        try
        {
            rates = await ratesTask;
        }
        catch (ClusterUnavailableException ex)
        {
            Log.ClusterPartFailed(logger, "call rates", ex.GetType().Name);
        }

        var statsBySilo = active.Zip(runtime).ToDictionary(p => p.First, p => p.Second);
        var rateBySilo = (rates ?? []).ToDictionary(r => r.Silo, r => r.CallsPerSecond, StringComparer.Ordinal);
        var silos = listed.Select(h =>
        {
            statsBySilo.TryGetValue(h.SiloAddress, out var stats);
            double? rate = rateBySilo.TryGetValue(h.SiloAddress.ToParsableString(), out var r) ? Math.Round(r, 2) : null;
            return new SiloResponse(h.SiloAddress.ToString(), h.SiloName, h.HostName, StatusName(h.Status),
                new DateTimeOffset(DateTime.SpecifyKind(h.StartTime, DateTimeKind.Utc)), stats?.ActivationCount, stats?.EnvironmentStatistics.FilteredCpuUsagePercentage,
                stats?.EnvironmentStatistics.FilteredMemoryUsageBytes, stats?.ClientCount, h.Status == SiloStatus.Active ? rate : null);
        }).ToList();
        var byType = grains.GroupBy(s => s.GrainType)
            .Select(g => new GrainTypeResponse(g.Key, g.Sum(s => s.ActivationCount)))
            .Where(g => g.Activations > 0)
            .OrderByDescending(g => g.Activations).ThenBy(g => g.Type, StringComparer.Ordinal)
            .ToList();
        return Results.Json(new
        {
            silos,
            grains = byType,
            total_activations = byType.Sum(g => g.Activations),
            calls_per_second = rates is null ? (double?)null : Math.Round(silos.Sum(s => s.CallsPerSecond ?? 0), 2),
            calls_per_second_source = CallsSource,
            sampled_at = now,
        });
    }

    private static string StatusName(SiloStatus status) => status switch
    {
        SiloStatus.Active => "active",
        SiloStatus.Joining => "joining",
        SiloStatus.Created => "created",
        SiloStatus.ShuttingDown => "shutting_down",
        SiloStatus.Stopping => "stopping",
        SiloStatus.Dead => "dead",
        _ => status.ToString().ToLowerInvariant(),
    };
}
