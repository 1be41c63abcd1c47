// bench/drills: the load driver of `make drills` (scripts/drills.sh). Seeds users, sessions, a service key and ACLs into
// a running local cluster (scripts/cluster.sh) through its Orleans client, then for each drill: mixed load through the
// proxy (refresh chains, rate-limited reads, permission checks, deliberate negative probes), the drill's action
// (`bash scripts/drills.sh action NAME`) in the middle of it, and afterwards the checks: every live family refreshes
// exactly once, no wrong 200, rate limits within the documented bound. Prints and writes the summary table; exits 1
// when a hard requirement fails. Loopback only, each drill bounded. See docs/operations.md, "Failure drills".
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Sentinel.Bench.Drills;
using Sentinel.Grains.AuthCodes;
using Sentinel.Grains.Authorization;
using Sentinel.Grains.Directory;
using Sentinel.Grains.ServiceApps;
using Sentinel.Testing;

var options = DrillOptions.Parse(args);
var inv = CultureInfo.InvariantCulture;
Loopback.Require("--front", options.Front.ToString());
Loopback.Require("REDIS_URL", TestEnvironment.RedisUrl);

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = TimeSpan.FromSeconds(30) })
{
    BaseAddress = options.Front,
    Timeout = TimeSpan.FromSeconds(30),
};
await using var orleans = await OrleansTestClient.ConnectAsync(options.ClusterId, TimeSpan.FromSeconds(60), options.ServiceId);
var grains = orleans.Client;
var seeder = new Seeder(grains, http);
var setup = Stopwatch.StartNew();
await seeder.InitAsync();

// Live families: the sessions every drill must keep. One user each, so their session grains spread over the silos.
var live = await seeder.SignInManyAsync(options.Families, "live");
// Rate-limit probes: users whose /users/me (read tier) is driven above its limit.
var limited = await seeder.SignInManyAsync(options.RateLimitUsers, "rl");
// Permission checks: a private resource per checker; each checker asks for its own (allowed) and the next one's (denied).
var checkers = await seeder.SignInManyAsync(options.Checkers, "perm");
var resources = new List<Guid>();
foreach (var c in checkers) resources.Add(await seeder.RegisterPrivateResourceAsync(c.UserId));
// Revoked probes: signed in, then logged out (every family revoked, the access token denied).
var revoked = await seeder.SignInManyAsync(3, "revoked");
foreach (var r in revoked)
{
    using var request = new HttpRequestMessage(HttpMethod.Post, "/auth/logout");
    request.Headers.Authorization = new("Bearer", r.Access);
    using var response = await http.SendAsync(request);
    if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"logout answered {(int)response.StatusCode}");
}
Console.WriteLine($"setup: {live.Count} live families, {limited.Count} rate-limit probes, {checkers.Count} permission checkers, " +
    $"{revoked.Count} revoked sessions in {setup.Elapsed.TotalSeconds:F1}s");

var results = new List<DrillResult>();
foreach (var drill in options.Drills)
{
    // Fresh families each drill for the reuse probe: presenting a rotated token revokes its family by design.
    var reuse = await seeder.SignInManyAsync(options.ReuseProbes, $"reuse-{drill}");
    // The backup drill's subject: a session that the load leaves alone, so the token in the dump is still its current one.
    var subject = drill == "backup-restore" ? (await seeder.SignInManyAsync(1, "backup"))[0] : null;
    var result = await RunDrillAsync(drill, reuse, subject);
    results.Add(result);
    Console.WriteLine(result.Line());
}

var table = Report.Table(results, options);
Console.WriteLine();
Console.WriteLine(table);
if (options.Report is { } path)
{
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    await File.WriteAllTextAsync(path, table);
}
return results.All(r => r.HardPass) ? 0 : 1;

