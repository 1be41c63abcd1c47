using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Sentinel.Bench.Drills;

/// <summary>Command-line options, with the defaults <c>make drills</c> uses.</summary>
internal sealed record DrillOptions(Uri Front, string ClusterId, string ServiceId, IReadOnlyList<string> Drills, string? Report, string Script,
    int Families, int RateLimitUsers, int Checkers, int ReuseProbes, int RefreshWorkers, int RefreshPauseMs, int RateLimitPauseMs,
    int CheckPauseMs, int ProbePauseMs, int WarmupMs, int SettleMs, TimeSpan DrillDeadline, TimeSpan ActionDeadline, string Machine)
{
    public static DrillOptions Parse(string[] args)
    {
        string? Str(string name)
        {
            var i = Array.IndexOf(args, "--" + name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }
        int Int(string name, int fallback) => Str(name) is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : fallback;
        var drills = (Str("drills") ?? "kill-silo,rolling-restart,kill-web,backup-restore,redis-restart,pg-restart")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new DrillOptions(
            new Uri(Str("front") ?? throw new ArgumentException("--front URL is required")),
            Str("cluster-id") ?? throw new ArgumentException("--cluster-id is required"),
            Str("service-id") ?? "sentinel",
            drills,
            Str("report"),
            Str("script") ?? "scripts/drills.sh",
            Families: Int("families", 60),
            RateLimitUsers: Int("rate-limit-users", 3),
            Checkers: Int("checkers", 3),
            ReuseProbes: Int("reuse-probes", 4),
            RefreshWorkers: Int("refresh-workers", 4),
            RefreshPauseMs: Int("refresh-pause-ms", 200),
            RateLimitPauseMs: Int("rate-limit-pause-ms", 400),
            CheckPauseMs: Int("check-pause-ms", 250),
            ProbePauseMs: Int("probe-pause-ms", 500),
            WarmupMs: Int("warmup-ms", 5000),
            SettleMs: Int("settle-ms", 8000),
            DrillDeadline: TimeSpan.FromSeconds(Int("drill-deadline-secs", 420)),
            ActionDeadline: TimeSpan.FromSeconds(Int("action-deadline-secs", 300)),
            Machine: Str("machine") ?? $"{Environment.MachineName}, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
    }
}

/// <summary>Refuses anything but loopback: the drills never touch a remote system.</summary>
internal static class Loopback
{
    public static void Require(string name, string url)
    {
        var host = new Uri(url.Replace("postgresql+asyncpg://", "postgresql://", StringComparison.Ordinal)).Host;
        if (host is not ("127.0.0.1" or "localhost" or "::1" or "[::1]"))
            throw new InvalidOperationException($"{name} must point at loopback for the drills (host is {host}).");
    }
}

/// <summary>What the load saw during one drill.</summary>
internal sealed record LoadSummary(long Requests, long Failures, long FiveXx, long NoResponse, long WrongOks, IReadOnlyList<string> WrongOkKinds,
    double? FirstFailure, double? LastFailure, double LongestGap, string GapKind, IReadOnlyDictionary<string, long> FailuresByKind)
{
    /// <summary>From sending the first failed request to the answer of the last, in seconds; 0 when nothing failed.</summary>
    public double ErrorWindow => FirstFailure is { } f && LastFailure is { } l ? l - f : 0;
}

/// <summary>
/// Counts and times every request of the load. "Failure": a 5xx, no response, or an answer that is neither right nor a
/// wrong 200 (a wrong deny, an unexpected 4xx). "Wrong 200": an auth request that succeeded when it must not.
/// </summary>
internal sealed class Recorder
{
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly ConcurrentDictionary<string, long> failuresByKind = new();
    private readonly ConcurrentDictionary<string, (double Last, double MaxGap)> correct = new();
    private readonly ConcurrentBag<string> wrong = [];
    private readonly object gate = new();
    private long requests, failures, fiveXx, noResponse;
    private double? firstFailure, lastFailure;
    private double actionAt = -1, actionDoneAt = -1;

    /// <summary>The steady load; probes run in bursts (a few reuse families per drill), so their gaps say nothing.</summary>
    private static readonly string[] LoadKinds = ["refresh", "read", "perm"];

    public double Now => clock.Elapsed.TotalSeconds;
    public double Started => 0;

    public void MarkAction() => actionAt = Now;
    public void MarkActionDone() => actionDoneAt = Now;

    public async Task<(int Status, JsonDocument? Json, HttpResponseHeaders? Headers)> SendAsync(HttpClient http, string kind, HttpMethod method,
        string path, object? body, string? bearer, string? serviceKey, string? idempotencyKey = null)
    {
        Interlocked.Increment(ref requests);
        var sentAt = Now - Math.Max(actionAt, 0);
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = JsonContent.Create(body);
        if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        if (serviceKey is not null) request.Headers.Add("X-Service-Key", serviceKey);
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        try
        {
            using var response = await http.SendAsync(request);
            var status = (int)response.StatusCode;
            if (status >= 500)
            {
                Interlocked.Increment(ref fiveXx);
                FailedRequestSent(sentAt);
            }
            JsonDocument? json = null;
            if (status == 200)
            {
                var text = await response.Content.ReadAsStringAsync();
                try { json = JsonDocument.Parse(text); } catch (JsonException) { }
            }
            return (status, json, response.Headers);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            Interlocked.Increment(ref noResponse);
            FailedRequestSent(sentAt);
            return (-1, null, null);
        }
    }

    /// <summary>A request that got a 5xx or no answer was sent at <paramref name="at"/>: the error window opens there.</summary>
    private void FailedRequestSent(double at)
    {
        lock (gate) firstFailure = firstFailure is { } f ? Math.Min(f, at) : at;
    }

    public void Correct(string kind)
    {
        var now = Now;
        correct.AddOrUpdate(kind, _ => (now, 0), (_, v) => (now, Math.Max(v.MaxGap, now - v.Last)));
    }

    public void Failure(string kind, int status)
    {
        Interlocked.Increment(ref failures);
        failuresByKind.AddOrUpdate($"{kind}:{(status == -1 ? "no-response" : status.ToString(CultureInfo.InvariantCulture))}", 1, (_, n) => n + 1);
        var at = Now - Math.Max(actionAt, 0);
        lock (gate)
        {
            firstFailure = firstFailure is { } f ? Math.Min(f, at) : at;
            lastFailure = lastFailure is { } l ? Math.Max(l, at) : at;
        }
    }

    public void WrongOk(string what)
    {
        wrong.Add(what);
        Console.WriteLine($"  WRONG 200: {what}");
    }

    public LoadSummary Summary()
    {
        // The longest time a kind of request went without a right answer (closing each kind's gap at the end).
        var now = Now;
        var (gapKind, gap) = correct.Where(kv => LoadKinds.Contains(kv.Key)).Select(kv => (kv.Key, Math.Max(kv.Value.MaxGap, now - kv.Value.Last)))
            .DefaultIfEmpty(("none", 0)).MaxBy(x => x.Item2);
        return new LoadSummary(requests, failures, fiveXx, noResponse, wrong.Count, wrong.Distinct().ToArray(), firstFailure, lastFailure,
            gap, gapKind, new Dictionary<string, long>(failuresByKind));
    }
}

/// <summary>The drill's action: <c>bash scripts/drills.sh action NAME</c>, bounded.</summary>
internal sealed record ActionResult(bool Ok, double Seconds, string Note);

internal static class Actions
{
    public static async Task<ActionResult> RunAsync(string name, DrillOptions options, Session? subject, CancellationToken token)
    {
        var start = Stopwatch.StartNew();
        var info = new ProcessStartInfo("bash", [options.Script, "action", name]) { RedirectStandardOutput = true, RedirectStandardError = true };
        // The backup drill checks that this user and this family are in the restored copy, and refreshes this token there.
        if (subject is not null)
        {
            info.Environment["DRILL_USER_ID"] = subject.UserId.ToString();
            info.Environment["DRILL_FAMILY_ID"] = Jwt.Claim(subject.Refresh, "fid") ?? "";
            info.Environment["DRILL_REFRESH_TOKEN"] = subject.Refresh;
        }
        using var process = Process.Start(info)!;
        var notes = new ConcurrentQueue<string>();
        void Line(string? line)
        {
            if (line is null) return;
            Console.WriteLine($"  [{name}] {line}");
            if (line.StartsWith("note: ", StringComparison.Ordinal)) notes.Enqueue(line[6..]);
        }
        process.OutputDataReceived += (_, e) => Line(e.Data);
        process.ErrorDataReceived += (_, e) => Line(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(token);
        deadline.CancelAfter(options.ActionDeadline);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return new ActionResult(false, start.Elapsed.TotalSeconds, $"action timed out after {options.ActionDeadline.TotalSeconds:F0}s");
        }
        process.WaitForExit();
        var note = string.Join("; ", notes);
        return new ActionResult(process.ExitCode == 0, start.Elapsed.TotalSeconds, process.ExitCode == 0 ? note : $"action failed ({process.ExitCode}) {note}".Trim());
    }
}

internal static class Jwt
{
    public static string? Claim(string jwt, string name)
    {
        var parts = jwt.Split('.');
        if (parts.Length < 2) return null;
        var payload = parts[1].Replace('-', '+').Replace('_', '/');
        payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
        using var doc = JsonDocument.Parse(Convert.FromBase64String(payload));
        return doc.RootElement.TryGetProperty(name, out var v) ? v.ToString() : null;
    }
}

/// <summary>
/// Per rate-limit probe user: requests admitted during the drill against the documented bound. The sliding window of a
/// tier of N per period W (from the response's <c>RateLimit-Policy</c>) admits at most N in any W seconds, so at most
/// N × ⌈D/W⌉ over D seconds; a silo crash may hand back up to N per bucket once (what was admitted since the last
/// write, docs/rate-limiting.md "State written behind"), so the bound is N × ⌈D/W⌉ + N.
/// </summary>
internal sealed record RateLimitCheck(int MaxAdmitted, int NoLossBound, int Bound, string Policy, long Refused)
{
    /// <summary>Within the bound, and the probes were actually refused (else the bound was never tested).</summary>
    public bool Ok => Policy != "" && MaxAdmitted <= Bound && Refused > 0;

    public override string ToString() => Policy == "" ? "n/a" : $"{MaxAdmitted} ≤ {Bound}{(MaxAdmitted > NoLossBound ? " (+handed back)" : "")}, {Refused}×429";
}

internal static partial class RateLimitBound
{
    public static RateLimitCheck Check(ConcurrentDictionary<Guid, List<double>> admitted, ConcurrentDictionary<Guid, string> policies, double start, double end, long refused)
    {
        int max = 0, noLoss = 0, bound = 0;
        var shown = "";
        foreach (var (user, times) in admitted)
        {
            if (!policies.TryGetValue(user, out var policy)) continue;
            var (n, w, name) = Parse(policy);
            if (n <= 0) continue;
            var span = end - start;
            var count = times.Count;
            var noLossBound = n * (int)Math.Ceiling(span / w);
            if (count > max || shown == "")
            {
                max = Math.Max(max, count);
                noLoss = noLossBound;
                bound = noLossBound + n;
                shown = $"{name} {n}/{w}s";
            }
        }
        return new RateLimitCheck(max, noLoss, bound, shown, refused);
    }

    /// <summary>The most restrictive entry of <c>"aggregate";q=300;w=60, "read";q=60;w=60</c>.</summary>
    private static (int N, int W, string Name) Parse(string policy)
    {
        var best = (N: 0, W: 0, Name: "");
        foreach (Match m in Entry().Matches(policy))
        {
            var n = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            var w = int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
            if (best.N == 0 || (double)n / w < (double)best.N / best.W) best = (n, w, m.Groups[1].Value);
        }
        return best;
    }

    [GeneratedRegex("\"([a-z_]+)\";q=(\\d+);w=(\\d+)")]
    private static partial Regex Entry();
}

internal sealed record DrillResult(string Name, ActionResult Action, LoadSummary Load, int Verified, int Lost, int Ambiguous, RateLimitCheck Limit, long VerifyFailures)
{
    /// <summary>0 wrong 200s, 0 lost sessions, rate limits within the bound, the action done; a rolling restart with 0 failed requests.</summary>
    public bool HardPass => Load.WrongOks == 0 && Lost == 0 && Limit.Ok && Action.Ok && (Name != "rolling-restart" || Load.Failures == 0);

    public string Line() => $"{Name}: {(HardPass ? "PASS" : "FAIL")} requests {Load.Requests}, failed {Load.Failures} (5xx {Load.FiveXx}, no response " +
        $"{Load.NoResponse}), error window {Load.ErrorWindow:F1}s, longest gap {Load.LongestGap:F1}s ({Load.GapKind}), wrong 200s {Load.WrongOks}, " +
        $"families verified {Verified} lost {Lost}, rate limit {Limit}, action {Action.Seconds:F0}s {Action.Note}" +
        (Load.FailuresByKind.Count > 0 ? $"; failures: {string.Join(", ", Load.FailuresByKind.OrderBy(k => k.Key).Select(k => $"{k.Key}={k.Value}"))}" : "");
}

internal static class Report
{
    public static string Table(IReadOnlyList<DrillResult> results, DrillOptions options)
    {
        var inv = CultureInfo.InvariantCulture;
        var b = new StringBuilder();
        b.AppendLine(inv, $"# Failure drills, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        b.AppendLine();
        b.AppendLine(inv, $"Machine: {options.Machine}. Cluster: 3 silos, 2 web, local proxy at {options.Front}.");
        b.AppendLine();
        b.AppendLine("| Drill | Result | Requests | Failed | 5xx | No response | Error window | Longest gap | Wrong 200s | Families verified / lost | Rate limit (admitted ≤ bound) | Action | Notes |");
        b.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---|");
        foreach (var r in results)
        {
            var failures = string.Join(", ", r.Load.FailuresByKind.OrderBy(k => k.Key).Select(k => $"{k.Key}={k.Value}"));
            var notes = string.Join("; ", new[] { r.Action.Note, failures == "" ? "" : "failed: " + failures, r.Ambiguous > 0 ? $"{r.Ambiguous} families retried after 5xx/no response" : "" }
                .Where(s => s != ""));
            var goal = r.Name == "kill-silo" ? (r.Load.ErrorWindow <= 5 ? " (goal ≤ 5 s: met)" : " (goal ≤ 5 s: MISSED)") : "";
            b.AppendLine(inv, $"| {r.Name} | {(r.HardPass ? "pass" : "**FAIL**")} | {r.Load.Requests} | {r.Load.Failures} | {r.Load.FiveXx} | {r.Load.NoResponse} | " +
                $"{r.Load.ErrorWindow:F1} s{goal} | {r.Load.LongestGap:F1} s ({r.Load.GapKind}) | {r.Load.WrongOks} | {r.Verified} / {r.Lost} | {r.Limit} | " +
                $"{r.Action.Seconds:F0} s | {notes.Replace("|", "/", StringComparison.Ordinal)} |");
        }
        b.AppendLine();
        b.AppendLine(results.All(r => r.HardPass)
            ? "Hard requirements (0 wrong 200s, 0 lost sessions, rate limits within bound, rolling restart with 0 failed requests): **met**."
            : "Hard requirements (0 wrong 200s, 0 lost sessions, rate limits within bound, rolling restart with 0 failed requests): **NOT met**.");
        return b.ToString();
    }
}
