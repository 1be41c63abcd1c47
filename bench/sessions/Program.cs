// bench/sessions: session grains at scale, in one silo process built with the real silo wiring (AddSentinelSilo:
// ADO.NET grain storage on PostgreSQL, Redis membership) and one real web process in front of it.
// The population grows in stages (1k, 10k, 100k users by default). At each stage:
//  (1) memory: managed heap after a full GC, before and after one refresh family is started per new user through the
//      session grain (their user and workspace grains activated first, so the difference is the session grains alone);
//      bytes per active session grain against the same silo before any of them existed: a growth curve;
//  (2) latency: POST /auth/refresh median and p99 at a fixed rate (open loop), over families picked at random from the
//      whole population; the 100k/1k ratio is the figure (goal: flat within 20%).
// Loopback only, bounded (a setup budget and a deadline), stops by itself. See bench/README.md.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Sentinel.Bench;
using Sentinel.Bench.Sessions;
using Sentinel.Testing;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
var options = SessionBenchOptions.Parse(args);
if (args.Length > 0 && args[0] == "silo-host")
    return await SiloHost.RunAsync(options, args[1]);

Loopback.Require("DATABASE_URL", TestEnvironment.DatabaseUrl);
Loopback.Require("REDIS_URL", TestEnvironment.RedisUrl);
using var deadline = new CancellationTokenSource(options.Deadline);
Console.WriteLine($"bench/sessions: {options}, {Environment.ProcessorCount} cores, configuration {TestEnvironment.Configuration}");
await TestDatabase.EnsureMigratedAsync();
try
{
    return await Driver.RunAsync(options, deadline.Token);
}
catch (OperationCanceledException) when (deadline.IsCancellationRequested)
{
    Console.Error.WriteLine($"bench/sessions: stopped at its deadline ({options.Deadline}).");
    return 3;
}

namespace Sentinel.Bench.Sessions
{
    /// <summary>Command-line options, with the defaults <c>make bench</c> uses; every phase is bounded.</summary>
    internal sealed record SessionBenchOptions(
        int[] MemorySizes, int[] LatencySizes, int LatencyRuns, int Seconds, int Rate, int WorkspaceSize, int SetupConcurrency,
        int Chunk, TimeSpan SetupBudget, bool Durable, TimeSpan Deadline, int HeavyFamilies, int HeavyRefreshes)
    {
        public int[] Stages => MemorySizes.Concat(LatencySizes).Distinct().Order().ToArray();

        public static SessionBenchOptions Parse(string[] args)
        {
            string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
            int Int(string name, int fallback, int min, int max)
            {
                var value = Value(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
                return value >= min && value <= max ? value : throw new ArgumentOutOfRangeException(name, $"{name} must be {min}-{max}.");
            }
            int[] Sizes(string name, string fallback) => (Value(name) ?? fallback).Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))
                .Select(n => n is >= 100 and <= 200_000 ? n : throw new ArgumentOutOfRangeException(name, "sizes must be 100-200000")).Order().ToArray();
            var quick = args.Contains("--quick");
            return new SessionBenchOptions(
                MemorySizes: Sizes("--memory-sizes", quick ? "2000,5000" : "10000,100000"),
                LatencySizes: Sizes("--latency-sizes", quick ? "1000,5000" : "1000,100000"),
                LatencyRuns: Int("--latency-runs", quick ? 2 : 3, 1, 15),
                Seconds: Int("--seconds", quick ? 5 : 10, 2, 60),
                Rate: Int("--rate", 50, 10, 2000),
                WorkspaceSize: Int("--workspace-size", 100, 1, 100_000),
                SetupConcurrency: Int("--setup-concurrency", 64, 1, 512),
                Chunk: Int("--chunk", 10_000, 100, 200_000),
                SetupBudget: TimeSpan.FromMinutes(Int("--setup-budget-minutes", 12, 1, 120)),
                Durable: args.Contains("--durable"),
                Deadline: TimeSpan.FromMinutes(Int("--deadline-minutes", 25, 1, 180)),
                HeavyFamilies: Int("--heavy-families", quick ? 100 : 500, 1, 10_000),
                // Under RATE_LIMIT_REFRESH (30/min per family): each family refreshes back to back.
                HeavyRefreshes: Int("--heavy-refreshes", 25, 2, 29));
        }

