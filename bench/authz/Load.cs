using System.Diagnostics;
using System.Net.Http.Headers;

namespace Sentinel.Bench.Authz;

/// <summary>One prepared request: path, body and headers, reused across sends.</summary>
public sealed record PreparedRequest(string Path, byte[] Body, string Key, string Bearer);

/// <summary>What one measurement saw.</summary>
public sealed record LoadResult(double RequestsPerSecond, double P50Ms, double P99Ms, double MaxMs, long Requests, long Errors)
{
    /// <summary>Errors by kind: <c>http_NNN</c> (an answer that is not 2xx), <c>timeout</c> (the client's 10 s),
    /// <c>connection</c>, <c>over_cap</c> (open loop: more than the in-flight cap already waiting, not sent).</summary>
    public IReadOnlyDictionary<string, long> ErrorKinds { get; init; } = new Dictionary<string, long>();

    /// <summary>Open loop: p99 of how late the generator itself sent a request after its scheduled start (already
    /// inside <see cref="P99Ms"/>, which counts from the scheduled start); NaN for the closed loop.</summary>
    public double SendLagP99Ms { get; init; } = double.NaN;

    public override string ToString() => $"{RequestsPerSecond,9:F0} req/s  p50 {P50Ms,6:F2} ms  p99 {P99Ms,6:F2} ms  errors {Errors}"
        + (double.IsNaN(SendLagP99Ms) ? "" : $"  send lag p99 {SendLagP99Ms:F2} ms")
        + (Errors > 0 ? $" ({string.Join(", ", ErrorKinds.Select(k => $"{k.Key} {k.Value}"))})" : "");
}

/// <summary>Closed-loop (fixed concurrency, as fast as it goes) and open-loop (fixed arrival rate) HTTP load, bounded in time and in flight.</summary>
public static class Load
{
    private static readonly bool SpinWhileWaiting = Environment.GetEnvironmentVariable("AUTHZ_BENCH_SPIN") == "1";

    /// <summary>The open loop's generator: <c>thread</c> (default) or <c>pool</c> (the earlier one, to compare).</summary>
    public static readonly string Generator = SpinWhileWaiting || Environment.GetEnvironmentVariable("AUTHZ_BENCH_GENERATOR") == "pool" ? "pool" : "thread";

