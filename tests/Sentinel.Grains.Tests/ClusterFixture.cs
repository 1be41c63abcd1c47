using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;
using Sentinel.Grains.Storage;
using Xunit;

namespace Sentinel.Grains.Tests;

/// <summary>One in-process test cluster per collection: memory storage under the production storage names, and fake time.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public static readonly FakeTimeProvider Time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));

    public TestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.GrainFactory;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder { Options = { InitialSilosCount = 1 } };
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            foreach (var name in StorageNames.All) silo.AddMemoryGrainStorage(name);
            silo.AddIncomingGrainCallFilter<DatabaseExceptionFilter>();
            silo.Services.AddSingleton<TimeProvider>(Time);
            // Session rules run against a fake directory and activity log: no PostgreSQL in grain tests.
            silo.Services.AddSingleton<Sentinel.Grains.Sessions.ISessionDirectory>(Sessions.FakeSessionDirectory.Instance);
            silo.Services.AddSingleton<Sentinel.Grains.Sessions.ISessionActivitySink>(Sessions.RecordingActivitySink.Instance);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
