// bench/refresh: refreshes per second over HTTP with rotation persisted (real silo + web + PostgreSQL), beside two
// baselines measured in the same run at the same concurrency, in this process, with the web's RSA key: signing two RS256
// tokens (what a refresh signed before refresh tokens became HS256), and signing one RS256 token (the access token, the
// only RSA signature a refresh still makes). Loopback only, bounded, stops by itself. See bench/README.md.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Sentinel.Bench.Refresh;
using Sentinel.Grains.AuthCodes;
using Sentinel.Grains.Directory;
using Sentinel.Grains.Sessions;
using Sentinel.Testing;

var options = BenchOptions.Parse(args);
Loopback.Require("DATABASE_URL", TestEnvironment.DatabaseUrl);
Loopback.Require("REDIS_URL", TestEnvironment.RedisUrl);
using var deadline = new CancellationTokenSource(options.HardLimit);
var inv = CultureInfo.InvariantCulture;

Console.WriteLine($"bench/refresh: {options.Workers} concurrent workers, {options.Workers * options.FamiliesPerWorker} families (one user each), " +
    $"{options.Seconds}s per phase, {options.Runs} runs, {Environment.ProcessorCount} cores, configuration {TestEnvironment.Configuration}");

await TestDatabase.EnsureMigratedAsync();
CpuSample.Database = new Uri(TestEnvironment.DatabaseUrl.Replace("postgresql+asyncpg://", "postgresql://", StringComparison.Ordinal)).AbsolutePath.Trim('/');
await using var cluster = new ClusterHarness("bench");
cluster.StartSilo("silo");
var port = TestEnvironment.FreePort();
var web = new Uri($"http://127.0.0.1:{port}");
var (webProcess, _) = cluster.StartWeb("web", new Dictionary<string, string>
{
    ["SERVICE_PORT"] = port.ToString(inv),
    ["BASE_URL"] = web.ToString().TrimEnd('/'),
    // Codes are issued straight into the auth-code grain as a "dex" sign-in would; the provider is never contacted.
    ["DEX_CLIENT_ID"] = "bench",
    ["DEX_CLIENT_SECRET"] = "bench",
    ["DEX_SERVER_METADATA_URL"] = "http://127.0.0.1:9/.well-known/openid-configuration",
    ["ACCESS_TOKEN_EXPIRE_MINUTES"] = options.AccessMinutes.ToString(inv),
});
var silo = cluster.Processes[0];

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.Workers * 2, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
{
    BaseAddress = web,
    Timeout = TimeSpan.FromSeconds(30),
};
await ClusterHarness.WaitUntilAsync(() => ClusterHarness.IsStatusAsync(http, new Uri("/health/ready", UriKind.Relative), HttpStatusCode.OK),
    TimeSpan.FromSeconds(180), "web ready", cluster.AllOutput);
await using var orleans = await OrleansTestClient.ConnectAsync(cluster.ClusterId, TimeSpan.FromSeconds(60));
var grains = orleans.Client;

