using System.Diagnostics;
using Npgsql;
using Orleans.Concurrency;
using Orleans.Runtime;

namespace Sentinel.Grains.Health;

[StatelessWorker]
internal sealed class ReadinessGrain(ReadinessStore store, ILocalSiloDetails silo) : Grain, IReadinessGrain
{
    public async Task<ReadinessReport> CheckAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await store.PingAsync(cancellationToken);
            return new ReadinessReport(true, Stopwatch.GetElapsedTime(started).TotalMilliseconds, silo.SiloAddress.ToString(), null);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or OperationCanceledException or InvalidOperationException)
        {
            // The type name only: exception text can carry connection details.
            return new ReadinessReport(false, Stopwatch.GetElapsedTime(started).TotalMilliseconds, silo.SiloAddress.ToString(), ex.GetType().Name);
        }
    }
}
