using Orleans.Configuration;
using Sentinel.Configuration;
using Sentinel.Web.Infrastructure.Hosting;

namespace Sentinel.Web.Infrastructure.Cluster;

/// <summary>The edge's view of the cluster: a client once connected, otherwise "unavailable".</summary>
public interface IClusterAccess
{
    /// <summary>True once a gateway accepted the client.</summary>
    bool IsConnected { get; }

    /// <summary>The grain factory. Throws <see cref="ClusterUnavailableException"/> before the first connection.</summary>
    IGrainFactory Grains { get; }
}

/// <summary>No gateway could be reached, or a grain call failed in transit. Answered with 503 and <c>cluster_unavailable</c>.</summary>
public sealed class ClusterUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Access backed by a client that the test host or another owner supplies.</summary>
public sealed class FixedClusterAccess(IGrainFactory grains) : IClusterAccess
{
    public bool IsConnected => true;
    public IGrainFactory Grains => grains;
}

/// <summary>
/// Connects the Orleans client in the background, retrying until a gateway answers, so Kestrel never waits for the cluster.
/// The client runs in a host of its own; once connected, Orleans keeps the gateway list fresh from Redis membership.
/// </summary>
internal sealed partial class ClusterConnector(WebSettings settings, ILoggerFactory loggers) : BackgroundService, IClusterAccess
{
    private readonly ILogger logger = loggers.CreateLogger<ClusterConnector>();
    private volatile IClusterClient? client;
    private IHost? clientHost;

    public bool IsConnected => client is not null;

    public IGrainFactory Grains => client ?? throw new ClusterUnavailableException("The cluster has not been reached yet.");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(500);
        while (!stoppingToken.IsCancellationRequested)
        {
            var host = BuildClientHost();
            try
            {
                await host.StartAsync(stoppingToken);
                clientHost = host;
                client = host.Services.GetRequiredService<IClusterClient>();
                LogConnected(logger);
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogRetry(logger, ex.GetType().Name, delay.TotalSeconds);
                host.Dispose();
                await Task.Delay(delay, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                delay = TimeSpan.FromSeconds(Math.Min(delay.TotalSeconds * 2, 5));
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (clientHost is not null)
        {
            await clientHost.StopAsync(cancellationToken);
            clientHost.Dispose();
        }
    }

    private IHost BuildClientHost()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new ForwardingLoggerProvider(loggers));
        var redis = RedisUrl.Parse(settings.RedisUrl, settings.RedisTlsCaCert, settings.RedisTlsVerify);
        builder.UseOrleansClient(client =>
        {
            client.UseRedisClustering(o => o.ConfigurationOptions = redis);
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = settings.ClusterId;
                o.ServiceId = settings.ServiceId;
            });
            // Learn about silos that join or die within seconds, not the default minute.
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
            // A backstop only: each call carries its own, shorter cancellation.
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(15));
        });
        return builder.Build();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to the Orleans cluster")]
    private static partial void LogConnected(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster not reachable ({Reason}); retrying in {DelaySeconds}s")]
    private static partial void LogRetry(ILogger logger, string reason, double delaySeconds);

    private sealed class ForwardingLoggerProvider(ILoggerFactory target) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => target.CreateLogger(categoryName);
        public void Dispose() { }
    }
}