// Setup: one workspace, one user per family (so each chain has its own session grain and its state stays small).
var setup = Stopwatch.StartNew();
var ownerId = Guid.NewGuid();
await grains.GetGrain<IUserGrain>(ownerId).CreateAsync($"bench-owner-{ownerId:N}@example.com", "Bench owner", null, false);
var workspaceId = Guid.NewGuid();
var created = await grains.GetGrain<IWorkspaceGrain>(workspaceId).CreateAsync("Bench", $"bench-{workspaceId:N}"[..30], null, ownerId);
if (!created.IsOk) throw new InvalidOperationException($"workspace: {created.Error}");
var familyCount = options.Workers * options.FamiliesPerWorker;
var chains = new Chain[familyCount];
using (var gate = new SemaphoreSlim(16))
{
    await Task.WhenAll(Enumerable.Range(0, familyCount).Select(async i =>
    {
        await gate.WaitAsync(deadline.Token);
        try
        {
            var userId = Guid.NewGuid();
            var user = await grains.GetGrain<IUserGrain>(userId).CreateAsync($"bench-{userId:N}@example.com", "Bench user", null, false);
            var member = await grains.GetGrain<IWorkspaceGrain>(workspaceId).AddMemberAsync(new Actor(ownerId, "owner"), userId, WorkspaceRole.Editor);
            if (!user.IsOk || !member.IsOk) throw new InvalidOperationException("setup refused");
            var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
            var code = Base64Url(RandomNumberGenerator.GetBytes(32));
            await grains.GetGrain<IAuthCodeGrain>(AuthCodeKeys.For(code)).IssueAsync(new AuthCodeGrant(userId, "dex", null, null,
                Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))), "S256", DateTimeOffset.UtcNow.AddMinutes(5)));
            using var token = await http.PostAsJsonAsync("/auth/token", new { code, workspace_id = workspaceId, code_verifier = verifier }, deadline.Token);
            token.EnsureSuccessStatusCode();
            var body = await token.Content.ReadFromJsonAsync<JsonElement>(deadline.Token);
            chains[i] = new Chain(userId, body.GetProperty("access_token").GetString()!, body.GetProperty("refresh_token").GetString()!);
        }
        finally
        {
            gate.Release();
        }
    }));
}
Console.WriteLine($"setup: {familyCount} users signed in through /auth/token in {setup.Elapsed.TotalSeconds:F1}s");

// The baseline's key and payloads: the same key the web process signs with, token shapes as the web process issues them (docs/sessions.md).
var credentials = new SigningCredentials(new RsaSecurityKey(TestKeys.Rsa) { KeyId = TestKeys.Kid }, SecurityAlgorithms.RsaSha256);
var signer = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
JsonObject AccessPayload()
{
    var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    return new JsonObject
    {
        ["iss"] = web.ToString().TrimEnd('/'), ["sub"] = Guid.NewGuid().ToString(), ["aud"] = "sentinel:access", ["type"] = "access",
        ["jti"] = Guid.NewGuid().ToString(), ["iat"] = now, ["exp"] = now + 900, ["email"] = "bench@example.com", ["name"] = "Bench user",
        ["wid"] = workspaceId.ToString(), ["wslug"] = "bench", ["wrole"] = "editor", ["groups"] = new JsonArray(),
        ["sid"] = Guid.NewGuid().ToString(),
    };
}
string SignOne() => signer.CreateToken(AccessPayload().ToJsonString(), credentials);
string SignPair()
{
    var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    var refresh = new JsonObject
    {
        ["iss"] = web.ToString().TrimEnd('/'), ["sub"] = Guid.NewGuid().ToString(), ["aud"] = "sentinel:refresh", ["type"] = "refresh",
        ["jti"] = Guid.NewGuid().ToString(), ["iat"] = now, ["exp"] = now + 604800, ["fid"] = Guid.NewGuid().ToString(),
    };
    return SignOne() + signer.CreateToken(refresh.ToJsonString(), credentials);
}

async Task<long> RefreshWorkerAsync(int worker, CancellationToken stop)
{
    long done = 0;
    var mine = Enumerable.Range(worker * options.FamiliesPerWorker, options.FamiliesPerWorker).ToArray();
    for (var n = 0; !stop.IsCancellationRequested; n++)
    {
        var chain = chains[mine[n % mine.Length]];
        using var response = await http.PostAsJsonAsync("/auth/refresh", new { refresh_token = chain.Refresh }, CancellationToken.None);
        if (response.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"refresh answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(CancellationToken.None)}");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(CancellationToken.None);
        chain.Refresh = body.GetProperty("refresh_token").GetString()!;
        chain.Access = body.GetProperty("access_token").GetString()!;
        done++;
    }
    return done;
}

// The in-process signing workers never await, so they hold every thread-pool thread; the token's CancelAfter timer
// needs one of those threads to fire, and the pool adds threads slowly while the CPU is saturated (one run's 5 s phase
// lasted 376 s). They read the phase's end from the clock as well.
long phaseEndsAt = long.MaxValue;

