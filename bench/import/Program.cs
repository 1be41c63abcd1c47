// bench/import: CSV user import through the admin API of real silo and web processes (loopback, PostgreSQL, Redis).
//  (1) the one-row-at-a-time path: POST /admin/import/csv/execute (the contract's route: each row commits on its own,
//      through the user and workspace grains) with --one-row-rows rows (default 200; 10,000 would take half an hour);
//  (2) the batched path: POST /admin/import/csv/jobs with --rows rows (default 10,000), then GET the job every 200 ms
//      until it ends; the time is from the upload to the first poll that sees "completed", as the panel would.
// Each row is a new user joining one of --workspaces workspaces. ratio = (one-row seconds per row) / (batched seconds
// per row): how many times faster a row imports on the batched path. CPU per row is web + silo + postgres process time.
// Bounded (--deadline-minutes), stops by itself. See docs/admin-panel.md.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sentinel.Grains.Directory;
using Sentinel.Testing;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
int Int(string name, int fallback, int min, int max)
{
    var v = Value(name) is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : fallback;
    return v >= min && v <= max ? v : throw new ArgumentOutOfRangeException(name, $"{name} must be {min}-{max}");
}
var rows = Int("--rows", 10_000, 100, 50_000);
var oneRowRows = Int("--one-row-rows", 200, 10, 2_000);
var runs = Int("--runs", 3, 1, 10);
var workspaceCount = Int("--workspaces", 10, 1, 100);
using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(Int("--deadline-minutes", 15, 1, 60)));
var ct = deadline.Token;

foreach (var (name, url) in new[] { ("DATABASE_URL", TestEnvironment.DatabaseUrl), ("REDIS_URL", TestEnvironment.RedisUrl) })
{
    var host = new Uri(url.Replace("postgresql+asyncpg://", "postgresql://", StringComparison.Ordinal)).Host;
    if (host is not ("127.0.0.1" or "localhost" or "::1" or "[::1]")) throw new InvalidOperationException($"{name} must point at loopback (host is {host}).");
}
Console.WriteLine($"bench/import: {rows} rows batched x{runs} runs, {oneRowRows} rows one at a time, {workspaceCount} workspaces, " +
    $"{Environment.ProcessorCount} cores, configuration {TestEnvironment.Configuration}");

await TestDatabase.EnsureMigratedAsync();
await using var cluster = new ClusterHarness("bench-import");
var silo = cluster.StartSilo("silo");
var port = TestEnvironment.FreePort();
var api = new Uri($"http://127.0.0.1:{port}");
var (web, _) = cluster.StartWeb("web", new Dictionary<string, string>
{
    ["SERVICE_PORT"] = port.ToString(CultureInfo.InvariantCulture),
    ["Logging__LogLevel__Sentinel"] = "Warning",
});
using var http = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromMinutes(10) };
await ClusterHarness.WaitUntilAsync(() => ClusterHarness.IsStatusAsync(http, new Uri("/health/ready", UriKind.Relative), HttpStatusCode.OK),
    TimeSpan.FromSeconds(180), "web ready", cluster.AllOutput);
await using var orleans = await OrleansTestClient.ConnectAsync(cluster.ClusterId, TimeSpan.FromSeconds(60));
var grains = orleans.Client;

var run = Guid.NewGuid().ToString("N")[..8];
var owner = Guid.NewGuid();
if (!(await grains.GetGrain<IUserGrain>(owner).CreateAsync($"imp-owner-{run}@bench.example", "Bench owner", null, false, ct)).IsOk)
    throw new InvalidOperationException("owner not created");
var slugs = new List<string>();
for (var w = 0; w < workspaceCount; w++)
{
    var slug = $"imp-{run}-{w}";
    if (!(await grains.GetGrain<IWorkspaceGrain>(Guid.NewGuid()).CreateAsync($"Import bench {w}", slug, null, owner, ct)).IsOk)
        throw new InvalidOperationException("workspace not created");
    slugs.Add(slug);
}

// A fresh admin per import: both routes are RATE_LIMIT_SENSITIVE per user.
async Task<string> AdminCookieAsync()
{
    var created = await grains.GetGrain<IUserGrain>(Guid.NewGuid()).CreateAsync($"imp-admin-{Guid.NewGuid():N}@bench.example", "Bench admin", null, true, ct);
    if (!created.IsOk) throw new InvalidOperationException("admin not created");
    return TestTokens.Sign(new JsonObject
    {
        ["iss"] = TestTokens.Issuer,
        ["sub"] = created.Value!.Id.ToString(),
        ["aud"] = "sentinel:admin",
        ["type"] = "admin_access",
        ["jti"] = Guid.NewGuid().ToString(),
        ["admin"] = true,
    }, TimeSpan.FromMinutes(60));
}

string[] roles = ["viewer", "editor", "admin", ""];
byte[] Csv(string tag, int count)
{
    var sb = new StringBuilder("email,name,workspace_slug,role\n");
    for (var i = 0; i < count; i++) sb.Append(CultureInfo.InvariantCulture, $"imp-{run}-{tag}-{i}@bench.example,Imported {tag} {i},{slugs[i % slugs.Count]},{roles[i % roles.Length]}\n");
    return Encoding.UTF8.GetBytes(sb.ToString());
}

