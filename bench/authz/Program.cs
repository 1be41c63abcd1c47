using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Npgsql;
using Sentinel.Bench.Authz;
using Sentinel.Testing;

// bench/authz: /permissions/check and /roles/check-action answered from workspace-grain memory (real silo and web
// processes on loopback) next to a baseline that answers the same requests with SQL per check, in the same run, at the
// same concurrency. Then the large workspace alone, in-process: memory, load time and check latency.
// Bounded: every phase has a duration, the whole run a deadline, and everything it starts or seeds is removed at exit.

var options = Options.Parse(args);
using var deadline = new CancellationTokenSource(options.Deadline);
var ct = deadline.Token;
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
Console.WriteLine($"bench/authz: {options} generator={Load.Generator}");

var connectionString = TestConnection.ConnectionString();
await using var db = NpgsqlDataSource.Create(connectionString);
var harness = new ClusterHarness("bench-authz");
var harnessStopped = false;
var variantHarnesses = new List<ClusterHarness>();
var variantStacks = new List<(Variant Variant, Uri Api, Func<TimeSpan> Cpu)>();
Dataset? data = null;
Dataset? warmup = null;
var figures = new Dictionary<string, object>();
try
{
    // The real processes. Rate limits are lifted so the limiter does not become the thing measured.
    var limits = new Dictionary<string, string>(RateLimitTestSettings.Generous) { ["Logging__LogLevel__Sentinel"] = "Warning" };
    var silo = harness.StartSilo("silo", extra: limits);
    var (web, api) = harness.StartWeb("web", limits);
    // Process CPU time of web + silo: on a shared box, CPU per request is steadier than req/s.
    TimeSpan SentinelCpu() => Cpu(silo.Pid, web.Pid);
    using (var probe = new HttpClient())
        await ClusterHarness.WaitUntilAsync(() => ClusterHarness.IsStatusAsync(probe, new Uri(api, "/health/ready"), HttpStatusCode.OK),
            TimeSpan.FromSeconds(120), "Sentinel ready", harness.AllOutput);

    // A/B in the same run (AUTHZ_BENCH_VARIANTS): each variant is a second Sentinel (silo + web, a cluster of its own) of
    // the same build with extra environment, e.g. runtime settings (`DOTNET_gcServer=0`), measured in turn with the
    // main one so both see the same moments of a noisy box. The RESULT lines stay the main Sentinel's.
    foreach (var variant in options.Variants)
    {
        var env = new Dictionary<string, string>(limits);
        foreach (var (k, v) in variant.Environment) env[k] = v;
        var variantHarness = new ClusterHarness("bench-authz-" + variant.Name);
        variantHarnesses.Add(variantHarness);
        var vSilo = variantHarness.StartSilo("silo-" + variant.Name, extra: env);
        var (vWeb, vApi) = variantHarness.StartWeb("web-" + variant.Name, env);
        using (var probe = new HttpClient())
            await ClusterHarness.WaitUntilAsync(() => ClusterHarness.IsStatusAsync(probe, new Uri(vApi, "/health/ready"), HttpStatusCode.OK),
                TimeSpan.FromSeconds(120), $"Sentinel {variant.Name} ready", variantHarness.AllOutput);
        variantStacks.Add((variant, vApi, () => Cpu(vSilo.Pid, vWeb.Pid)));
    }

    Console.WriteLine($"Seeding {options.Shape} ...");
    data = await Seed.CreateAsync(db, options.Shape, ct);
    warmup = await Seed.CreateAsync(db, new DatasetShape(20, 20, 20, 2, 2, 2), ct);
    Console.WriteLine($"Seeded in {data.SeedTime.TotalSeconds:F1} s: workspace {data.WorkspaceId}");

    var scenarios = Requests.Build(data, options);
    await using var baseline = await SqlBaseline.StartAsync(connectionString);
    using var sentinelClient = Load.Client(api, options.Concurrency * 2);
    using var baselineClient = Load.Client(baseline.BaseAddress, options.Concurrency * 2);
    await using var floor = await NullServer.StartAsync();
    using var floorClient = Load.Client(floor.BaseAddress, options.Concurrency * 2);
    var targets = new List<(string Name, HttpClient Client)> { ("sentinel", sentinelClient), ("sql-baseline", baselineClient) };
    var cpuOf = new Dictionary<string, Func<TimeSpan>> { ["sentinel"] = SentinelCpu };
    foreach (var (variant, vApi, vCpu) in variantStacks)
    {
        targets.Insert(targets.Count - 1, ("sentinel-" + variant.Name, Load.Client(vApi, options.Concurrency * 2)));
        cpuOf["sentinel-" + variant.Name] = vCpu;
    }

    // First the workspace grain's one load (100k ACLs; tens of seconds on a busy box): one request at a time until
    // one is answered, bounded, so the warm-up below measures a loaded grain instead of timing out on its load.
    foreach (var (name, requests) in scenarios)
    {
        var primeDeadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        foreach (var (targetName, client) in targets.Where(t => cpuOf.ContainsKey(t.Name)))
        {
            while ((await Load.ClosedLoopAsync(client, requests, 1, TimeSpan.FromMilliseconds(1), ct)).Errors > 0)
            {
                if (DateTime.UtcNow > primeDeadline) throw new InvalidOperationException($"{targetName} {name}: no answer within 3 minutes.\n{harness.AllOutput()}");
                await Task.Delay(1000, ct);
            }
        }
    }

    // Warm-up: JITs both servers, fills connection pools.
    foreach (var (name, requests) in scenarios)
    foreach (var target in targets)
    {
        // The first calls may time out while the grain loads on a busy machine; the warm-up ends with a clean round.
        for (var attempt = 1; ; attempt++)
        {
            var w = await Load.ClosedLoopAsync(target.Client, requests, options.Concurrency, options.Warmup, ct);
            if (w.Errors == 0) break;
            if (attempt == 5) throw new InvalidOperationException($"{target.Name} {name}: {w.Errors} errors in warm-up.\n{harness.AllOutput()}");
        }
    }

    var throughput = new Dictionary<(string Scenario, string Target), List<LoadResult>>();
    var latency = new Dictionary<(string Scenario, string Target), List<LoadResult>>();
    var cpuPerRequest = new Dictionary<string, List<double>>();
    for (var run = 0; run < options.Runs; run++)
    {
        foreach (var (name, requests) in scenarios)
        {
            // Alternate which side goes first, so drift (other load on the machine) spreads over both.
            foreach (var target in run % 2 == 0 ? targets : Enumerable.Reverse(targets))
            {
                var cpu = cpuOf.GetValueOrDefault(target.Name);
                var cpuBefore = cpu?.Invoke() ?? TimeSpan.Zero;
                var closed = await Load.ClosedLoopAsync(target.Client, requests, options.Concurrency, options.Duration, ct);
                var cpuUs = ((cpu?.Invoke() ?? TimeSpan.Zero) - cpuBefore).TotalMicroseconds / Math.Max(1, closed.Requests);
                if (cpu is not null)
                {
                    var key = target.Name == "sentinel" ? name : $"{name}|{target.Name}";
                    if (!cpuPerRequest.TryGetValue(key, out var list)) cpuPerRequest[key] = list = [];
                    list.Add(cpuUs);
                }
                if (target.Name == "sentinel")
                {
                }
                var open = await Load.OpenLoopAsync(target.Client, requests, options.Rate, options.Duration, ct);
                Add(throughput, (name, target.Name), closed);
                Add(latency, (name, target.Name), open);
                Console.WriteLine($"  run {run + 1} {name,-22} {target.Name,-13} closed {closed}  | {options.Rate}/s open {open}"
                    + (cpu is not null ? $"  | web+silo CPU {cpuUs:F0} us/req" : ""));
            }
            // The floor: the same requests, rate and client against a server that answers at once (NullServer); once
            // with this run's generator and once with the other, so the generator's own share is measured in the same run.
            foreach (var generator in new[] { Load.Generator, Load.Generator == "thread" ? "pool" : "thread" })
            {
                var floorOpen = await Load.OpenLoopAsync(floorClient, requests, options.Rate, options.Duration, ct, generator: generator);
                Add(latency, (name, generator == Load.Generator ? "floor" : "floor-" + generator), floorOpen);
                Console.WriteLine($"  run {run + 1} {name,-22} {"floor " + generator,-13} {options.Rate}/s open {floorOpen}");
            }
        }
    }

    Console.WriteLine();
    Console.WriteLine($"Medians over {options.Runs} runs; closed loop at concurrency {options.Concurrency}, open loop at {options.Rate} req/s, {options.Duration.TotalSeconds:F0} s each.");
    Console.WriteLine($"{"scenario",-22} {"sentinel req/s",15} {"sql req/s",10} {"ratio",6} {"checks/s (sentinel)",20} {"p99 @rate sentinel",19} {"p99 @rate sql",14} {"errors",7}");
    foreach (var (name, _) in scenarios)
    {
        var s = throughput[(name, "sentinel")];
        var b = throughput[(name, "sql-baseline")];
        var sRps = Load.Median(s.Select(r => r.RequestsPerSecond));
        var bRps = Load.Median(b.Select(r => r.RequestsPerSecond));
        var sP99 = Load.Median(latency[(name, "sentinel")].Select(r => r.P99Ms));
        var bP99 = Load.Median(latency[(name, "sql-baseline")].Select(r => r.P99Ms));
        var sErrors = s.Concat(latency[(name, "sentinel")]).Sum(r => r.Errors);
        var bErrors = b.Concat(latency[(name, "sql-baseline")]).Sum(r => r.Errors);
        var errors = sErrors + bErrors;
        var cpu = Load.Median(cpuPerRequest[name]);
        string Kinds(string target) => string.Join(",", throughput[(name, target)].Concat(latency[(name, target)]).SelectMany(r => r.ErrorKinds)
            .GroupBy(k => k.Key).Select(g => $"{g.Key}:{g.Sum(k => k.Value)}"));
        var perRequest = Requests.ChecksPerRequest(name);
        Console.WriteLine($"{name,-22} {sRps,15:F0} {bRps,10:F0} {sRps / bRps,5:F1}x {sRps * perRequest,20:F0} {sP99,16:F2} ms {bP99,11:F2} ms {errors,7}");
        // One machine-readable line per scenario for bench/run-all.sh (RESULTS.md).
        Console.WriteLine($"RESULT bench=authz scenario={name.Replace(' ', '_')} sentinel_rps={sRps:F0} sql_rps={bRps:F0} ratio={sRps / bRps:F2} sentinel_p99_ms={sP99:F2} sql_p99_ms={bP99:F2} errors={errors} sentinel_errors={sErrors} sql_errors={bErrors} sentinel_cpu_us_per_req={cpu:F0} runs={options.Runs} seconds={options.Duration.TotalSeconds:F0} concurrency={options.Concurrency}");
        var other = Load.Generator == "thread" ? "pool" : "thread";
        Console.WriteLine($"  floor (a server that answers at once, same rate and client): {Load.Generator} generator p99 {Load.Median(latency[(name, "floor")].Select(r => r.P99Ms)):F2} ms"
            + $" p50 {Load.Median(latency[(name, "floor")].Select(r => r.P50Ms)):F2} ms; {other} generator p99 {Load.Median(latency[(name, "floor-" + other)].Select(r => r.P99Ms)):F2} ms p50 {Load.Median(latency[(name, "floor-" + other)].Select(r => r.P50Ms)):F2} ms");
        if (errors > 0) Console.WriteLine($"  errors: sentinel {sErrors} ({Kinds("sentinel")}), sql-baseline {bErrors} ({Kinds("sql-baseline")})");
        figures[name] = new { sentinel_rps = sRps, baseline_rps = bRps, ratio = sRps / bRps, sentinel_p99_ms_at_rate = sP99, baseline_p99_ms_at_rate = bP99, errors,
            sentinel_errors = sErrors, sql_errors = bErrors, sentinel_cpu_us_per_req = cpu };
        // The A/B lines: each variant against the main Sentinel and the SQL baseline of the same run.
        foreach (var (variant, _, _) in variantStacks)
        {
            var t = "sentinel-" + variant.Name;
            var vRps = Load.Median(throughput[(name, t)].Select(r => r.RequestsPerSecond));
            var vP99 = Load.Median(latency[(name, t)].Select(r => r.P99Ms));
            var vErrors = throughput[(name, t)].Concat(latency[(name, t)]).Sum(r => r.Errors);
            var vCpu = Load.Median(cpuPerRequest[$"{name}|{t}"]);
            Console.WriteLine($"VARIANT bench=authz scenario={name.Replace(' ', '_')} variant={variant.Name} env={variant.Env} rps={vRps:F0} ratio={vRps / bRps:F2} p99_ms={vP99:F2} cpu_us_per_req={vCpu:F0} errors={vErrors}"
                + $" | main rps={sRps:F0} ratio={sRps / bRps:F2} p99_ms={sP99:F2} cpu_us_per_req={cpu:F0}");
            figures[$"{name}|{variant.Name}"] = new { variant = variant.Env, rps = vRps, ratio = vRps / bRps, p99_ms_at_rate = vP99, cpu_us_per_req = vCpu, errors = vErrors };
        }
    }

    // Stop the processes before the in-process measurement, so nothing else competes for the two cores.
    await harness.DisposeAsync();
    foreach (var h in variantHarnesses) await h.DisposeAsync();
    variantHarnesses.Clear();
    harnessStopped = true;
    if (!options.SkipLarge)
    {
        Console.WriteLine();
        Console.WriteLine("Large workspace, in-process silo (real WorkspaceGrain, PostgreSQL):");
        var large = await LargeWorkspace.MeasureAsync(connectionString, data, warmup.WorkspaceId, ct);
        var f = large.Footprint;
        Console.WriteLine($"  members {f.Members}, groups {f.Groups}, ACLs {f.Resources}, shares {f.Shares}, roles {f.Roles}, user roles {f.UserRoleAssignments}, group roles {f.GroupRoleAssignments}");
        Console.WriteLine($"  managed memory of the activation: {large.ManagedMegabytes:F1} MB");
        Console.WriteLine($"  first activation (directory + authorization load): {large.FirstActivation.TotalMilliseconds:F0} ms; authorization load inside it: {f.LoadTime.TotalMilliseconds:F0} ms; reload median: {large.ReloadMedian.TotalMilliseconds:F0} ms");
        Console.WriteLine($"  permission check, 1 caller:     {large.SequentialCheck}");
        Console.WriteLine($"  permission check, 16 callers:   {large.ConcurrentCheck}");
        Console.WriteLine($"  check-action, 16 callers:       {large.CheckAction}");
        Console.WriteLine($"  accessible (viewer, edit, 1000): {large.AccessibleViewer}");
        figures["large_workspace"] = new
        {
            f.Members, f.Groups, acls = f.Resources, f.Shares, f.Roles, managed_mb = large.ManagedMegabytes,
            first_activation_ms = large.FirstActivation.TotalMilliseconds, authorization_load_ms = f.LoadTime.TotalMilliseconds,
            reload_ms = large.ReloadMedian.TotalMilliseconds, check_p50_ms = large.SequentialCheck.P50Ms, check_p99_ms = large.SequentialCheck.P99Ms,
            check_concurrent_rps = large.ConcurrentCheck.RequestsPerSecond, check_concurrent_p99_ms = large.ConcurrentCheck.P99Ms,
        };
    }

    var results = Path.Combine(TestEnvironment.RepoRoot, "bench", "results");
    Directory.CreateDirectory(results);
    var file = Path.Combine(results, $"authz-{DateTime.UtcNow:yyyyMMdd-HHmmss}.json");
    await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new { options = options.ToString(), figures }, new JsonSerializerOptions { WriteIndented = true }), CancellationToken.None);
    Console.WriteLine($"\nFigures written to {Path.GetRelativePath(TestEnvironment.RepoRoot, file)}");
    return 0;
}
catch (OperationCanceledException) when (deadline.IsCancellationRequested)
{
    Console.Error.WriteLine($"bench/authz: stopped at its deadline ({options.Deadline}).");
    return 3;
}
finally
{
    if (!harnessStopped) await harness.DisposeAsync();
    foreach (var h in variantHarnesses) await h.DisposeAsync();
    if (data is not null) await Seed.DropAsync(db, data);
    if (warmup is not null) await Seed.DropAsync(db, warmup);
}