async Task<DrillResult> RunDrillAsync(string name, List<Session> reuse, Session? subject)
{
    var rec = new Recorder();
    using var stop = new CancellationTokenSource();
    var hard = new CancellationTokenSource(options.DrillDeadline);
    var workers = new List<Task>();
    var dead = new ConcurrentDictionary<Guid, string>();
    var ambiguous = new ConcurrentDictionary<Guid, bool>();

    // Refresh chains: families take turns, paced so each stays well under its refresh tier (30/minute).
    var queue = new ConcurrentQueue<Session>(live.Where(f => !dead.ContainsKey(f.FamilyKey)));
    for (var w = 0; w < options.RefreshWorkers; w++)
    {
        workers.Add(Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (!queue.TryDequeue(out var family)) { await Task.Delay(100); continue; }
                var outcome = await RefreshAsync(family, rec, hard.Token, ambiguous);
                if (outcome == RefreshOutcome.Lost) dead[family.FamilyKey] = "lost during drill";
                else queue.Enqueue(family);
                await Task.Delay(options.RefreshPauseMs);
            }
        }));
    }
    // Rate-limited reads: each probe user asks faster than its read tier admits; admitted ones are counted.
    var admitted = new ConcurrentDictionary<Guid, List<double>>();
    long refused = 0;
    var policies = new ConcurrentDictionary<Guid, string>();
    foreach (var user in limited)
    {
        admitted[user.UserId] = [];
        workers.Add(Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var (status, _, headers) = await rec.SendAsync(http, "read", HttpMethod.Get, "/users/me", null, user.Access, null);
                // A 429 names the policy too: a probe whose window was already full when the drill began (the drills
                // follow each other within a minute) may see no 200 at all, and its bound is still checked.
                if (headers?.TryGetValues("RateLimit-Policy", out var p) == true) policies[user.UserId] = string.Join(",", p);
                if (status == 200)
                {
                    lock (admitted[user.UserId]) admitted[user.UserId].Add(rec.Now);
                    rec.Correct("read");
                }
                else if (status == 429)
                {
                    rec.Correct("read");
                    Interlocked.Increment(ref refused);
                }
                else rec.Failure("read", status);
                await Task.Delay(options.RateLimitPauseMs);
            }
        }));
    }
    // Permission checks with a service key and a user token: own resource allowed, the next checker's denied.
    for (var i = 0; i < checkers.Count; i++)
    {
        var me = checkers[i];
        var mine = resources[i];
        var other = resources[(i + 1) % resources.Count];
        workers.Add(Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var body = new
                {
                    checks = new[]
                    {
                        new { service_name = Seeder.Service, resource_type = "doc", resource_id = mine.ToString(), action = "view" },
                        new { service_name = Seeder.Service, resource_type = "doc", resource_id = other.ToString(), action = "view" },
                    },
                };
                var (status, json, _) = await rec.SendAsync(http, "perm", HttpMethod.Post, "/permissions/check", body, me.Access, seeder.ServiceKey);
                if (status == 200 && json is { } doc)
                {
                    var answers = doc.RootElement.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("allowed").GetBoolean()).ToArray();
                    if (answers.Length != 2) rec.Failure("perm", -2);
                    else if (answers[1]) rec.WrongOk("perm: a denied resource answered allowed");
                    else if (!answers[0]) rec.Failure("perm", -3); // a wrong deny: fail closed, but still an error
                    else rec.Correct("perm");
                }
                else rec.Failure("perm", status);
                await Task.Delay(options.CheckPauseMs);
            }
        }));
    }
    // Negative probes: rotated refresh tokens presented again, revoked access and refresh tokens. Each must be 401.
    var spent = new ConcurrentBag<string>(revoked.Select(r => r.Refresh));
    workers.Add(Task.Run(async () =>
    {
        var pending = new Queue<Session>(reuse);
        var round = 0;
        while (!stop.IsCancellationRequested)
        {
            if (pending.TryDequeue(out var family))
            {
                var old = family.Refresh;
                if (await RefreshAsync(family, rec, hard.Token, null) == RefreshOutcome.Ok)
                {
                    await ExpectUnauthorizedAsync(rec, "reuse", "/auth/refresh", new { refresh_token = old }, null, "reuse: a rotated refresh token accepted");
                    // Reuse revokes the family: its newest token must be refused too.
                    await ExpectUnauthorizedAsync(rec, "reuse", "/auth/refresh", new { refresh_token = family.Refresh }, null, "reuse: a token of a revoked family accepted");
                    spent.Add(old);
                    spent.Add(family.Refresh);
                }
            }
            var r = revoked[round++ % revoked.Count];
            await ExpectUnauthorizedAsync(rec, "revoked", "/users/me", null, r.Access, "revoked: a logged-out access token accepted");
            var tokens = spent.ToArray();
            await ExpectUnauthorizedAsync(rec, "revoked", "/auth/refresh", new { refresh_token = tokens[Random.Shared.Next(tokens.Length)] }, null,
                "revoked: a revoked refresh token accepted");
            await Task.Delay(options.ProbePauseMs);
        }
    }));

    await Task.Delay(options.WarmupMs);
    rec.MarkAction();
    var action = await Actions.RunAsync(name, options, subject, hard.Token);
    rec.MarkActionDone();
    await Task.Delay(options.SettleMs);
    var loadEnd = rec.Now;
    stop.Cancel();
    try { await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30)); }
    catch (Exception ex) { Console.WriteLine($"  {name}: a load worker ended with {ex.GetType().Name}: {ex.Message}"); }

    // After the drill: every live family refreshes exactly once, first try, no failure injected any more.
    var verify = new Recorder();
    var verified = 0;
    foreach (var family in live.Where(f => !dead.ContainsKey(f.FamilyKey)))
    {
        var (status, json, _) = await verify.SendAsync(http, "verify", HttpMethod.Post, "/auth/refresh", new { refresh_token = family.Refresh }, null, null);
        if (status == 200 && json is { } doc)
        {
            family.Refresh = doc.RootElement.GetProperty("refresh_token").GetString()!;
            family.Access = doc.RootElement.GetProperty("access_token").GetString()!;
            verified++;
        }
        else dead[family.FamilyKey] = $"verification answered {status}";
    }
    foreach (var (id, why) in dead) Console.WriteLine($"  {name}: family {id} lost ({why}{(ambiguous.ContainsKey(id) ? ", after an ambiguous failure" : "")})");
    // Keep only families still alive for the next drills; the lost ones are reported once, here.
    live.RemoveAll(f => dead.ContainsKey(f.FamilyKey));

    var limit = RateLimitBound.Check(admitted, policies, rec.Started, loadEnd, Interlocked.Read(ref refused));
    return new DrillResult(name, action, rec.Summary(), verified, dead.Count, ambiguous.Count, limit, verify.Summary().Failures);
}

