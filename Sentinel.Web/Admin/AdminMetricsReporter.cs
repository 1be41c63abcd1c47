using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Sentinel.Grains.Admin;
using Sentinel.Web.Infrastructure.Cluster;
using Sentinel.Web.Infrastructure.Hosting;

namespace Sentinel.Web.Admin;

/// <summary>
/// Listens to Sentinel's own meter (<see cref="SentinelMetrics"/>, read only: its instruments are not changed) and
/// reports the increments to <see cref="IAdminMetricsGrain"/> every <see cref="ReportEvery"/>. Each web replica runs
/// one, so the dashboard's series are summed over replicas in the grain, not in whichever replica the panel asks.
/// Increments that could not be reported (cluster away) are kept and sent with the next report.
/// </summary>
public sealed class AdminMetricsReporter : IDisposable
{
    public static readonly TimeSpan ReportEvery = TimeSpan.FromSeconds(5);

    private readonly MeterListener listener = new();
    private readonly ConcurrentDictionary<(string Series, string Label), long> pending = new();
    private readonly string replica = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";
    private readonly IClusterAccess cluster;
    private readonly ILogger logger;
    private readonly Timer timer;
    private int reporting;

    public AdminMetricsReporter(IClusterAccess cluster, ILoggerFactory loggers)
    {
        this.cluster = cluster;
        logger = loggers.CreateLogger("Sentinel.Web.Admin");
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == SentinelMetrics.MeterName && SeriesOf(instrument.Name) is not null) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var series = SeriesOf(instrument.Name)!;
            var labelName = series switch { "sign_ins" => "outcome", "rate_limited" => "tier", _ => null };
            var label = "";
            if (labelName is not null)
                foreach (var tag in tags)
                    if (tag.Key == labelName) label = tag.Value?.ToString() ?? "";
            pending.AddOrUpdate((series, label), value, (_, old) => old + value);
        });
        listener.Start();
        timer = new Timer(_ => _ = ReportAsync(), null, ReportEvery, ReportEvery);
    }

    /// <summary>The dashboard's name for one of Sentinel's instruments, or null for those it does not chart.</summary>
    public static string? SeriesOf(string instrument) => instrument switch
    {
        "sentinel_sign_ins" => "sign_ins",
        "sentinel_tokens_refreshed" => "refreshes",
        "sentinel_tokens_reused" => "reuse_detections",
        "sentinel_rate_limit_rejections" => "rate_limited",
        _ => null,
    };

    /// <summary>Starts one reporter with the app and stops it with the app (called from <see cref="AdminEndpoints"/>).</summary>
    public static void Start(IServiceProvider services)
    {
        var lifetime = services.GetRequiredService<IHostApplicationLifetime>();
        lifetime.ApplicationStarted.Register(() =>
        {
            var reporter = ActivatorUtilities.CreateInstance<AdminMetricsReporter>(services);
            lifetime.ApplicationStopping.Register(reporter.Dispose);
        });
    }

    public async Task ReportAsync()
    {
        if (Interlocked.Exchange(ref reporting, 1) == 1) return;
        var deltas = new List<MetricDelta>();
        try
        {
            foreach (var key in pending.Keys)
                if (pending.TryRemove(key, out var count) && count != 0) deltas.Add(new MetricDelta(key.Series, key.Label, count));
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await cluster.Grains.GetGrain<IAdminMetricsGrain>(0).ReportAsync(replica, deltas, DateTimeOffset.UtcNow).WaitAsync(deadline.Token);
        }
        catch (Exception ex)
        {
            // Not lost: added back for the next report.
            foreach (var d in deltas) pending.AddOrUpdate((d.Series, d.Label), d.Count, (_, old) => old + d.Count);
            Log.MetricsReportFailed(logger, ex.GetType().Name);
        }
        finally
        {
            Volatile.Write(ref reporting, 0);
        }
    }

    public void Dispose()
    {
        timer.Dispose();
        listener.Dispose();
    }
}