static TimeSpan Cpu(params int[] pids) => pids.Aggregate(TimeSpan.Zero, (sum, pid) => sum + Process.GetProcessById(pid).TotalProcessorTime);

static void Add(Dictionary<(string, string), List<LoadResult>> results, (string, string) key, LoadResult result)
{
    if (!results.TryGetValue(key, out var list)) results[key] = list = [];
    list.Add(result);
}

namespace Sentinel.Bench.Authz
{
    /// <summary>Command-line options; every phase is bounded.</summary>
    /// <summary>A second Sentinel of the same build with extra environment (A/B in the same run).</summary>
    internal sealed record Variant(string Name, string Env, IReadOnlyList<KeyValuePair<string, string>> Environment)
    {
        /// <summary><c>name:KEY=VALUE,KEY=VALUE;name2:...</c>, e.g. <c>wks:DOTNET_gcServer=0</c>.</summary>
        public static IReadOnlyList<Variant> Parse(string? spec) => string.IsNullOrWhiteSpace(spec) ? [] : spec.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(v =>
            {
                var colon = v.IndexOf(':');
                if (colon <= 0) throw new ArgumentException($"AUTHZ_BENCH_VARIANTS: '{v}' is not name:KEY=VALUE,...");
                var pairs = v[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(p => p.Split('=', 2)).Select(p => KeyValuePair.Create(p[0], p.Length > 1 ? p[1] : "")).ToArray();
                return new Variant(v[..colon], v[(colon + 1)..], pairs);
            }).ToArray();
    }

