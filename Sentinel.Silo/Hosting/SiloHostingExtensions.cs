using System.Net;
using Npgsql;
using OpenTelemetry.Metrics;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Storage;
using Sentinel.Configuration;
using Sentinel.Grains.Storage;
using Sentinel.Silo.Migrations;

namespace Sentinel.Silo.Hosting;

/// <summary>Wires the silo: Redis membership, ADO.NET grain storage on PostgreSQL, dashboard, migrations.</summary>
public static class SiloHostingExtensions
{
    /// <summary>
    /// Membership tuned for fast failure detection on a small cluster. A silo killed with SIGKILL refuses connections at once,
    /// so probes fail fast; a silo that only stalls is declared dead after NumMissedProbesLimit × ProbeTimeout.
    /// </summary>
    public static void ConfigureMembership(ClusterMembershipOptions o)
    {
        o.ProbeTimeout = TimeSpan.FromSeconds(2);
        o.NumMissedProbesLimit = 3;
        o.NumProbedSilos = 3;
        o.NumVotesForDeathDeclaration = 2;
        o.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(30);
        o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(30);
        o.TableRefreshTimeout = TimeSpan.FromSeconds(10);
        o.DefunctSiloExpiration = TimeSpan.FromHours(1);
        o.DefunctSiloCleanupPeriod = TimeSpan.FromMinutes(10);
    }

    public static WebApplicationBuilder AddSentinelSilo(this WebApplicationBuilder builder, SiloSettings settings)
    {
        var database = DatabaseUrl.Parse(settings.DatabaseUrl, settings.DatabaseCaCert);
        var dataSource = new NpgsqlDataSourceBuilder(database.ConnectionString).Build();
        builder.Services.AddSingleton(dataSource);
        // The grains' stores (Sentinel.Grains/Data): each feature's SQL, taken by the grains through their constructors.
        Sentinel.Grains.Data.StoreRegistration.AddSentinelStores(builder.Services);
        // Grain storage gets a pool of its own. It runs only the four statements of sql/orleans (no SET, temp table,
        // LISTEN or advisory lock), so a connection needs no reset when it returns to the pool (Npgsql otherwise sends
        // DISCARD ALL or its reset batch before the next statement), and its statements are prepared once per connection
        // rather than parsed and planned on every write. Together that halves PostgreSQL's CPU per session write
        // (docs/sessions.md, "The refresh hot path").
        var storageSourceBuilder = new NpgsqlDataSourceBuilder(database.ConnectionString);
        storageSourceBuilder.ConnectionStringBuilder.NoResetOnClose = true;
        storageSourceBuilder.ConnectionStringBuilder.MaxAutoPrepare = 16;
        storageSourceBuilder.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
        var storageSource = storageSourceBuilder.Build();
        builder.Services.AddSingleton(TimeProvider.System);

        // Runs before the silo starts: hosted services start in registration order.
        builder.Services.AddHostedService(sp => new MigrationHostedService(database.ConnectionString, sp.GetRequiredService<ILogger<MigrationHostedService>>()));
        // Rate-limit rows left by shutdowns or crashes for principals that never return.
        builder.Services.AddHostedService<Sentinel.Grains.RateLimiting.RateLimitJanitor>();

        var redis = RedisUrl.Parse(settings.RedisUrl, settings.RedisTlsCaCert, settings.RedisTlsVerify);
        builder.UseOrleans(silo =>
        {
            silo.UseRedisClustering(o => o.ConfigurationOptions = redis);
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = settings.ClusterId;
                o.ServiceId = settings.ServiceId;
            });
            silo.ConfigureEndpoints(IPAddress.Parse(settings.AdvertisedIp), settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: settings.ListenOnAny);
            silo.Configure<ClusterMembershipOptions>(ConfigureMembership);
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
            silo.Configure<GrainCollectionOptions>(o => o.CollectionAge = TimeSpan.FromMinutes(15));

            foreach (var name in StorageNames.All)
            {
                silo.AddAdoNetGrainStorage(name, o =>
                {
                    o.Invariant = "Npgsql";
                    o.DataSource = storageSource;
                    // Cleared state (used codes, revoked sessions, idle limiters) leaves no row behind.
                    o.DeleteStateOnClear = true;
                });
            }
            silo.Services.AddSingleton<IGrainStorageSerializer, SystemTextJsonGrainStorageSerializer>();
            silo.AddIncomingGrainCallFilter<Sentinel.Grains.Storage.DatabaseExceptionFilter>();
            // Calls per second for the admin cluster view.
            Sentinel.Grains.Cluster.CallCountingSiloExtensions.AddSentinelCallCounting(silo);

            if (settings.DashboardPort > 0)
                silo.AddDashboard();
        });
        if (settings.DashboardPort > 0)
        {
            builder.Services.AddSingleton(DashboardAccessSettings.FromConfiguration(builder.Configuration));
            builder.Services.AddSingleton<DashboardAccess>();
        }

        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        // The silo side of the Orleans meter (activations, grain calls, messaging, storage) at /metrics.
        builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddMeter("Microsoft.Orleans").AddPrometheusExporter());

        var dashboardHost = IPAddress.Parse(settings.DashboardHost);
        builder.WebHost.ConfigureKestrel(k =>
        {
            // The dashboard is this host's only HTTP surface; with it off, bind an ephemeral loopback port for /health.
            k.Listen(settings.DashboardPort > 0 ? dashboardHost : IPAddress.Loopback, settings.DashboardPort);
        });
        return builder;
    }

    public static WebApplication MapSentinelSilo(this WebApplication app, SiloSettings settings)
    {
        // Admins only (the admin_token cookie, checked as Web checks it); /health stays open for the image's probe.
        if (settings.DashboardPort > 0)
            DashboardAccess.UseDashboardAccess(app, app.Services.GetRequiredService<DashboardAccessSettings>());
        app.MapGet("/health", () => Results.Json(new { status = "ok" }));
        // Scraped by Prometheus, not by a signed-in admin: outside the dashboard's gate, limited by network instead.
        var metricsNetworks = MetricsNetworks.Parse(settings.MetricsAllowedNetworks);
        app.MapPrometheusScrapingEndpoint("/metrics").AddEndpointFilter(async (context, next) =>
            MetricsNetworks.Allows(metricsNetworks, context.HttpContext.Connection.RemoteIpAddress)
                ? await next(context)
                : Results.Json(new { detail = "Forbidden", code = Sentinel.Errors.ErrorCodes.MetricsForbidden }, statusCode: StatusCodes.Status403Forbidden));
        if (settings.DashboardPort > 0)
            app.MapOrleansDashboard();
        return app;
    }

    private sealed class MigrationHostedService(string connectionString, ILogger<MigrationHostedService> logger) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            var runner = new MigrationRunner(connectionString, logger);
            var delay = TimeSpan.FromSeconds(1);
            while (true)
            {
                try
                {
                    await runner.RunAsync(cancellationToken);
                    return;
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException && !cancellationToken.IsCancellationRequested)
                {
                    // PostgreSQL not reachable yet: the silo waits for it rather than exiting.
                    logger.LogWarning("PostgreSQL is not reachable ({Reason}: {Message}); retrying migrations in {Delay}", ex.GetType().Name, (ex.InnerException ?? ex).Message, delay);
                    await Task.Delay(delay, cancellationToken);
                    delay = TimeSpan.FromSeconds(Math.Min(delay.TotalSeconds * 2, 10));
                }
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