async Task<RefreshOutcome> RefreshAsync(Session family, Recorder rec, CancellationToken deadline, ConcurrentDictionary<Guid, bool>? ambiguous)
{
    // The client's rule: after no response, or a 5xx (no token delivered), send the SAME token with the SAME
    // Idempotency-Key again, until it answers 200 (the family lives) or 401 (lost), or the drill's deadline. A 429
    // waits its Retry-After. The key lets a retry through another replica collect a rotation whose reply was lost.
    var idempotencyKey = Guid.NewGuid().ToString();
    while (!deadline.IsCancellationRequested)
    {
        var (status, json, headers) = await rec.SendAsync(http, "refresh", HttpMethod.Post, "/auth/refresh", new { refresh_token = family.Refresh }, null, null, idempotencyKey);
        if (status == 200 && json is { } doc)
        {
            family.Refresh = doc.RootElement.GetProperty("refresh_token").GetString()!;
            family.Access = doc.RootElement.GetProperty("access_token").GetString()!;
            rec.Correct("refresh");
            return RefreshOutcome.Ok;
        }
        if (status == 401)
        {
            rec.Failure("refresh", status);
            return RefreshOutcome.Lost;
        }
        if (status == 429)
        {
            rec.Correct("refresh");
            await Task.Delay(TimeSpan.FromSeconds(headers?.RetryAfter?.Delta?.TotalSeconds ?? 1), CancellationToken.None);
            continue;
        }
        rec.Failure("refresh", status);
        ambiguous?.TryAdd(family.FamilyKey, true);
        await Task.Delay(250, CancellationToken.None);
    }
    return RefreshOutcome.Pending;
}

async Task ExpectUnauthorizedAsync(Recorder rec, string kind, string path, object? body, string? bearer, string wrong)
{
    var (status, _, _) = await rec.SendAsync(http, kind, body is null ? HttpMethod.Get : HttpMethod.Post, path, body, bearer, null);
    // Refused is right: 401, or a 429 from the revoked token's own bucket (the limiter runs before the revocation check).
    if (status is 401 or 429) rec.Correct(kind);
    else if (status == 200) rec.WrongOk(wrong);
    else rec.Failure(kind, status);
}

