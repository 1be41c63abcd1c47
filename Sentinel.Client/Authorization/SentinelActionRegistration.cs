using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Sentinel.Client;

/// <summary>
/// Registers this service's actions with Sentinel at start-up: those of <see cref="SentinelOptions.Actions"/> and those
/// named by <c>RequireSentinelAction</c> on endpoints. Runs in the background, so the app starts even when Sentinel is
/// down, and tries again (1 s, doubling to 30 s) until Sentinel answers. A refusal other than 408/429/5xx (a bad key,
/// a bad action) is logged and not retried: trying again would not change it. The endpoints' actions are read once the
/// host has started: before that, the routes an app maps are not yet wired into the endpoint data source.
/// </summary>
public sealed partial class SentinelActionRegistration(
    IServiceProvider services, IOptions<SentinelOptions> options, ILogger<SentinelActionRegistration> logger) : BackgroundService
{
    private readonly TaskCompletionSource<IReadOnlyList<RegisteredAction>> registered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with the registered actions once Sentinel accepted them (empty when there was nothing to register).</summary>
    public Task<IReadOnlyList<RegisteredAction>> Registered => registered.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (services.GetService<IHostApplicationLifetime>() is { } lifetime && !lifetime.ApplicationStarted.IsCancellationRequested)
        {
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
            using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
            {
                try { await started.Task; }
                catch (OperationCanceledException)
                {
                    registered.TrySetCanceled(stoppingToken);
                    return;
                }
            }
        }
        var actions = Collect();
        if (actions.Count == 0 || string.IsNullOrEmpty(options.Value.ServiceKey))
        {
            registered.TrySetResult([]);
            return;
        }
        var client = new RoleClient(services.GetRequiredService<SentinelHttpFactory>().Create());
        var delay = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var rows = await client.RegisterActionsAsync(actions, stoppingToken);
                LogRegistered(logger, rows.Count, options.Value.ServiceName);
                registered.TrySetResult(rows);
                return;
            }
            catch (SentinelException ex) when (ex.IsTransportFailure || ex.StatusCode is 408 or 429 or >= 500)
            {
                LogRetrying(logger, ex.StatusCode, ex.Code, delay.TotalSeconds);
            }
            catch (SentinelException ex)
            {
                LogRefused(logger, ex.StatusCode, ex.Detail, ex.Code);
                registered.TrySetException(ex);
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            try { await Task.Delay(delay, stoppingToken); }
            catch (OperationCanceledException) { break; }
            delay = TimeSpan.FromSeconds(Math.Min(30, delay.TotalSeconds * 2));
        }
        registered.TrySetCanceled(stoppingToken);
    }

    private List<SentinelActionDefinition> Collect()
    {
        var byName = new Dictionary<string, SentinelActionDefinition>(StringComparer.Ordinal);
        foreach (var action in options.Value.Actions) byName[action.Action] = action;
        // A duplicate in one request is refused by Sentinel, so each action goes once; the configured description wins.
        if (services.GetService<EndpointDataSource>() is { } endpoints)
        {
            foreach (var metadata in endpoints.Endpoints.SelectMany(e => e.Metadata.OfType<SentinelActionMetadata>()))
                byName.TryAdd(metadata.Action, new SentinelActionDefinition(metadata.Action));
        }
        return [.. byName.Values];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Registered {Count} actions of service {ServiceName} with Sentinel")]
    private static partial void LogRegistered(ILogger logger, int count, string? serviceName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sentinel did not answer the action registration ({Status} {Code}); trying again in {Seconds} s")]
    private static partial void LogRetrying(ILogger logger, int status, string? code, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sentinel refused the action registration: {Status} {Detail} ({Code})")]
    private static partial void LogRefused(ILogger logger, int status, string detail, string? code);
}