async Task<long> SignWorkerAsync(int worker, CancellationToken stop)
{
    await Task.Yield();
    long done = 0;
    while (!stop.IsCancellationRequested && Environment.TickCount64 < phaseEndsAt)
    {
        _ = SignPair();
        done++;
    }
    return done;
}

async Task<long> SignOneWorkerAsync(int worker, CancellationToken stop)
{
    await Task.Yield();
    long done = 0;
    while (!stop.IsCancellationRequested && Environment.TickCount64 < phaseEndsAt)
    {
        _ = SignOne();
        done++;
    }
    return done;
}

async Task<long> HealthWorkerAsync(int worker, CancellationToken stop)
{
    long done = 0;
    while (!stop.IsCancellationRequested)
    {
        using var response = await http.GetAsync(new Uri("/health", UriKind.Relative), CancellationToken.None);
        response.EnsureSuccessStatusCode();
        done++;
    }
    return done;
}

async Task<long> MeWorkerAsync(int worker, CancellationToken stop)
{
    long done = 0;
    var mine = Enumerable.Range(worker * options.FamiliesPerWorker, options.FamiliesPerWorker).ToArray();
    for (var n = 0; !stop.IsCancellationRequested; n++)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/users/me");
        request.Headers.Authorization = new("Bearer", chains[mine[n % mine.Length]].Access);
        using var response = await http.SendAsync(request, CancellationToken.None);
        response.EnsureSuccessStatusCode();
        done++;
    }
    return done;
}

async Task<long> GrainWorkerAsync(int worker, CancellationToken stop, Dictionary<Guid, (Guid Family, Guid Jti)> heads)
{
    long done = 0;
    var policy = new SessionPolicy(TimeSpan.FromMinutes(options.AccessMinutes), TimeSpan.FromDays(7), TimeSpan.Zero, 50);
    var mine = Enumerable.Range(worker * options.FamiliesPerWorker, options.FamiliesPerWorker).Select(i => chains[i].UserId).ToArray();
    for (var n = 0; !stop.IsCancellationRequested; n++)
    {
        var user = mine[n % mine.Length];
        var (family, jti) = heads[user];
        var decision = await grains.GetGrain<IUserSessionGrain>(user).RotateAsync(new RotateRequest(Guid.NewGuid(), family, jti, new SessionDevice("127.0.0.1", "bench"), policy));
        if (decision is not SessionDecision.Issued issued) throw new InvalidOperationException($"grain rotation refused: {decision}");
        heads[user] = (family, issued.Tokens.RefreshJti);
        done++;
    }
    return done;
}

async Task<Phase> MeasureAsync(string name, Func<int, CancellationToken, Task<long>> worker)
{
    var cpu = CpuSample.Take(webProcess.Pid, silo.Pid);
    var watch = Stopwatch.StartNew();
    using var stop = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
    stop.CancelAfter(TimeSpan.FromSeconds(options.Seconds));
    phaseEndsAt = Environment.TickCount64 + options.Seconds * 1000L;
    var counts = await Task.WhenAll(Enumerable.Range(0, options.Workers).Select(w => worker(w, stop.Token)));
    var elapsed = watch.Elapsed;
    // A phase cut short by the hard limit measured nothing: fail loudly rather than print a zero as a figure.
    if (deadline.IsCancellationRequested)
        throw new TimeoutException($"bench/refresh: the hard limit ({options.HardLimit.TotalSeconds:F0} s) passed during '{name}' ({elapsed.TotalSeconds:F0} s into it)");
    if (elapsed > TimeSpan.FromSeconds(options.Seconds * 3))
        Console.WriteLine($"  note: '{name}' took {elapsed.TotalSeconds:F0} s for a {options.Seconds} s phase (its workers noticed the end late; per-second figures divide by the real elapsed time)");
    var ops = counts.Sum();
    return new Phase(name, ops, elapsed, CpuSample.Take(webProcess.Pid, silo.Pid) - cpu);
}

// Warm up both paths (JIT, connection pools, grain activations, PostgreSQL caches).
await MeasureAsync("warm-up", SignWorkerAsync);
await MeasureAsync("warm-up", RefreshWorkerAsync);

