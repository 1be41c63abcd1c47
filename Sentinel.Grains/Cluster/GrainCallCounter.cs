using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Sentinel.Grains.Cluster;

/// <summary>Counts this silo's incoming grain calls (one singleton per silo).</summary>
public sealed class GrainCallCounter
{
    private long total;

    public long Total => Interlocked.Read(ref total);

    internal void Increment() => Interlocked.Increment(ref total);
}

internal sealed class GrainCallCountingFilter(GrainCallCounter counter) : IIncomingGrainCallFilter
{
    public Task Invoke(IIncomingGrainCallContext context)
    {
        counter.Increment();
        return context.Invoke();
    }
}

/// <summary>Reports this silo's running total to <see cref="ICallRateGrain"/> every <see cref="CallRates.ReportInterval"/>.</summary>
internal sealed partial class CallRateReporter(GrainCallCounter counter, ILocalSiloDetails silo, IGrainFactory grains, TimeProvider time,
    ILogger<CallRateReporter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var address = silo.SiloAddress.ToParsableString();
        using var timer = new PeriodicTimer(CallRates.ReportInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await grains.GetGrain<ICallRateGrain>(0).ReportAsync(address, counter.Total, time.GetUtcNow());
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Not started yet, or the grain's silo is failing over: the next tick reports again.
                LogReportFailed(logger, ex.GetType().Name);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Call-rate report failed: {ErrorType}")]
    private static partial void LogReportFailed(ILogger logger, string errorType);
}

/// <summary>Registration of call counting for the admin cluster view.</summary>
public static class CallCountingSiloExtensions
{
    /// <summary>Counts incoming grain calls on this silo and reports them to <see cref="ICallRateGrain"/>.</summary>
    public static ISiloBuilder AddSentinelCallCounting(this ISiloBuilder silo)
    {
        silo.Services.AddSingleton<GrainCallCounter>();
        silo.AddIncomingGrainCallFilter<GrainCallCountingFilter>();
        silo.Services.AddHostedService<CallRateReporter>();
        return silo;
    }
}