    internal sealed record Options(int Runs, TimeSpan Duration, TimeSpan Warmup, int Concurrency, int Rate, DatasetShape Shape, bool SkipLarge, TimeSpan Deadline)
    {
        public IReadOnlyList<Variant> Variants { get; init; } = Variant.Parse(Environment.GetEnvironmentVariable("AUTHZ_BENCH_VARIANTS"));

        public static Options Parse(string[] args)
        {
            string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
            int Int(string name, int fallback) => Value(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
            var quick = args.Contains("--quick");
            return new Options(
                Runs: Int("--runs", quick ? 2 : 5),
                Duration: TimeSpan.FromSeconds(Int("--seconds", quick ? 3 : 5)),
                Warmup: TimeSpan.FromSeconds(Int("--warmup", 3)),
                Concurrency: Int("--concurrency", 32),
                Rate: Int("--rate", 1000),
                Shape: new DatasetShape(Int("--members", 10_000), Int("--resources", 100_000), Int("--shares", 100_000), Int("--groups", 100), Int("--roles", 20), Int("--actions", 20)),
                SkipLarge: args.Contains("--skip-large"),
                Deadline: TimeSpan.FromMinutes(Int("--deadline-minutes", 30)));
        }

        public override string ToString() =>
            $"runs={Runs} seconds={Duration.TotalSeconds} concurrency={Concurrency} rate={Rate}/s members={Shape.Members} resources={Shape.Resources} shares={Shape.Shares} groups={Shape.Groups}"
            + (Variants.Count == 0 ? "" : " variants=" + string.Join(";", Variants.Select(v => $"{v.Name}:{v.Env}")));
    }

