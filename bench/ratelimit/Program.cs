using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Sentinel.Bench.RateLimit;

// `serve`: run the real Sentinel.Web program in this process, so all three variants are hosted the same way.
if (args.Length > 0 && args[0] == "serve")
    return (int)typeof(Sentinel.Web.RateLimiting.RateLimitGate).Assembly.EntryPoint!.Invoke(null, [args[1..]])!;

var options = BenchOptions.Parse(args);
return await Bench.RunAsync(options);

internal sealed record BenchOptions(string[] Paths, int Rounds, TimeSpan Duration, TimeSpan Warmup, int Connections, int HotConnections, int Clients)
{
    /// <summary>
    /// <c>--d-env KEY=VALUE</c> (repeatable): also run (d), the grain limiter with these settings on top of (b)'s, in the
    /// throughput phase, interleaved with the others: another code path measured against (b) in the same run, e.g.
    /// <c>--d-env RATE_LIMIT_COMPACT_CALLS=false</c> (the general grain call) or <c>--d-env RATE_LIMIT_COALESCE=true</c>.
    /// </summary>
    public Dictionary<string, string> DEnvironment { get; } = [];

    /// <summary><c>--b-env KEY=VALUE</c> (repeatable): extra settings for variant (b), e.g. other tier rates.</summary>
    public Dictionary<string, string> BEnvironment { get; } = [];