async Task<JsonElement> SendAsync(HttpMethod method, string path, string cookie, byte[]? file = null)
{
    using var request = new HttpRequestMessage(method, path);
    request.Headers.Add("Cookie", $"admin_token={cookie}");
    request.Headers.Add("X-Requested-With", "XMLHttpRequest");
    if (file is not null)
    {
        var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(file);
        part.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(part, "file", "users.csv");
        request.Content = form;
    }
    using var response = await http.SendAsync(request, ct);
    var text = await response.Content.ReadAsStringAsync(ct);
    if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {text}");
    return JsonDocument.Parse(text).RootElement.Clone();
}

var cpuNow = () => Cpu.Of(web.Pid) + Cpu.Of(silo.Pid) + Cpu.Postgres();

// (1) Row by row.
var oneCookie = await AdminCookieAsync();
var cpu0 = cpuNow();
var sw = Stopwatch.StartNew();
var one = await SendAsync(HttpMethod.Post, "/admin/import/csv/execute", oneCookie, Csv("one", oneRowRows));
var oneSeconds = sw.Elapsed.TotalSeconds;
var oneCpu = (cpuNow() - cpu0).TotalMilliseconds;
if (one.GetProperty("users_created").GetInt32() != oneRowRows) throw new InvalidOperationException($"one-row path created {one.GetProperty("users_created")} of {oneRowRows}");
var onePerRow = oneSeconds / oneRowRows;
Console.WriteLine($"one row at a time: {oneRowRows} rows in {oneSeconds:F2} s ({oneRowRows / oneSeconds:F1} rows/s, {oneCpu / oneRowRows:F2} ms CPU per row)");

// (2) Batched, --runs times, each with new users.
var times = new List<double>();
var cpus = new List<double>();
for (var r = 0; r < runs; r++)
{
    var cookie = await AdminCookieAsync();
    var file = Csv($"b{r}", rows);
    cpu0 = cpuNow();
    sw.Restart();
    var job = await SendAsync(HttpMethod.Post, "/admin/import/csv/jobs", cookie, file);
    var id = job.GetProperty("job_id").GetString();
    var polls = 0;
    while (!job.GetProperty("done").GetBoolean())
    {
        await Task.Delay(200, ct);
        job = await SendAsync(HttpMethod.Get, $"/admin/import/csv/jobs/{id}", cookie);
        polls++;
    }
    var seconds = sw.Elapsed.TotalSeconds;
    var cpu = (cpuNow() - cpu0).TotalMilliseconds;
    if (job.GetProperty("state").GetString() != "completed" || job.GetProperty("users_created").GetInt32() != rows)
        throw new InvalidOperationException($"batched run {r}: {job}");
    times.Add(seconds);
    cpus.Add(cpu / rows);
    Console.WriteLine($"batched run {r + 1}: {rows} rows in {seconds:F2} s ({rows / seconds:F0} rows/s, {cpu / rows:F3} ms CPU per row, {polls} polls, " +
        $"job's own write rate {job.GetProperty("rows_per_second").GetDouble():F0} rows/s)");
}
var median = times.Order().ElementAt(times.Count / 2);
var cpuMedian = cpus.Order().ElementAt(cpus.Count / 2);
var ratio = onePerRow / (median / rows);
Console.WriteLine($"goal: {rows} rows in <= 20 s: {(median <= 20 ? "met" : "NOT met")} ({median:F2} s median)");
Console.WriteLine($"RESULT bench=import rows={rows} seconds_10k={median.ToString("F2", CultureInfo.InvariantCulture)} ratio={ratio.ToString("F1", CultureInfo.InvariantCulture)} " +
    $"ratio_means=one_row_s_per_row/batched_s_per_row one_row_rows={oneRowRows} one_row_seconds={oneSeconds.ToString("F2", CultureInfo.InvariantCulture)} " +
    $"one_row_rows_per_s={(oneRowRows / oneSeconds).ToString("F1", CultureInfo.InvariantCulture)} batched_rows_per_s={(rows / median).ToString("F0", CultureInfo.InvariantCulture)} " +
    $"cpu_ms_per_row_one={(oneCpu / oneRowRows).ToString("F2", CultureInfo.InvariantCulture)} cpu_ms_per_row_batched={cpuMedian.ToString("F3", CultureInfo.InvariantCulture)} " +
    $"runs={runs} goal_s=20 met={(median <= 20 ? "yes" : "no")}");
return 0;

/// <summary>Process CPU time from /proc (user + system), Linux.</summary>
internal static class Cpu
{
    public static TimeSpan Of(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return TimeSpan.FromSeconds((long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture)) / 100.0);
        }
        catch (IOException)
        {
            return TimeSpan.Zero;
        }
    }

    public static TimeSpan Postgres()
    {
        var total = TimeSpan.Zero;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var pid)) continue;
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "comm")).Trim() == "postgres") total += Of(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
        return total;
    }
}