    /// <summary>Pre-built requests: random members (with their real role and groups in the token) and random resources.</summary>
    internal static class Requests
    {
        public const string Check1 = "permissions/check x1";
        public const string Check10 = "permissions/check x10";
        public const string Action = "roles/check-action";

        public static int ChecksPerRequest(string scenario) => scenario == Check10 ? 10 : 1;

        public static IReadOnlyList<(string Name, IReadOnlyList<PreparedRequest> Requests)> Build(Dataset data, Options options)
        {
            var random = new Random(11);
            var tokens = Enumerable.Range(0, 500).Select(_ =>
            {
                var i = random.Next(data.Users.Length);
                return TestTokens.Access(data.Users[i], data.WorkspaceId, data.UserRoles[i], groups: data.UserGroups[i], lifetime: options.Deadline + TimeSpan.FromMinutes(5));
            }).ToArray();
            object Item() => new
            {
                service_name = data.ServiceName,
                resource_type = data.Resources[random.Next(data.Resources.Length)].Type,
                // A tenth of the checks name a resource that does not exist.
                resource_id = random.Next(10) == 0 ? Guid.NewGuid() : data.Resources[random.Next(data.Resources.Length)].Id,
                action = random.Next(2) == 0 ? "view" : "edit",
            };
            PreparedRequest Prepare(string path, object body) => new(path, JsonSerializer.SerializeToUtf8Bytes(body), data.ServiceKey, tokens[random.Next(tokens.Length)]);
            return
            [
                (Check1, Enumerable.Range(0, 2000).Select(_ => Prepare("/permissions/check", new { checks = new[] { Item() } })).ToArray()),
                (Check10, Enumerable.Range(0, 2000).Select(_ => Prepare("/permissions/check", new { checks = Enumerable.Range(0, 10).Select(_ => Item()).ToArray() })).ToArray()),
                (Action, Enumerable.Range(0, 2000).Select(_ => Prepare("/roles/check-action", new
                {
                    service_name = data.ServiceName, action = data.Actions[random.Next(data.Actions.Length)], workspace_id = data.WorkspaceId,
                })).ToArray()),
            ];
        }
    }
}