    public static BenchOptions Parse(string[] args)
    {
        string Get(string name, string fallback)
        {
            var i = Array.IndexOf(args, "--" + name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }
        int Int(string name, int fallback) => int.Parse(Get(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        // Default: GET /users/me with a valid token (verify, session check, user read: a real authenticated read), then an
        // unmatched route (404: the limiter's decision is nearly all the work).
        var options = new BenchOptions(Get("path", "/users/me,/bench/no-such-route").Split(',', StringSplitOptions.RemoveEmptyEntries), Math.Clamp(Int("rounds", 5), 1, 20), TimeSpan.FromSeconds(Math.Clamp(Int("seconds", 5), 1, 60)),
            TimeSpan.FromSeconds(1), Math.Clamp(Int("connections", 16), 1, 256), Math.Clamp(Int("hot", 2), 0, 64), Math.Clamp(Int("clients", 50_000), 1, 1 << 24));
        for (var i = 0; i < args.Length - 1; i++)
        {
            if (args[i] == "--b-env" && args[i + 1].Split('=', 2) is [var key, var value]) options.BEnvironment[key] = value;
            if (args[i] == "--d-env" && args[i + 1].Split('=', 2) is [var dKey, var dValue]) options.DEnvironment[dKey] = dValue;
        }
        return options;
    }
}

internal static class Bench
{
    private sealed record Variant(string Name, string Title, IReadOnlyDictionary<string, string> Environment);

    /// <summary>The issuer every variant names (BASE_URL), so one token verifies on all three.</summary>
    private const string Issuer = "http://127.0.0.1";

    public static async Task<int> RunAsync(BenchOptions o)
    {
        var repo = FindRepoRoot();
        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        var logs = Directory.CreateTempSubdirectory("sentinel-bench-");
        var clusterId = "bench-" + Guid.NewGuid().ToString("N")[..12];
        var processes = new List<Process>();
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(20)); // bounded, whatever happens
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
        try
        {
            // A signing key of the run's own (the processes run in temporary folders, so keys/ is not theirs to read).
            var keyPath = Path.Combine(logs.FullName, "private.pem");
            using (var rsa = System.Security.Cryptography.RSA.Create(2048)) File.WriteAllText(keyPath, rsa.ExportPkcs8PrivateKeyPem());
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var common = new Dictionary<string, string>
            {
                ["JWT_PRIVATE_KEY_PATH"] = keyPath,
                ["ALLOWED_HOSTS"] = "127.0.0.1,localhost",
                ["DATABASE_URL"] = Required("DATABASE_URL"),
                ["REDIS_URL"] = Required("REDIS_URL"),
                ["REDIS_TLS_CA_CERT"] = Environment.GetEnvironmentVariable("REDIS_TLS_CA_CERT") ?? "",
                ["DATABASE_CA_CERT"] = Environment.GetEnvironmentVariable("DATABASE_CA_CERT") ?? "",
                ["REDIS_TLS_VERIFY"] = Environment.GetEnvironmentVariable("REDIS_TLS_VERIFY") ?? "none",
                ["CLUSTER_ID"] = clusterId,
                ["SERVICE_ID"] = "sentinel-bench",
                ["DEBUG"] = "true",
                ["DOTNET_ENVIRONMENT"] = "Production",
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["Logging__LogLevel__Default"] = "Warning",
                ["Logging__LogLevel__Sentinel"] = "Information",
            };
            var silo = new Dictionary<string, string>(common) { ["SILO_PORT"] = FreePort().ToString(CultureInfo.InvariantCulture), ["GATEWAY_PORT"] = FreePort().ToString(CultureInfo.InvariantCulture), ["DASHBOARD_PORT"] = "0" };
            processes.Add(Start("silo", ["dotnet", Path.Combine(repo, "Sentinel.Silo", "bin", configuration, "net10.0", "Sentinel.Silo.dll")], silo, logs.FullName));

            Variant[] variants =
            [
                new("a", "no limiter (RATE_LIMIT_ENABLED=false, DEBUG=true)", new Dictionary<string, string> { ["RATE_LIMIT_ENABLED"] = "false" }),
                new("b", "grain limiter (defaults: aggregate 300/minute, default 120/minute" + string.Concat(o.BEnvironment.Select(p => $"; {p.Key}={p.Value}")) + ")", o.BEnvironment),
                new("c", "seed baseline: one Redis INCR+EXPIRE Lua call per request, 300/minute", new Dictionary<string, string>
                {
                    ["RATE_LIMIT_ENABLED"] = "false", ["BENCH_BASELINE"] = "redis", ["BENCH_BASELINE_RPM"] = "300",
                    ["ASPNETCORE_HOSTINGSTARTUPASSEMBLIES"] = "Sentinel.Bench.RateLimit",
                }),
            ];
            if (o.DEnvironment.Count > 0)
            {
                var dEnv = new Dictionary<string, string>(o.BEnvironment);
                foreach (var (k, val) in o.DEnvironment) dEnv[k] = val;
                variants = [.. variants, new("d", "grain limiter as (b) with " + string.Join("; ", o.DEnvironment.Select(p => $"{p.Key}={p.Value}")), dEnv)];
            }
            var endpoints = new Dictionary<string, (IPEndPoint Api, Process Process)>();
            foreach (var v in variants)
            {
                var port = FreePort();
                var env = new Dictionary<string, string>(common)
                {
                    ["SERVICE_HOST"] = "127.0.0.1", ["BASE_URL"] = Issuer, ["SERVICE_PORT"] = port.ToString(CultureInfo.InvariantCulture), ["ADMIN_PORT"] = "0",
                    ["BEHIND_PROXY"] = "true", ["GRAIN_CALL_TIMEOUT_MS"] = "5000",
                };
                foreach (var (k, val) in v.Environment) env[k] = val;
                var process = Start("web-" + v.Name, ["dotnet", typeof(Bench).Assembly.Location, "serve"], env, logs.FullName);
                processes.Add(process);
                endpoints[v.Name] = (new IPEndPoint(IPAddress.Loopback, port), process);
            }
            foreach (var (name, (api, _)) in endpoints) await WaitReadyAsync(api, name, logs.FullName, stop.Token);
            var siloProcess = processes[0];

            // A user row and an access token signed with the run's key (iss = BASE_URL of every variant, no sid: the
            // session check answers from the user's session grain), so GET /users/me does its real work.
            var userId = await BenchUser.CreateAsync(Required("DATABASE_URL"), Environment.GetEnvironmentVariable("DATABASE_CA_CERT"), stop.Token);
            var bearer = BenchUser.AccessToken(keyPath, Issuer, userId);

            Console.WriteLine($"Sentinel rate-limit bench: GET {string.Join(" and ", o.Paths)}, {o.Connections} connections ({o.HotConnections} on one hot client), {o.Clients} distinct X-Forwarded-For clients, {o.Rounds} rounds x {o.Duration.TotalSeconds:F0}s, loopback, {Environment.ProcessorCount} cores");
            foreach (var v in variants) Console.WriteLine($"  ({v.Name}) {v.Title}");
            foreach (var path in o.Paths)
            {
                var headers = path.StartsWith("/users/", StringComparison.Ordinal) ? $"Authorization: Bearer {bearer}\r\n" : "";
                await MeasurePathAsync(o, path, headers, variants, endpoints, processes[0], stop.Token);
            }
            Console.WriteLine($"process logs: {logs.FullName}");
            return 0;
        }
        finally
        {
            foreach (var p in processes)
            {
                try { if (!p.HasExited) p.Kill(entireProcessTree: true); p.WaitForExit(10_000); } catch (InvalidOperationException) { }
                p.Dispose();
            }
        }
    }

    private static async Task MeasurePathAsync(BenchOptions o, string path, string headers, Variant[] variants,
        Dictionary<string, (IPEndPoint Api, Process Process)> endpoints, Process siloProcess, CancellationToken cancellationToken)
    {
        var stop = cancellationToken;
        Console.WriteLine();
        Console.WriteLine($"== GET {path}");

        // Warm every variant (JIT tiers, grain activations, Redis scripts) before measuring: 5 s each, so the first route
        // measured after start-up is not charged for compilation.
        foreach (var v in variants) await LoadDriver.RunAsync(endpoints[v.Name].Api, path, headers, o.Connections, 0, o.Clients, TimeSpan.Zero, TimeSpan.FromSeconds(5), stop);

        // Phase 1, throughput: every connection sends for random clients among many, none over its limits (50,000 clients
        // at 20,000 req/s is 24 requests per client per minute, under the default tier's 120), so the limiter admits
        // everything and (b) does all the work (a) does plus its decisions: b − a is the limiter's cost per decision.
        // (With flooding clients in this phase, (b) and (c) would answer them cheap 429s that (a) serves in full, and
        // b − a would come out negative.) Any 429 here is counted and printed: it would make the figure dishonest.
        var results = variants.ToDictionary(v => v.Name, _ => new List<(LoadResult Load, double WebUs, double SiloUs)>());
        for (var round = 0; round < o.Rounds; round++)
        {
            // Rotate the order so no variant always runs first or last.
            foreach (var v in variants.Skip(round % variants.Length).Concat(variants.Take(round % variants.Length)))
            {
                var (api, web) = endpoints[v.Name];
                var cpuWeb = CpuTicks(web);
                var cpuSilo = CpuTicks(siloProcess);
                var load = await LoadDriver.RunAsync(api, path, headers, o.Connections, 0, o.Clients, o.Warmup, o.Duration, stop);
                results[v.Name].Add((load, CpuMicros(CpuTicks(web) - cpuWeb) / load.TotalRequests, CpuMicros(CpuTicks(siloProcess) - cpuSilo) / load.TotalRequests));
            }
        }

        // Phase 2, hot key (b only): the p99 of ordinary clients while some connections flood one client (answered 429),
        // against the same load with no flood.
        var hot = new List<LoadResult>();
        var noHot = new List<LoadResult>();
        for (var round = 0; round < o.Rounds; round++)
        {
            hot.Add(await LoadDriver.RunAsync(endpoints["b"].Api, path, headers, o.Connections, o.HotConnections, o.Clients, o.Warmup, o.Duration, stop));
            noHot.Add(await LoadDriver.RunAsync(endpoints["b"].Api, path, headers, o.Connections, 0, o.Clients, o.Warmup, o.Duration, stop));
        }

        Console.WriteLine();
        Console.WriteLine("throughput phase (no client over its limits)");
        Console.WriteLine("variant   req/s (median)   p50 ms   p99 ms   web CPU us/req   silo CPU us/req   statuses (all rounds)");
        foreach (var v in variants)
        {
            var r = results[v.Name];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"({v.Name})       {Median(r.Select(x => x.Load.RequestsPerSecond)),10:F0}   {Median(r.Select(x => x.Load.P50Ms)),6:F2}   {Median(r.Select(x => x.Load.P99Ms)),6:F2}   {Median(r.Select(x => x.WebUs)),14:F1}   {Median(r.Select(x => x.SiloUs)),15:F1}   {string.Join(" ", Statuses(r.Select(x => x.Load)))}"));
        }
        double Rps(string name) => Median(results[name].Select(x => x.Load.RequestsPerSecond));
        long Refused(string name) => results[name].Sum(x => x.Load.Statuses.GetValueOrDefault(429));
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"b/a = {Rps("b") / Rps("a"):F2}   (goal >= 0.8 on GET /users/me)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"b/c = {Rps("b") / Rps("c"):F2}   (goal >= 1.2)"));
        Console.WriteLine("per-round req/s: " + string.Join("  ", variants.Select(v => $"{v.Name}=[{string.Join(",", results[v.Name].Select(x => x.Load.RequestsPerSecond.ToString("F0", CultureInfo.InvariantCulture)))}]")));
        if (Refused("b") + Refused("c") > 0)
            Console.WriteLine($"WARNING: {Refused("b")} (b) and {Refused("c")} (c) requests were refused in the throughput phase: raise --clients, the per-decision CPU is not the limiter's alone");
        var withHot = Median(hot.Select(x => x.OtherP99Ms));
        var withoutHot = Median(noHot.Select(x => x.P99Ms));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"hot key (b): p99 of other clients {withHot:F2} ms with {o.HotConnections} flooding connections vs {withoutHot:F2} ms with none = {withHot / withoutHot:F2}x (goal <= 2x); statuses with the flood: {string.Join(" ", Statuses(hot))}"));
        double P99(string name) => Median(results[name].Select(x => x.Load.P99Ms));
        var single = results.ContainsKey("d")
            ? string.Create(CultureInfo.InvariantCulture, $" d_env={string.Join(",", o.DEnvironment.Select(p => $"{p.Key}={p.Value}"))} cpu_us_per_req_d={Median(results["d"].Select(x => x.WebUs + x.SiloUs)):F1} d_rps={Median(results["d"].Select(x => x.Load.RequestsPerSecond)):F0} ratio_d_no_limiter={Rps("d") / Rps("a"):F2} ratio_d_redis_lua={Rps("d") / Rps("c"):F2}")
            : "";
        // CPU per decision: web + silo process CPU over the run divided by requests; the limiter's own share is b − a
        // (c − a for the Redis design; redis-server's own CPU is not counted, it is shared with other users of the box).
        double Cpu(string name) => Median(results[name].Select(x => x.WebUs + x.SiloUs));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"CPU us/request (web + silo): a {Cpu("a"):F1}  b {Cpu("b"):F1}  c {Cpu("c"):F1};  per decision: grain limiter {Cpu("b") - Cpu("a"):F1} us, Redis Lua {Cpu("c") - Cpu("a"):F1} us (+ redis-server)"));
        if (results.ContainsKey("d"))
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"(d) {Cpu("d"):F1} us/request, {Cpu("d") - Cpu("a"):F1} us per decision ((b) saves {Cpu("d") - Cpu("b"):F1} us per decision); d/a = {Rps("d") / Rps("a"):F2}  d/c = {Rps("d") / Rps("c"):F2}  b/d = {Rps("b") / Rps("d"):F2}"));
        // One machine-readable line for bench/run-all.sh (RESULTS.md).
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT bench=ratelimit path={path} limiter_rps={Rps("b"):F0} no_limiter_rps={Rps("a"):F0} redis_lua_rps={Rps("c"):F0} ratio_no_limiter={Rps("b") / Rps("a"):F2} ratio_redis_lua={Rps("b") / Rps("c"):F2} limiter_p99_ms={P99("b"):F2} no_limiter_p99_ms={P99("a"):F2} redis_lua_p99_ms={P99("c"):F2} hot_p99_factor={withHot / withoutHot:F2} cpu_us_per_req_a={Cpu("a"):F1} cpu_us_per_req_b={Cpu("b"):F1} cpu_us_per_req_c={Cpu("c"):F1} limiter_cpu_us_per_decision={Cpu("b") - Cpu("a"):F1} redis_lua_cpu_us_per_decision={Cpu("c") - Cpu("a"):F1} throughput_429_b={Refused("b")} throughput_429_c={Refused("c")}{single} rounds={o.Rounds} seconds={o.Duration.TotalSeconds:F0} connections={o.Connections}"));
    }

    private static IEnumerable<string> Statuses(IEnumerable<LoadResult> loads) =>
        loads.SelectMany(l => l.Statuses).GroupBy(p => p.Key).OrderBy(g => g.Key).Select(g => $"{g.Key}:{g.Sum(p => p.Value)}");

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>User plus system CPU of a process, in clock ticks (/proc).</summary>
    private static long CpuTicks(Process process)
    {
        var stat = File.ReadAllText($"/proc/{process.Id}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }

    private static double CpuMicros(long ticks) => ticks * 1_000_000.0 / 100; // USER_HZ = 100 on Linux

    private static string Required(string name) => Environment.GetEnvironmentVariable(name)
        ?? throw new InvalidOperationException($"{name} is not set: run through bench/ratelimit/run.sh (make bench).");

    private static Process Start(string name, string[] command, IReadOnlyDictionary<string, string> env, string logDirectory)
    {
        // Output goes to a file, not through this process: the driver's CPU stays on the load.
        var info = new ProcessStartInfo("/bin/sh", ["-c", "exec \"$@\" >>\"$LOG\" 2>&1", "sh", .. command])
        {
            UseShellExecute = false,
            WorkingDirectory = Directory.CreateTempSubdirectory("sentinel-bench-cwd-").FullName,
        };
        foreach (var (k, v) in env) info.Environment[k] = v;
        info.Environment["LOG"] = Path.Combine(logDirectory, name + ".log");
        return Process.Start(info) ?? throw new InvalidOperationException("could not start " + name);
    }

    private static async Task WaitReadyAsync(IPEndPoint api, string name, string logs, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await http.GetAsync(new Uri($"http://{api}/health/ready"), ct);
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested) { }
            await Task.Delay(500, ct);
        }
        throw new TimeoutException($"web-{name} not ready after 120 s; see {logs}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Sentinel.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Sentinel.sln not found above the bench output.");
    }
}