namespace Sentinel.Bench.Drills
{
    internal enum RefreshOutcome { Ok, Lost, Pending }

    /// <summary>One signed-in session: its user, its family's latest tokens.</summary>
    internal sealed class Session(Guid userId, string access, string refresh)
    {
        public Guid UserId { get; } = userId;
        public string Access { get; set; } = access;
        public string Refresh { get; set; } = refresh;
        /// <summary>One family per user here, so the user id names the family too.</summary>
        public Guid FamilyKey => UserId;
    }

    /// <summary>Seeds through the Orleans client, signs in through the proxy exactly as an app's backend would.</summary>
    internal sealed class Seeder(IClusterClient grains, HttpClient http)
    {
        public const string Service = "drills";
        private Guid ownerId;
        public Guid WorkspaceId { get; private set; }
        public string ServiceKey { get; private set; } = "";

        public async Task InitAsync()
        {
            ownerId = Guid.NewGuid();
            Check((await grains.GetGrain<IUserGrain>(ownerId).CreateAsync($"drills-owner-{ownerId:N}@example.com", "Drills owner", null, false)).IsOk, "owner");
            WorkspaceId = Guid.NewGuid();
            Check((await grains.GetGrain<IWorkspaceGrain>(WorkspaceId).CreateAsync("Drills", $"drills-{WorkspaceId:N}"[..30], null, ownerId)).IsOk, "workspace");
            var app = await grains.GetGrain<IServiceAppGrain>(Guid.NewGuid()).CreateAsync("Drills", Service, [], [], ownerId);
            Check(app.Error is null && app.Value is not null, "service app");
            ServiceKey = app.Value!.ApiKey;
        }

        public async Task<List<Session>> SignInManyAsync(int count, string purpose)
        {
            var sessions = new Session[count];
            using var gate = new SemaphoreSlim(8);
            await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
            {
                await gate.WaitAsync();
                try { sessions[i] = await SignInAsync(purpose); }
                finally { gate.Release(); }
            }));
            return [.. sessions];
        }

        private async Task<Session> SignInAsync(string purpose)
        {
            var userId = Guid.NewGuid();
            Check((await grains.GetGrain<IUserGrain>(userId).CreateAsync($"drills-{purpose}-{userId:N}@example.com", "Drills user", null, false)).IsOk, "user");
            Check((await grains.GetGrain<IWorkspaceGrain>(WorkspaceId).AddMemberAsync(new Actor(ownerId, "owner"), userId, WorkspaceRole.Viewer)).IsOk, "member");
            var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
            var code = Base64Url(RandomNumberGenerator.GetBytes(32));
            // Issued straight into the auth-code grain as a "dex" sign-in would; the provider is never contacted.
            await grains.GetGrain<IAuthCodeGrain>(AuthCodeKeys.For(code)).IssueAsync(new AuthCodeGrant(userId, "dex", null, null,
                Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))), "S256", DateTimeOffset.UtcNow.AddMinutes(5)));
            using var token = await http.PostAsJsonAsync("/auth/token", new { code, workspace_id = WorkspaceId, code_verifier = verifier });
            if (token.StatusCode != HttpStatusCode.OK)
                throw new InvalidOperationException($"/auth/token answered {(int)token.StatusCode}: {await token.Content.ReadAsStringAsync()}");
            var body = await token.Content.ReadFromJsonAsync<JsonElement>();
            return new Session(userId, body.GetProperty("access_token").GetString()!, body.GetProperty("refresh_token").GetString()!);
        }

        public async Task<Guid> RegisterPrivateResourceAsync(Guid owner)
        {
            var id = Guid.NewGuid();
            var result = await grains.GetGrain<IWorkspaceAuthorizationGrain>(WorkspaceId)
                .RegisterResourceAsync(new ResourceRef(Service, "doc", id), owner, AclVisibility.Private);
            Check(result.Error is null, "resource");
            return id;
        }

        private static void Check(bool ok, string what)
        {
            if (!ok) throw new InvalidOperationException($"seeding refused: {what}");
        }

        private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}