        public override string ToString() =>
            $"stages {string.Join("/", Stages)} users (memory at {string.Join(",", MemorySizes)}, latency at {string.Join(",", LatencySizes)}); " +
            $"latency {LatencyRuns} runs of {Seconds}s at {Rate} req/s; workspaces of {WorkspaceSize}; setup budget {SetupBudget.TotalMinutes:F0} min; " +
            $"stored row size after {HeavyRefreshes} refreshes of {HeavyFamilies} families" +
            (Durable ? "" : "; asynchronous commit");
    }

    /// <summary>A family the silo host started: what the edge would sign into the first refresh token.</summary>
    internal sealed class Chain(Guid user, Guid family, Guid jti, DateTimeOffset issuedAt, DateTimeOffset expiresAt)
    {
        public string Refresh { get; set; } = "";
        public void EnsureToken()
        {
            if (Refresh.Length == 0) Refresh = BenchTokens.Refresh(user, family, jti, issuedAt, expiresAt);
        }
    }

    /// <summary>The parent: starts the silo host and a web process, grows the population stage by stage, measures.</summary>
    internal static class Driver
    {
        public static async Task<int> RunAsync(SessionBenchOptions o, CancellationToken ct)
        {
            await using var cluster = new ClusterHarness("bench-sessions");
            var hostInfo = new ProcessStartInfo("dotnet", [typeof(Driver).Assembly.Location, "silo-host", cluster.ClusterId, .. Environment.GetCommandLineArgs().Skip(1)])
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
                WorkingDirectory = Directory.CreateTempSubdirectory("sentinel-bench-silo-").FullName,
            };
            using var host = Process.Start(hostInfo) ?? throw new InvalidOperationException("could not start the silo host");
            using var killHost = ct.Register(() => { try { host.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } });
            try
            {
                async Task<string> ReadUntilAsync(string marker, Action<string> onLine)
                {
                    while (await host.StandardOutput.ReadLineAsync(ct) is { } line)
                    {
                        if (line.StartsWith(marker, StringComparison.Ordinal)) return line;
                        onLine(line);
                    }
                    throw new InvalidOperationException($"silo host exited ({(host.HasExited ? host.ExitCode : -1)}) before '{marker}'");
                }
                await ReadUntilAsync("READY", line => Console.WriteLine($"  silo: {line}"));

                var (_, api) = cluster.StartWeb("web", new Dictionary<string, string> { ["Logging__LogLevel__Sentinel"] = "Warning" });
                using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
                {
                    BaseAddress = api,
                    Timeout = TimeSpan.FromSeconds(30),
                };
                await ClusterHarness.WaitUntilAsync(() => ClusterHarness.IsStatusAsync(http, new Uri("/health/ready", UriKind.Relative), HttpStatusCode.OK),
                    TimeSpan.FromSeconds(180), "web ready", cluster.AllOutput);

                var chains = new List<Chain>();
                var memory = new List<JsonElement>();
                var latency = new Dictionary<int, (double P50, double P99, int Errors, int Runs)>();
                foreach (var stage in o.Stages)
                {
                    await host.StandardInput.WriteLineAsync($"grow {stage}".AsMemory(), ct);
                    await host.StandardInput.FlushAsync(ct);
                    var done = await ReadUntilAsync("STAGE ", line =>
                    {
                        if (line.StartsWith("F ", StringComparison.Ordinal))
                        {
                            var f = line.Split(' ');
                            chains.Add(new Chain(Guid.Parse(f[1]), Guid.Parse(f[2]), Guid.Parse(f[3]),
                                DateTimeOffset.FromUnixTimeSeconds(long.Parse(f[4], CultureInfo.InvariantCulture)), DateTimeOffset.FromUnixTimeSeconds(long.Parse(f[5], CultureInfo.InvariantCulture))));
                        }
                        else
                        {
                            Console.WriteLine($"  silo: {line}");
                        }
                    });
                    var sample = JsonDocument.Parse(done[6..]).RootElement;
                    memory.Add(sample);
                    var reached = sample.GetProperty("size").GetInt32();
                    Console.WriteLine($"stage {reached} users: {sample.GetProperty("session_bytes_per_grain").GetDouble():F0} managed bytes per session grain so far " +
                        $"(RSS {sample.GetProperty("session_rss_per_grain").GetDouble():F0}), {sample.GetProperty("session_activations").GetInt32()} session activations, " +
                        $"setup {sample.GetProperty("families_per_second").GetDouble():F0} families/s");
                    if (chains.Count != reached) throw new InvalidOperationException($"silo host reported {reached} users but {chains.Count} families");
                    if (o.LatencySizes.Contains(stage) || reached < stage)
                        latency[reached] = await LatencyAsync(http, chains, o, ct);
                    if (reached < stage)
                    {
                        Console.WriteLine($"stage {stage}: setup budget ({o.SetupBudget.TotalMinutes:F0} min) spent at {reached} users; the largest stage is {reached}");
                        break;
                    }
                }
                var rows = await StoredRowsAsync(http, chains, o, ct);
                await host.StandardInput.WriteLineAsync("quit".AsMemory(), ct);
                await host.StandardInput.FlushAsync(ct);
                await ReadUntilAsync("BYE", line => Console.WriteLine($"  silo: {line}"));

                Console.WriteLine();
                for (var k = 0; k < memory.Count; k++)
                {
                    var sample = memory[k];
                    var size = sample.GetProperty("size").GetInt32();
                    // The table's sizes; a stage cut short by the setup budget is reported at the size it reached.
                    if (!o.MemorySizes.Contains(size) && k != memory.Count - 1) continue;
                    Console.WriteLine($"RESULT bench=session_memory size={size} bytes_per_grain={Stats.F(sample.GetProperty("session_bytes_per_grain").GetDouble(), "F0")} " +
                        $"rss_bytes_per_grain={Stats.F(sample.GetProperty("session_rss_per_grain").GetDouble(), "F0")} directory_bytes_per_user={Stats.F(sample.GetProperty("directory_bytes_per_user").GetDouble(), "F0")} " +
                        $"managed_mb={Stats.F(sample.GetProperty("managed_mb").GetDouble(), "F1")} rss_mb={Stats.F(sample.GetProperty("rss_mb").GetDouble(), "F1")} " +
                        $"session_activations={sample.GetProperty("session_activations").GetInt32()} families_per_second={Stats.F(sample.GetProperty("families_per_second").GetDouble(), "F0")} runs=1");
                }
                Console.WriteLine($"stored session row after 1 refresh: {rows.After1.Avg:F0} bytes of JSON ({rows.After1.Stored:F0} stored), after {o.HeavyRefreshes}: " +
                    $"{rows.AfterN.Avg:F0} ({rows.AfterN.Stored:F0} stored); {rows.AfterN.Rows} rows, one family each; TOAST starts near 2 KB");
                Console.WriteLine($"RESULT bench=session_row families={rows.AfterN.Rows} refreshes_per_family={o.HeavyRefreshes} " +
                    $"bytes_per_session_after_1={Stats.F(rows.After1.Avg, "F0")} bytes_per_session={Stats.F(rows.AfterN.Avg, "F0")} " +
                    $"stored_bytes_after_1={Stats.F(rows.After1.Stored, "F0")} stored_bytes={Stats.F(rows.AfterN.Stored, "F0")} max_bytes={Stats.F(rows.AfterN.Max, "F0")} errors={rows.Errors} runs=1");
                var sizes = latency.Keys.Order().ToArray();
                if (sizes.Length >= 2)
                {
                    var (small, large) = (sizes[0], sizes[^1]);
                    var p50 = latency[large].P50 / latency[small].P50;
                    var p99 = latency[large].P99 / latency[small].P99;
                    Console.WriteLine($"refresh latency {large} vs {small} users: p50 {latency[large].P50:F2} vs {latency[small].P50:F2} ms (x{p50:F2}), p99 {latency[large].P99:F2} vs {latency[small].P99:F2} ms (x{p99:F2}); goal within 1.20");
                    Console.WriteLine($"RESULT bench=refresh_latency small={small} large={large} p50_small_ms={Stats.F(latency[small].P50)} p99_small_ms={Stats.F(latency[small].P99)} " +
                        $"p50_large_ms={Stats.F(latency[large].P50)} p99_large_ms={Stats.F(latency[large].P99)} p50_ratio={Stats.F(p50)} p99_ratio={Stats.F(p99)} " +
                        $"runs={o.LatencyRuns} rate={o.Rate} seconds={o.Seconds} synchronous_commit={(o.Durable ? "on" : "off")} errors={latency.Values.Sum(f => f.Errors)} " +
                        $"curve=[{string.Join(",", sizes.Select(s => $"{s}:{Stats.F(latency[s].P50)}/{Stats.F(latency[s].P99)}"))}]");
                }
                await host.WaitForExitAsync(ct);
                return host.ExitCode;
            }
            finally
            {
                if (!host.HasExited)
                {
                    host.Kill(entireProcessTree: true);
                    await host.WaitForExitAsync(CancellationToken.None);
                }
            }
        }

        private sealed record RowSizes(int Rows, double Avg, double Stored, double Max);

        /// <summary>
        /// Stored size of session rows after a refresh-heavy run (issue 23 item 6): families picked at random from the
        /// population refresh once (the baseline, same run), then back to back up to <c>HeavyRefreshes</c> times, well
        /// inside one access lifetime, so a state that kept every live access token would grow with each refresh.
        /// Sizes come from PostgreSQL: the JSON payload length and <c>pg_column_size</c> (as stored, compressed or not)
        /// of the session rows written since each step began.
        /// </summary>
        private static async Task<(RowSizes After1, RowSizes AfterN, int Errors)> StoredRowsAsync(HttpClient http, List<Chain> chains, SessionBenchOptions o, CancellationToken ct)
        {
            await using var db = NpgsqlDataSource.Create(TestConnection.ConnectionString());
            async Task<DateTime> ClockAsync()
            {
                await using var cmd = db.CreateCommand("SELECT clock_timestamp()");
                return (DateTime)(await cmd.ExecuteScalarAsync(ct))!;
            }
            async Task<RowSizes> SizesSinceAsync(DateTime since)
            {
                await using var cmd = db.CreateCommand(
                    "SELECT count(*), coalesce(avg(octet_length(payload_binary)), 0), coalesce(avg(pg_column_size(payload_binary)), 0), coalesce(max(octet_length(payload_binary)), 0) " +
                    "FROM orleans_storage WHERE grain_type_string = 'session' AND payload_binary IS NOT NULL AND modified_on >= @since");
                cmd.Parameters.AddWithValue("since", since);
                await using var r = await cmd.ExecuteReaderAsync(ct);
                await r.ReadAsync(ct);
                return new RowSizes((int)r.GetInt64(0), Convert.ToDouble(r.GetValue(1), CultureInfo.InvariantCulture),
                    Convert.ToDouble(r.GetValue(2), CultureInfo.InvariantCulture), Convert.ToDouble(r.GetValue(3), CultureInfo.InvariantCulture));
            }
            var picks = Enumerable.Range(0, chains.Count).OrderBy(_ => Random.Shared.Next()).Take(Math.Min(o.HeavyFamilies, chains.Count)).Select(i => chains[i]).ToArray();
            foreach (var chain in picks) chain.EnsureToken();
            var errors = 0;
            async Task RefreshAllAsync(int times)
            {
                using var gate = new SemaphoreSlim(32);
                await Task.WhenAll(picks.Select(async chain =>
                {
                    for (var i = 0; i < times; i++)
                    {
                        await gate.WaitAsync(ct);
                        try
                        {
                            using var response = await http.PostAsJsonAsync("/auth/refresh", new { refresh_token = chain.Refresh }, ct);
                            if (response.StatusCode != HttpStatusCode.OK) { Interlocked.Increment(ref errors); return; }
                            chain.Refresh = (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("refresh_token").GetString()!;
                        }
                        finally
                        {
                            gate.Release();
                        }
                    }
                }));
            }
            var t0 = await ClockAsync();
            await RefreshAllAsync(1);
            var after1 = await SizesSinceAsync(t0);
            var t1 = await ClockAsync();
            await RefreshAllAsync(o.HeavyRefreshes - 1);
            var afterN = await SizesSinceAsync(t1);
            return (after1, afterN, errors);
        }

        /// <summary>
        /// Refresh latency at the current population: one warm-up run, then the counted runs. Each run refreshes distinct
        /// families picked at random from the whole population (so no two requests race on one chain), at a fixed rate;
        /// latency counts from each request's scheduled start (open loop).
        /// </summary>
        private static async Task<(double P50, double P99, int Errors, int Runs)> LatencyAsync(HttpClient http, List<Chain> chains, SessionBenchOptions o, CancellationToken ct)
        {
            var runs = new List<(double P50, double P99, int Errors)>();
            for (var run = 0; run <= o.LatencyRuns; run++)
            {
                var count = Math.Min(o.Rate * o.Seconds, chains.Count);
                var picks = Enumerable.Range(0, chains.Count).OrderBy(_ => Random.Shared.Next()).Take(count).Select(i => chains[i]).ToArray();
                // A chain's first refresh token is signed here, before the clock starts; later ones come from the responses.
                foreach (var chain in picks) chain.EnsureToken();
                var latencies = new double[count];
                var errors = 0;
                var tasks = new Task[count];
                var start = Stopwatch.GetTimestamp();
                var interval = Stopwatch.Frequency / (double)o.Rate;
                for (var n = 0; n < count; n++)
                {
                    var due = start + (long)(n * interval);
                    var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                    if (wait > TimeSpan.FromMilliseconds(1)) await Task.Delay(wait, ct);
                    var chain = picks[n];
                    var slot = n;
                    tasks[n] = Task.Run(async () =>
                    {
                        try
                        {
                            using var response = await http.PostAsJsonAsync("/auth/refresh", new { refresh_token = chain.Refresh }, ct);
                            if (response.StatusCode == HttpStatusCode.OK)
                            {
                                var body = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
                                latencies[slot] = Stopwatch.GetElapsedTime(due).TotalMilliseconds;
                                chain.Refresh = body.GetProperty("refresh_token").GetString()!;
                                return;
                            }
                        }
                        catch (HttpRequestException)
                        {
                        }
                        latencies[slot] = double.NaN;
                        Interlocked.Increment(ref errors);
                    }, ct);
                }
                await Task.WhenAll(tasks);
                var sorted = latencies.Where(l => !double.IsNaN(l)).Order().ToArray();
                var r = (P50: Stats.Percentile(sorted, 50), P99: Stats.Percentile(sorted, 99), Errors: errors);
                // Run 0 warms up (JIT, connection pools) and is not counted.
                if (run > 0) runs.Add(r);
                Console.WriteLine($"    {chains.Count} users {(run == 0 ? "warm-up" : $"run {run}"),-8} p50 {r.P50,7:F2} ms   p99 {r.P99,7:F2} ms   errors {r.Errors}");
            }
            return (Stats.Median(runs.Select(r => r.P50)), Stats.Median(runs.Select(r => r.P99)), runs.Sum(r => r.Errors), runs.Count);
        }
    }

    /// <summary>
    /// The silo process: the production wiring (AddSentinelSilo) hosted here so its managed heap can be read after a full
    /// GC. Takes commands on stdin: <c>grow N</c> (population to N users, measured) and <c>quit</c>.
    /// </summary>
    internal static class SiloHost
    {
        private const int Warm = 500;

        public static async Task<int> RunAsync(SessionBenchOptions o, string clusterId)
        {
            using var deadline = new CancellationTokenSource(o.Deadline);
            var ct = deadline.Token;
            var connection = TestConnection.ConnectionString();
            var settings = new Sentinel.Silo.Hosting.SiloSettings
            {
                // Asynchronous commit unless --durable: memory does not depend on it, and the 100k setup fits the time box;
                // the latency ratio compares population sizes under the same setting.
                DatabaseUrl = o.Durable ? connection : connection + ";Options=-c synchronous_commit=off",
                DatabaseCaCert = TestEnvironment.CaCert,
                RedisUrl = TestEnvironment.RedisUrl,
                RedisTlsCaCert = TestEnvironment.CaCert,
                RedisTlsVerify = TestEnvironment.CaCert is null ? "none" : "required",
                ClusterId = clusterId,
                ServiceId = "sentinel-test",
                SiloPort = TestEnvironment.FreePort(),
                GatewayPort = TestEnvironment.FreePort(),
                DashboardPort = 0,
                Debug = true,
            };
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], EnvironmentName = "Production" });
            builder.Logging.ClearProviders();
            builder.Logging.AddSimpleConsole(c => c.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
            Sentinel.Silo.Hosting.SiloHostingExtensions.AddSentinelSilo(builder, settings);
            await using var app = builder.Build();
            Sentinel.Silo.Hosting.SiloHostingExtensions.MapSentinelSilo(app, settings);
            await app.StartAsync(ct);
            var grains = app.Services.GetRequiredService<IGrainFactory>();
            await using var db = NpgsqlDataSource.Create(connection);
            var population = new BenchPopulation(db, o.WorkspaceSize);
            var setupSpent = TimeSpan.Zero;
            try
            {
                // Warm-up outside the measured range: JIT, connection pools, storage queries.
                await population.GrowToAsync(Warm, ct);
                await BenchPopulation.ForEachAsync(0, Warm, o.SetupConcurrency, async i =>
                {
                    await population.WarmDirectoryAsync(grains, i, ct);
                    await population.StartFamilyAsync(grains, i, ct);
                }, ct);
                var baseline = Settled();
                Console.WriteLine($"silo up; baseline after warm-up: managed {baseline.Managed / 1048576.0:F1} MB, RSS {baseline.Rss / 1048576.0:F1} MB");
                Console.WriteLine("READY");

                long sessionBytes = 0, sessionRss = 0, directoryBytes = 0;
                var familiesTime = TimeSpan.Zero;
                var done = 0;
                var previous = baseline;
                while (Console.ReadLine() is { } command)
                {
                    if (command == "quit") break;
                    var target = int.Parse(command.Split(' ')[1], CultureInfo.InvariantCulture);
                    var stageStart = done;
                    var stageTime = Stopwatch.StartNew();
                    // The budget counts setup only (not the driver's latency runs between stages).
                    while (done < target && setupSpent + stageTime.Elapsed < o.SetupBudget)
                    {
                        var to = Math.Min(target, done + o.Chunk);
                        await population.GrowToAsync(Warm + to, ct);
                        await BenchPopulation.ForEachAsync(Warm + done, Warm + to, o.SetupConcurrency, i => population.WarmDirectoryAsync(grains, i, ct), ct);
                        var afterDirectory = Settled();
                        var issued = new IssuedTokens[to - done];
                        var from = done;
                        familiesTime += await BenchPopulation.ForEachAsync(Warm + from, Warm + to, o.SetupConcurrency,
                            async i => issued[i - Warm - from] = await population.StartFamilyAsync(grains, i, ct), ct);
                        var afterSessions = Settled();
                        directoryBytes += afterDirectory.Managed - previous.Managed;
                        sessionBytes += afterSessions.Managed - afterDirectory.Managed;
                        sessionRss += afterSessions.Rss - afterDirectory.Rss;
                        previous = afterSessions;
                        for (var k = 0; k < issued.Length; k++)
                        {
                            var t = issued[k];
                            Console.WriteLine($"F {population.User(Warm + from + k)} {t.FamilyId} {t.RefreshJti} {t.IssuedAt.ToUnixTimeSeconds()} {t.RefreshExpiresAt.ToUnixTimeSeconds()}");
                        }
                        done = to;
                        Console.Error.WriteLine($"[silo host] {done} users with a family ({stageTime.Elapsed.TotalSeconds:F0}s into this stage)");
                    }
                    setupSpent += stageTime.Elapsed;
                    var active = await SessionActivationsAsync(grains);
                    if (active < Warm + done) throw new InvalidOperationException($"only {active} session grains active, expected {Warm + done}: activations were collected");
                    var sample = new
                    {
                        size = done,
                        session_bytes_per_grain = done == 0 ? 0 : (double)sessionBytes / done,
                        session_rss_per_grain = done == 0 ? 0 : (double)sessionRss / done,
                        directory_bytes_per_user = done == 0 ? 0 : (double)directoryBytes / done,
                        managed_mb = previous.Managed / 1048576.0,
                        rss_mb = previous.Rss / 1048576.0,
                        session_activations = active,
                        families_per_second = done / Math.Max(familiesTime.TotalSeconds, 0.001),
                        stage_seconds = stageTime.Elapsed.TotalSeconds,
                        stage_users = done - stageStart,
                    };
                    Console.WriteLine("STAGE " + JsonSerializer.Serialize(sample));
                }
                Console.WriteLine("BYE");
                return 0;
            }
            finally
            {
                await app.StopAsync(CancellationToken.None);
                await population.DropAsync("sentinel-test");
            }
        }

        private sealed record Heap(long Managed, long Rss);

        private static Heap Settled()
        {
            for (var i = 0; i < 3; i++)
            {
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
            }
            var managed = GC.GetTotalMemory(forceFullCollection: true);
            var rss = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
                .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
            return new Heap(managed, long.Parse(rss, CultureInfo.InvariantCulture) * 1024);
        }

        private static async Task<int> SessionActivationsAsync(IGrainFactory grains)
        {
            var stats = await grains.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
            return stats.Where(s => s.GrainType.Contains("UserSession", StringComparison.OrdinalIgnoreCase)).Sum(s => s.ActivationCount);
        }
    }
}
