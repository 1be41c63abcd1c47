using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;

namespace Sentinel.Grains.RateLimiting;

/// <summary>
/// Deletes rate-limit rows that no activation will come back for: those written on a graceful shutdown, or left by a
/// crash, for principals that never return. A stored window empties at most one period and one sub-window after its last
/// request (an hour and two minutes for an hour tier), so a row not written for longer than <see cref="StaleAfter"/> holds only full buckets and can go. Live grains rewrite or
/// delete their rows within seconds of any change, so this never races with one that matters (a stale ETag would only make
/// that grain deactivate and reload).
/// </summary>
public sealed partial class RateLimitJanitor(NpgsqlDataSource database, IOptions<ClusterOptions> cluster, ILogger<RateLimitJanitor> logger) : BackgroundService
{
    /// <summary>The longest period of any tier (an hour), plus margin.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(65);

    private static readonly TimeSpan Every = TimeSpan.FromMinutes(10);

    /// <summary>The state name of <see cref="RateLimitGrain"/>, as stored in <c>grain_type_string</c>.</summary>
    public const string StateName = "ratelimit";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Every);
        while (await NextTickAsync(timer, stoppingToken))
        {
            try
            {
                var deleted = await DeleteStaleAsync(StaleAfter, stoppingToken);
                if (deleted > 0) LogDeleted(logger, deleted);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                LogFailed(logger, ex.GetType().Name);
            }
        }
    }

    private static async Task<bool> NextTickAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try { return await timer.WaitForNextTickAsync(stoppingToken); }
        catch (OperationCanceledException) { return false; }
    }

    /// <summary>Deletes this service's rate-limit rows not written for <paramref name="age"/>; returns how many.</summary>
    public async Task<int> DeleteStaleAsync(TimeSpan age, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(
            "DELETE FROM orleans_storage WHERE service_id = $1 AND grain_type_string = $2 AND modified_on < now() - $3");
        command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = StateName });
        command.Parameters.Add(new NpgsqlParameter { Value = age });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} stale rate-limit rows")]
    private static partial void LogDeleted(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete stale rate-limit rows ({Reason}); retrying later")]
    private static partial void LogFailed(ILogger logger, string reason);
}
