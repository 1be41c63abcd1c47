using Sentinel.Configuration;
using Sentinel.Observability;
using Sentinel.Web.Infrastructure.Cluster;
using Sentinel.Web.Infrastructure.Conventions;
using Sentinel.Web.Infrastructure.Errors;
using StackExchange.Redis;

namespace Sentinel.Web.Infrastructure.Hosting;

/// <summary>What every feature stands on: logs and metrics, Kestrel, JSON, the cluster client, shared data protection.</summary>
public static class InfrastructureSetup
{
    public static WebApplicationBuilder AddSentinelInfrastructure(this WebApplicationBuilder builder, WebSettings settings)
    {
        // Logs: one JSON object per line (LOG_FORMAT), redacted (LOG_PII_REDACTION); metrics at /metrics.
        builder.Logging.AddSentinelLogging(builder.Configuration);
        builder.Logging.AddKestrelRejectionReasons();
        builder.Services.AddSentinelMetrics();
        builder.Services.AddSentinelOpenApi(settings.Debug);

        // Kestrel: the API and the admin panel from one process; the contract's 10 MiB body cap.
        builder.WebHost.ConfigureKestrel(k =>
        {
            var host = System.Net.IPAddress.Parse(settings.ServiceHost);
            // Kestrel's own refusals (431, 414, unparsable requests) get the contract's JSON error body too (docs/errors.md).
            // In development on 127.0.0.1, [::1] too, so every loopback name the host check admits also connects; Kestrel's
            // "localhost" binding only warns when IPv6 is missing or its port is taken.
            var bothLoopbacks = settings.Debug && host.Equals(System.Net.IPAddress.Loopback);
            foreach (var port in settings.AdminPort > 0 ? [settings.ApiPort, settings.AdminPort] : new[] { settings.ApiPort })
            {
                if (bothLoopbacks) k.ListenLocalhost(port, l => l.UseJsonRejections());
                else k.Listen(host, port, l => l.UseJsonRejections());
            }
            k.Limits.MaxRequestBodySize = ConventionsMiddleware.MaxBodyBytes;
            k.AddServerHeader = false;
        });

        // JSON as the contract renders it.
        builder.Services.ConfigureHttpJsonOptions(o => JsonSetup.Configure(o.SerializerOptions));
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);

        // The cluster: an Orleans client that connects in the background, so Kestrel never waits for a silo.
        var redis = new Lazy<IConnectionMultiplexer>(() =>
            ConnectionMultiplexer.Connect(RedisUrl.Parse(settings.RedisUrl, settings.RedisTlsCaCert, settings.RedisTlsVerify)));
        builder.Services.AddSingleton(_ => redis.Value);
        if (!builder.Services.Any(d => d.ServiceType == typeof(IClusterAccess)))
        {
            builder.Services.AddSingleton<ClusterConnector>();
            builder.Services.AddSingleton<IClusterAccess>(sp => sp.GetRequiredService<ClusterConnector>());
            builder.Services.AddHostedService(sp => sp.GetRequiredService<ClusterConnector>());
        }
        builder.Services.AddSingleton<GrainCalls>();
        builder.Services.AddSingleton(TimeProvider.System);

        // Cookies written by one replica are readable by every other.
        builder.Services.AddSharedDataProtection(settings, redis);
        return builder;
    }
}