    public static HttpClient Client(Uri baseAddress, int connections) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = connections,
        PooledConnectionLifetime = TimeSpan.FromMinutes(10),
        UseCookies = false,
        AllowAutoRedirect = false,
    })
    { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) };

    /// <summary><paramref name="concurrency"/> workers send back to back for <paramref name="duration"/>.</summary>
    public static async Task<LoadResult> ClosedLoopAsync(HttpClient client, IReadOnlyList<PreparedRequest> requests, int concurrency, TimeSpan duration, CancellationToken ct)
    {
        var latencies = new List<double>[concurrency];
        long errors = 0;
        var kinds = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
        var watch = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            var mine = latencies[w] = new List<double>(1 << 16);
            var i = w * 7919;
            while (watch.Elapsed < duration && !ct.IsCancellationRequested)
            {
                var request = requests[i++ % requests.Count];
                var start = Stopwatch.GetTimestamp();
                if (await SendAsync(client, request, ct) is { } error)
                {
                    Interlocked.Increment(ref errors);
                    kinds.AddOrUpdate(error, 1, (_, n) => n + 1);
                }
                mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        }, ct)).ToArray();
        await Task.WhenAll(workers);
        var elapsed = watch.Elapsed.TotalSeconds;
        return Summarize(latencies.SelectMany(l => l).ToArray(), elapsed, errors) with { ErrorKinds = kinds };
    }

    /// <summary>
    /// Requests start on a fixed schedule whatever the answers do; latency counts from the scheduled start, so a stall
    /// is charged to every request it delays (no coordinated omission). In flight is capped; over the cap counts as an error.
    /// </summary>
    /// <remarks>
    /// The schedule runs on a thread of its own that sleeps (never spins: a spinning generator takes one of the box's two
    /// cores from the servers it measures) and starts each request itself when it is due. The earlier generator awaited
    /// <c>Task.Delay(1)</c> on the thread pool: each wake-up went through the timer thread and then queued behind the
    /// HTTP completions of the requests in flight, so the generator itself sent late (its send lag p99 was most of what a
    /// server that answers at once showed, see <see cref="NullServer"/>). <c>AUTHZ_BENCH_GENERATOR=pool</c> restores it,
    /// <c>AUTHZ_BENCH_SPIN=1</c> the one before (spins through the last 2 ms), only to compare.
    /// </remarks>
    public static async Task<LoadResult> OpenLoopAsync(HttpClient client, IReadOnlyList<PreparedRequest> requests, int rate, TimeSpan duration, CancellationToken ct, int maxInFlight = 2000, string? generator = null)
    {
        generator ??= Generator;
        var total = (int)(rate * duration.TotalSeconds);
        var latencies = new double[total];
        var pending = new List<Task>(total);
        long errors = 0;
        var kinds = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
        var inFlight = 0;
        var origin = Stopwatch.GetTimestamp();
        var ticksPerRequest = Stopwatch.Frequency / (double)rate;
        var lags = new double[total];

        // Starts request i (already due): counts over-cap, else sends it and records its latency from the due time.
        void Start(int i, long due, bool viaPool)
        {
            lags[i] = (Stopwatch.GetTimestamp() - due) * 1000.0 / Stopwatch.Frequency;
            if (Volatile.Read(ref inFlight) >= maxInFlight)
            {
                Interlocked.Increment(ref errors);
                kinds.AddOrUpdate("over_cap", 1, (_, n) => n + 1);
                latencies[i] = double.NaN;
                return;
            }
            Interlocked.Increment(ref inFlight);
            pending.Add(viaPool ? Task.Run(() => Timed(i, due), ct) : Timed(i, due));
        }
        async Task Timed(int index, long due)
        {
            try
            {
                if (await SendAsync(client, requests[index % requests.Count], ct) is { } error)
                {
                    Interlocked.Increment(ref errors);
                    kinds.AddOrUpdate(error, 1, (_, n) => n + 1);
                }
            }
            finally
            {
                latencies[index] = (Stopwatch.GetTimestamp() - due) * 1000.0 / Stopwatch.Frequency;
                Interlocked.Decrement(ref inFlight);
            }
        }

        if (generator == "thread")
        {
            var scheduled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var thread = new Thread(() =>
            {
                try
                {
                    for (var i = 0; i < total && !ct.IsCancellationRequested; i++)
                    {
                        var due = origin + (long)(i * ticksPerRequest);
                        // Thread.Sleep(1) is a nanosleep: the kernel wakes this thread about 1 ms later, with no timer queue
                        // or thread-pool hop in between. Every request that came due meanwhile leaves at once.
                        while (Stopwatch.GetTimestamp() < due) Thread.Sleep(1);
                        // The request's synchronous part (pool lookup, writing it to the socket) runs here; its answer
                        // continues on the thread pool.
                        Start(i, due, viaPool: false);
                    }
                    scheduled.SetResult();
                }
                catch (Exception ex)
                {
                    scheduled.SetException(ex);
                }
            }) { IsBackground = true, Name = "open-loop generator" };
            thread.Start();
            await scheduled.Task;
        }
        else
        {
            for (var i = 0; i < total && !ct.IsCancellationRequested; i++)
            {
                var due = origin + (long)(i * ticksPerRequest);
                while (Stopwatch.GetTimestamp() < due)
                {
                    if (!SpinWhileWaiting || (due - Stopwatch.GetTimestamp()) * 1000.0 / Stopwatch.Frequency > 2) await Task.Delay(1, ct);
                    else Thread.SpinWait(50);
                }
                // The pool generator's dispatch, as it was: one thread-pool hop per request.
                Start(i, due, viaPool: true);
            }
        }
        await Task.WhenAll(pending);
        var elapsed = (Stopwatch.GetTimestamp() - origin) / (double)Stopwatch.Frequency;
        Array.Sort(lags);
        return Summarize(latencies.Where(l => !double.IsNaN(l)).ToArray(), elapsed, errors) with
        {
            ErrorKinds = kinds,
            SendLagP99Ms = lags.Length == 0 ? double.NaN : lags[Math.Min(lags.Length - 1, (int)Math.Ceiling(0.99 * lags.Length) - 1)],
        };
    }

    /// <summary>Null when answered 2xx, else the error's kind.</summary>
    private static async Task<string?> SendAsync(HttpClient client, PreparedRequest prepared, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, prepared.Path) { Content = new ByteArrayContent(prepared.Body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-Service-Key", prepared.Key);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", prepared.Bearer);
        try
        {
            using var response = await client.SendAsync(request, ct);
            await response.Content.ReadAsByteArrayAsync(ct);
            return response.IsSuccessStatusCode ? null : $"http_{(int)response.StatusCode}";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return ex is TaskCanceledException ? "timeout" : "connection";
        }
    }

    public static LoadResult Summarize(double[] latencies, double seconds, long errors)
    {
        Array.Sort(latencies);
        double Percentile(double p) => latencies.Length == 0 ? double.NaN : latencies[Math.Min(latencies.Length - 1, (int)Math.Ceiling(p * latencies.Length) - 1)];
        return new LoadResult(latencies.Length / seconds, Percentile(0.50), Percentile(0.99), latencies.Length == 0 ? double.NaN : latencies[^1], latencies.Length, errors);
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