var baseline = new List<Phase>();
var single = new List<Phase>();
var refresh = new List<Phase>();
for (var run = 1; run <= options.Runs; run++)
{
    // Alternate the order so drift on a shared machine does not favour one side: the refresh phase sits between the
    // two baselines, first before them, then after them.
    if (run % 2 == 1)
    {
        baseline.Add(await MeasureAsync("sign 2 tokens (RS256)", SignWorkerAsync));
        refresh.Add(await MeasureAsync("refresh over HTTP", RefreshWorkerAsync));
        single.Add(await MeasureAsync("sign 1 token (RS256)", SignOneWorkerAsync));
    }
    else
    {
        single.Add(await MeasureAsync("sign 1 token (RS256)", SignOneWorkerAsync));
        refresh.Add(await MeasureAsync("refresh over HTTP", RefreshWorkerAsync));
        baseline.Add(await MeasureAsync("sign 2 tokens (RS256)", SignWorkerAsync));
    }
    Console.WriteLine($"run {run}: 2 signs {baseline[^1].PerSecond,8:F0}/s   1 sign {single[^1].PerSecond,8:F0}/s   refresh {refresh[^1].PerSecond,8:F0}/s   " +
        $"ratio {refresh[^1].PerSecond / baseline[^1].PerSecond:F3}   ratio_single_sign {refresh[^1].PerSecond / single[^1].PerSecond:F3}");
}

// Where the time goes: an authenticated read (verify + grain calls, no signing), the same rotations without HTTP and
// signing (grain + PostgreSQL only), and HTTP alone.
var me = await MeasureAsync("GET /users/me (verify + 2 grain reads)", MeWorkerAsync);
var heads = new Dictionary<Guid, (Guid Family, Guid Jti)>();
foreach (var chain in chains)
{
    var jwt = new JsonWebToken(chain.Refresh);
    heads[chain.UserId] = (Guid.Parse(jwt.GetPayloadValue<string>("fid")), Guid.Parse(jwt.Id));
}
var grainOnly = await MeasureAsync("rotation grain call (no HTTP, no signing)", (w, s) => GrainWorkerAsync(w, s, heads));
var httpOnly = await MeasureAsync("GET /health over HTTP", HealthWorkerAsync);

double Median(IEnumerable<double> values)
{
    var sorted = values.OrderBy(v => v).ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}
var baselineMedian = Median(baseline.Select(p => p.PerSecond));
var refreshMedian = Median(refresh.Select(p => p.PerSecond));
var singleMedian = Median(single.Select(p => p.PerSecond));
var ratio = refreshMedian / baselineMedian;
var ratioSingle = refreshMedian / singleMedian;

