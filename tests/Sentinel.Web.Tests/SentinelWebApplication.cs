using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using Orleans.TestingHost;
using Sentinel.Grains.Cluster;
using Sentinel.Grains.Storage;
using Sentinel.Testing;
using Sentinel.Web.Infrastructure.Cluster;
using Xunit;

namespace Sentinel.Web.Tests;

/// <summary>
/// The real edge (<c>Program</c>) in memory, talking to an in-process test cluster that hosts the real grains with memory
/// storage; readiness queries the real test database.
/// </summary>
public sealed class SentinelWebApplication : WebApplicationFactory<Program>, IAsyncLifetime
{
    /// <summary>The grains' and the edge's clock in web tests: the wall clock, which rate-limit tests may move forward.</summary>
    public static readonly ShiftableTimeProvider Time = new();

    public TestCluster Cluster { get; private set; } = null!;

    /// <summary>When set, the edge behaves as if no silo were reachable.</summary>
    public bool ClusterDown { get; init; }

    /// <summary>Extra configuration, as environment variables would give it.</summary>
    public Dictionary<string, string> Settings { get; init; } = [];

    public async Task InitializeAsync()
    {
        await TestDatabase.EnsureMigratedAsync();
        var builder = new TestClusterBuilder { Options = { InitialSilosCount = 1 } };
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ADMIN_PORT", "9004");
        foreach (var (key, value) in RateLimitTestSettings.Generous) builder.UseSetting(key, value);
        builder.UseSetting("JWT_PRIVATE_KEY_PATH", TestKeys.PrivateKeyPath);
        builder.UseSetting("BASE_URL", TestTokens.Issuer);
        builder.UseSetting("DEBUG", "true");
        builder.UseSetting("SESSION_SECRET_KEY", "web-tests-session-secret-0123456789");
        foreach (var (key, value) in Settings) builder.UseSetting(key, value);
        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<IClusterAccess>();
            services.AddSingleton<IClusterAccess>(ClusterDown ? new UnreachableCluster() : new FixedClusterAccess(Cluster.Client));
            // The edge reads the same shiftable clock as the test silo, as replicas with synchronised clocks do: tokens
            // are minted and checked (iat skew, revocation cut-offs) on one time line however far a test moves it.
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Time);
        });
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        await Cluster.DisposeAsync();
    }

    private sealed class UnreachableCluster : IClusterAccess
    {
        public bool IsConnected => false;
        public IGrainFactory Grains => throw new ClusterUnavailableException("test: no silo");
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            foreach (var name in StorageNames.All) silo.AddMemoryGrainStorage(name);
            silo.AddIncomingGrainCallFilter<DatabaseExceptionFilter>();
            // Calls per second for the admin cluster view, as the real silo registers them.
            silo.AddSentinelCallCounting();
            // Inert unless a test arms it: loses the reply of a completed call, for the edge's retry.
            silo.AddIncomingGrainCallFilter<Sessions.DroppedReplies>();
            // Tokens are minted with the wall clock, so the grains read it too (shifted forward by rate-limit tests).
            silo.Services.AddSingleton<TimeProvider>(Time);
            silo.Services.AddSingleton(_ => NpgsqlDataSource.Create(TestConnection.ConnectionString()));
            Sentinel.Grains.Data.StoreRegistration.AddSentinelStores(silo.Services);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class WebCollection : ICollectionFixture<SentinelWebApplication>
{
    public const string Name = "web";
}
