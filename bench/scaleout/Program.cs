// bench/scaleout: (1) POST /auth/refresh throughput through one web process with one silo and with two silos, same
// load (closed loop, fixed workers), alternating within the run; (2) the failover window: SIGKILL one of two silos and
// time until every grain answers again and the web is ready (as tests/Sentinel.Integration.Tests/Cluster/FailoverTests.cs
// measures it), median of a few kills. Loopback only, bounded, stops by itself. See bench/README.md.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Orleans;
using Orleans.Runtime;
using Sentinel.Bench;
using Sentinel.Bench.ScaleOut;
using Sentinel.Grains.Sessions;
using Sentinel.Testing;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
var o = ScaleOutOptions.Parse(args);
Loopback.Require("DATABASE_URL", TestEnvironment.DatabaseUrl);
Loopback.Require("REDIS_URL", TestEnvironment.RedisUrl);
using var deadline = new CancellationTokenSource(o.Deadline);
var ct = deadline.Token;
Console.WriteLine($"bench/scaleout: {o}, {Environment.ProcessorCount} cores, configuration {TestEnvironment.Configuration}");
await TestDatabase.EnsureMigratedAsync();

await using var db = NpgsqlDataSource.Create(TestConnection.ConnectionString());
var population = new BenchPopulation(db, 100);
var cluster = new ClusterHarness("bench-scaleout");
try
{
    var quiet = new Dictionary<string, string> { ["Logging__LogLevel__Sentinel"] = "Warning" };
    var silos = new List<SentinelProcess> { cluster.StartSilo("silo-1", extra: quiet) };
    var (web, api) = cluster.StartWeb("web", quiet);
    using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = o.Workers * 2, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
    {
        BaseAddress = api,
        Timeout = TimeSpan.FromSeconds(30),
    };
    await ClusterHarness.WaitUntilAsync(() => ClusterHarness.IsStatusAsync(http, new Uri("/health/ready", UriKind.Relative), HttpStatusCode.OK),
        TimeSpan.FromSeconds(180), "web ready", cluster.AllOutput);
    await using var orleans = await OrleansTestClient.ConnectAsync(cluster.ClusterId, TimeSpan.FromSeconds(60));
    var grains = orleans.Client;
    var management = grains.GetGrain<IManagementGrain>(0);
    var siloNumber = 1;

    async Task<int> ActiveSilosAsync() => (await management.GetHosts(onlyActive: true)).Count;

    async Task EnsureSilosAsync(int wanted)
    {
        while (silos.Count(s => !s.HasExited) > wanted)
        {
            var victim = silos.Last(s => !s.HasExited);
            await victim.StopAsync(TimeSpan.FromSeconds(30));
        }
        while (silos.Count(s => !s.HasExited) < wanted)
            silos.Add(cluster.StartSilo($"silo-{++siloNumber}", extra: quiet));
        await ClusterHarness.WaitUntilAsync(async () => await ActiveSilosAsync() == wanted, TimeSpan.FromSeconds(120), $"{wanted} silo(s) active", cluster.AllOutput);
        // The web's gateway list refreshes every 5 s; give it two periods, then check it answers.
        await Task.Delay(TimeSpan.FromSeconds(10), ct);
        await ClusterHarness.WaitUntilAsync(() => ClusterHarness.IsStatusAsync(http, new Uri("/health/ready", UriKind.Relative), HttpStatusCode.OK),
            TimeSpan.FromSeconds(60), "web ready", cluster.AllOutput);
    }

    // Fresh families for every phase, started while the phase's silos are up, so their grains are placed across them.
    async Task<(Guid User, string Refresh)[]> FamiliesAsync()
    {
        var from = population.Count;
        await population.GrowToAsync(from + o.Families, ct);
        var chains = new (Guid, string)[o.Families];
        await BenchPopulation.ForEachAsync(from, from + o.Families, 32, async i =>
        {
            var issued = await population.StartFamilyAsync(grains, i, ct);
            chains[i - from] = (population.User(i), BenchTokens.Refresh(population.User(i), issued));
        }, ct);
        return chains;
    }

    async Task<(double PerSecond, long Errors)> ThroughputAsync((Guid User, string Refresh)[] chains)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        stop.CancelAfter(TimeSpan.FromSeconds(o.Seconds));
        var per = chains.Length / o.Workers;
        long errors = 0;
        var watch = Stopwatch.StartNew();
        var counts = await Task.WhenAll(Enumerable.Range(0, o.Workers).Select(w => Task.Run(async () =>
        {
            long done = 0;
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var i = w * per + n % per;
                try
                {
                    using var response = await http.PostAsJsonAsync("/auth/refresh", new { refresh_token = chains[i].Refresh }, CancellationToken.None);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        Interlocked.Increment(ref errors);
                        continue;
                    }
                    var body = await response.Content.ReadFromJsonAsync<JsonElement>(CancellationToken.None);
                    chains[i].Refresh = body.GetProperty("refresh_token").GetString()!;
                    done++;
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref errors);
                }
            }
            return done;
        })));
        return (counts.Sum() / watch.Elapsed.TotalSeconds, errors);
    }

    // (1) Throughput, 1 vs 2 silos, alternating the order each run so drift on a shared machine favours neither.
    Console.WriteLine();
    Console.WriteLine($"refresh throughput, one web process, {o.Workers} workers closed loop, {o.Families} fresh families per phase, {o.Seconds}s per phase");
    var one = new List<double>();
    var two = new List<double>();
    long throughputErrors = 0;
    await EnsureSilosAsync(1);
    var warm = await ThroughputAsync(await FamiliesAsync());
    Console.WriteLine($"  warm-up (1 silo): {warm.PerSecond:F0} refreshes/s");
    for (var run = 1; run <= o.Runs; run++)
    {
        foreach (var count in run % 2 == 1 ? new[] { 1, 2 } : [2, 1])
        {
            await EnsureSilosAsync(count);
            var (rate, errors) = await ThroughputAsync(await FamiliesAsync());
            throughputErrors += errors;
            (count == 1 ? one : two).Add(rate);
            Console.WriteLine($"  run {run}: {count} silo(s) {rate,8:F0} refreshes/s   errors {errors}");
        }
    }
    var oneMedian = Stats.Median(one);
    var twoMedian = Stats.Median(two);
    Console.WriteLine($"  median: 1 silo {oneMedian:F0}/s, 2 silos {twoMedian:F0}/s, ratio {twoMedian / oneMedian:F2}");
    Console.WriteLine($"RESULT bench=silos one_silo_per_second={Stats.F(oneMedian, "F0")} two_silos_per_second={Stats.F(twoMedian, "F0")} ratio={Stats.F(twoMedian / oneMedian)} " +
        $"runs={o.Runs} workers={o.Workers} seconds={o.Seconds} errors={throughputErrors} one=[{string.Join(",", one.Select(v => Stats.F(v, "F0")))}] two=[{string.Join(",", two.Select(v => Stats.F(v, "F0")))}]");

    // (2) Failover window: SIGKILL one of two silos, time until every grain answers and the web is ready again.
    Console.WriteLine();
    Console.WriteLine($"failover window: SIGKILL one of two silos, {o.Grains} session grains spread over both, polled every 100 ms");
    var windows = new List<double>();
    for (var run = 1; run <= o.FailoverRuns; run++)
    {
        await EnsureSilosAsync(2);
        var users = Enumerable.Range(0, o.Grains).Select(_ => Guid.NewGuid()).ToArray();
        // One denied jti per grain (a retry denies the same one, so each grain holds exactly one).
        var jtis = users.Select(_ => Guid.NewGuid()).ToArray();
        await BenchPopulation.ForEachAsync(0, users.Length, 16, i => BenchPopulation.RetryAsync(
            () => grains.GetGrain<IUserSessionGrain>(users[i]).DenyTokenAsync(jtis[i], DateTimeOffset.UtcNow.AddMinutes(10), ct), ct), ct);
        // Kill the older silo: it holds grains placed before the newer one joined too (and, alternately, the first silo).
        var victim = silos.First(s => !s.HasExited);
        victim.Kill();
        var watch = Stopwatch.StartNew();
        var window = TimeSpan.Zero;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (watch.Elapsed > TimeSpan.FromSeconds(120)) throw new TimeoutException($"grains did not answer within 120 s of the kill\n{cluster.AllOutput()}");
            try
            {
                using var probe = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                var snapshots = await Task.WhenAll(users.Select(u => grains.GetGrain<IUserSessionGrain>(u).GetRevocationAsync(probe.Token)));
                using var ready = await http.GetAsync(new Uri("/health/ready", UriKind.Relative), probe.Token);
                if (ready.StatusCode == HttpStatusCode.OK && snapshots.All(s => s.DeniedTokens == 1))
                {
                    window = watch.Elapsed;
                    break;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                // Expected while the dead silo's grains are unreachable.
            }
            await Task.Delay(100, ct);
        }
        windows.Add(window.TotalSeconds);
        Console.WriteLine($"  run {run}: every grain answering {window.TotalSeconds:F1}s after SIGKILL of {victim.Name}");
    }
    var windowMedian = Stats.Median(windows);
    Console.WriteLine($"  median failover window: {windowMedian:F1}s (goal <= 5 s)");
    Console.WriteLine($"RESULT bench=failover median_seconds={Stats.F(windowMedian, "F1")} runs={windows.Count} grains={o.Grains} samples=[{string.Join(",", windows.Select(w => Stats.F(w, "F1")))}]");
    return 0;
}
catch (OperationCanceledException) when (deadline.IsCancellationRequested)
{
    Console.Error.WriteLine($"bench/scaleout: stopped at its deadline ({o.Deadline}).");
    return 3;
}
finally
{
    await cluster.DisposeAsync();
    await population.DropAsync("sentinel-test");
}