Console.WriteLine();
Console.WriteLine($"median of {options.Runs} runs, {options.Workers} concurrent, {options.Seconds}s each:");
Console.WriteLine($"  baseline (sign access + refresh, RS256, same key)   {baselineMedian,8:F0} pairs/s");
Console.WriteLine($"  baseline (sign one access token, RS256, same key)   {singleMedian,8:F0} signatures/s");
Console.WriteLine($"  refresh over HTTP (rotation persisted)              {refreshMedian,8:F0} refreshes/s");
Console.WriteLine($"  ratio to 2 signatures                               {ratio,8:F3}   (ceiling 1.0: the baseline signs both tokens a refresh returns)");
Console.WriteLine($"  ratio_single_sign (to 1 RS256 signature)            {ratioSingle,8:F3}   (goal >= 0.5: all but the access token's signature costs no more than it)");
// On a machine shared with other work, wall-clock ratios drift with whoever else runs (the refresh path spreads over
// four processes, the baseline over one). CPU per operation does not depend on that share.
var mid = (Baseline: Middle(baseline), Refresh: Middle(refresh));
var cpuRatio = mid.Baseline.PerOp(mid.Baseline.Cpu.Driver) / mid.Refresh.PerOp(mid.Refresh.Cpu.Web + mid.Refresh.Cpu.Silo + mid.Refresh.Cpu.Postgres + mid.Refresh.Cpu.Driver);
Console.WriteLine($"  ratio by CPU time per operation                     {cpuRatio,8:F3}   (baseline CPU per op / web+silo+postgres+driver CPU per refresh)");
// CPU per refresh next to the RSA signature's: the service side (web + silo + PostgreSQL) of one refresh, and the
// CPU of one RS256 signature in this process (the single-sign baseline's driver CPU per signature).
var midSingle = Middle(single);
var rsaUs = midSingle.PerOp(midSingle.Cpu.Driver) * 1000;
var serviceUs = mid.Refresh.PerOp(mid.Refresh.Cpu.Web + mid.Refresh.Cpu.Silo + mid.Refresh.Cpu.Postgres) * 1000;
var webSiloUs = mid.Refresh.PerOp(mid.Refresh.Cpu.Web + mid.Refresh.Cpu.Silo) * 1000;
var pgBackendUs = mid.Refresh.PerOp(mid.Refresh.Cpu.PostgresBackends) * 1000;
var cpuRatioSingle = rsaUs / (mid.Refresh.PerOp(mid.Refresh.Cpu.Web + mid.Refresh.Cpu.Silo + mid.Refresh.Cpu.Postgres + mid.Refresh.Cpu.Driver) * 1000);
Console.WriteLine($"  CPU per refresh: web+silo {webSiloUs,7:F0} us, +postgres {serviceUs,7:F0} us;  one RS256 signature {rsaUs,6:F0} us  (by CPU: ratio_single_sign {cpuRatioSingle:F3})");
Console.WriteLine($"  PostgreSQL backends of this bench's database alone: {pgBackendUs,7:F0} us per refresh (the rest of 'postgres' is shared background work and other databases)");
Console.WriteLine($"  load average at the end: {File.ReadAllText("/proc/loadavg").Split(' ')[0]} on {Environment.ProcessorCount} cores");
Console.WriteLine();
Console.WriteLine("where the time goes (CPU milliseconds per operation, median-run phases; 'other' is PostgreSQL, Redis and anything else on the machine):");
Console.WriteLine($"  {"phase",-44} {"ops/s",8} {"web",7} {"silo",7} {"postgres",9} {"pg(db)",7} {"driver",7} {"other",7} {"total",7}");
foreach (var phase in new[] { Middle(baseline), midSingle, Middle(refresh), grainOnly, me, httpOnly })
    Console.WriteLine($"  {phase.Name,-44} {phase.PerSecond,8:F0} {phase.PerOp(phase.Cpu.Web),7:F2} {phase.PerOp(phase.Cpu.Silo),7:F2} {phase.PerOp(phase.Cpu.Postgres),9:F2} {phase.PerOp(phase.Cpu.PostgresBackends),7:F2} {phase.PerOp(phase.Cpu.Driver),7:F2} {phase.PerOp(phase.Cpu.Other),7:F2} {phase.PerOp(phase.Cpu.Total),7:F2}");
Console.WriteLine();
Console.WriteLine($"RESULT refresh_per_second={refreshMedian.ToString("F0", inv)} baseline_per_second={baselineMedian.ToString("F0", inv)} ratio={ratio.ToString("F3", inv)} cpu_ratio={cpuRatio.ToString("F3", inv)} " +
    $"single_sign_per_second={singleMedian.ToString("F0", inv)} ratio_single_sign={ratioSingle.ToString("F3", inv)} cpu_ratio_single_sign={cpuRatioSingle.ToString("F3", inv)} " +
    $"cpu_us_per_refresh={webSiloUs.ToString("F0", inv)} cpu_us_per_refresh_with_postgres={serviceUs.ToString("F0", inv)} rsa_sign_cpu_us={rsaUs.ToString("F0", inv)} pg_backend_us_per_refresh={pgBackendUs.ToString("F0", inv)} " +
    $"runs={options.Runs} workers={options.Workers} seconds={options.Seconds}");
return 0;

Phase Middle(List<Phase> phases) => phases.OrderBy(p => p.PerSecond).ElementAt(phases.Count / 2);

static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
