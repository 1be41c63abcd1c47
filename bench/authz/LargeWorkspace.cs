using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Sentinel.Grains.Authorization;
using Sentinel.Grains.Data;
using Sentinel.Grains.Directory;
using Sentinel.Grains.Storage;
using Sentinel.Testing;

namespace Sentinel.Bench.Authz;

/// <summary>What the in-process measurement of one large workspace found.</summary>
public sealed record LargeWorkspaceFigures(
    AuthorizationFootprint Footprint,
    double ManagedMegabytes,
    TimeSpan FirstActivation,
    TimeSpan ReloadMedian,
    LoadResult SequentialCheck,
    LoadResult ConcurrentCheck,
    LoadResult CheckAction,
    LoadResult AccessibleViewer);

/// <summary>
/// Hosts the real workspace grain in this process (an in-process silo on loopback, PostgreSQL behind it) so its managed
/// memory can be measured by the GC, its activation timed, and its checks timed without the network.
/// </summary>
public static class LargeWorkspace
{
    public static async Task<LargeWorkspaceFigures> MeasureAsync(string connectionString, Dataset data, Guid warmupWorkspace, CancellationToken ct)
    {
        using var host = Host.CreateDefaultBuilder()
            .ConfigureLogging(l => l.ClearProviders())
            .UseOrleans(silo =>
            {
                silo.UseLocalhostClustering(TestEnvironment.FreePort(), TestEnvironment.FreePort(), serviceId: "bench-authz", clusterId: "bench-authz-" + Guid.NewGuid().ToString("N")[..8]);
                foreach (var name in StorageNames.All) silo.AddMemoryGrainStorage(name);
                silo.AddIncomingGrainCallFilter<DatabaseExceptionFilter>();
                silo.Services.AddSingleton(TimeProvider.System);
                silo.Services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
                // The stores the grains take through their constructors (the workspace grain's directory half among
                // them), registered as the real silo registers them.
                silo.Services.AddSentinelStores();
            })
            .Build();
        await host.StartAsync(ct);
        var grains = host.Services.GetRequiredService<IGrainFactory>();

        // Warm up code paths and the connection pool on a small workspace, so the measurement is the data alone.
        await grains.GetGrain<IWorkspaceAuthorizationGrain>(warmupWorkspace).GetFootprintAsync(ct);
        var before = SettledHeap();
        var watch = Stopwatch.StartNew();
        var grain = grains.GetGrain<IWorkspaceAuthorizationGrain>(data.WorkspaceId);
        var footprint = await grain.GetFootprintAsync(ct);
        var firstActivation = watch.Elapsed;
        var managed = (SettledHeap() - before) / 1024.0 / 1024.0;

        var reloads = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            watch.Restart();
            await grain.ReloadAuthorizationAsync(ct);
            reloads.Add(watch.Elapsed.TotalMilliseconds);
        }

        var random = new Random(7);
        AclCheck RandomCheck() => new(new ResourceRef(data.ServiceName, data.Resources[random.Next(data.Resources.Length)].Type,
            data.Resources[random.Next(data.Resources.Length)].Id), random.Next(2) == 0 ? AclPermission.View : AclPermission.Edit);
        var callers = Enumerable.Range(0, 2000).Select(_ =>
        {
            var i = random.Next(data.Users.Length);
            return new Actor(data.Users[i], data.UserRoles[i]);
        }).ToArray();
        var checks = Enumerable.Range(0, 4096).Select(_ => RandomCheck()).ToArray();

        // Sequential: one call at a time, the latency of a check from the grain's memory through Orleans.
        var sequential = await TimeAsync(20_000, 1, async i => await grain.CheckPermissionsAsync(callers[i % callers.Length], [checks[i % checks.Length]], ct));
        var concurrent = await TimeAsync(100_000, 16, async i => await grain.CheckPermissionsAsync(callers[i % callers.Length], [checks[i % checks.Length]], ct));
        var action = await TimeAsync(50_000, 16, async i => await grain.CheckActionAsync(callers[i % callers.Length].UserId, data.ServiceName, data.Actions[i % data.Actions.Length], ct));
        var viewers = callers.Where(c => c.TokenRole == "viewer").ToArray();
        var accessible = await TimeAsync(200, 1, async i => await grain.GetAccessibleAsync(viewers[i % viewers.Length], data.ServiceName, "doc", AclPermission.Edit, 1000, ct));

        await host.StopAsync(ct);
        return new LargeWorkspaceFigures(footprint, managed, firstActivation, TimeSpan.FromMilliseconds(Load.Median(reloads)), sequential, concurrent, action, accessible);
    }

    private static long SettledHeap()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static async Task<LoadResult> TimeAsync(int calls, int concurrency, Func<int, Task> call)
    {
        var latencies = new double[calls];
        var next = -1;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < calls)
            {
                var start = Stopwatch.GetTimestamp();
                await call(i);
                latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        })));
        return Load.Summarize(latencies, watch.Elapsed.TotalSeconds, 0);
    }
}