namespace Sentinel.Bench.ScaleOut
{
    /// <summary>Command-line options, with the defaults <c>make bench</c> uses; every phase is bounded.</summary>
    internal sealed record ScaleOutOptions(int Runs, int Seconds, int Workers, int Families, int FailoverRuns, int Grains, TimeSpan Deadline)
    {
        public static ScaleOutOptions Parse(string[] args)
        {
            string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
            int Int(string name, int fallback, int min, int max)
            {
                var value = Value(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
                return value >= min && value <= max ? value : throw new ArgumentOutOfRangeException(name, $"{name} must be {min}-{max}.");
            }
            var quick = args.Contains("--quick");
            var workers = Int("--workers", 32, 1, 256);
            return new ScaleOutOptions(
                Runs: Int("--runs", quick ? 1 : 3, 1, 9),
                Seconds: Int("--seconds", quick ? 5 : 10, 2, 60),
                Workers: workers,
                Families: Math.Max(workers, Int("--families", 1024, 1, 100_000) / workers * workers),
                FailoverRuns: Int("--failover-runs", quick ? 1 : 3, 1, 9),
                Grains: Int("--grains", 200, 10, 10_000),
                Deadline: TimeSpan.FromMinutes(Int("--deadline-minutes", 15, 1, 60)));
        }

        public override string ToString() =>
            $"throughput {Runs} runs x {Seconds}s per silo count, {Workers} workers, {Families} families per phase; failover {FailoverRuns} kills, {Grains} grains";
    }
}
