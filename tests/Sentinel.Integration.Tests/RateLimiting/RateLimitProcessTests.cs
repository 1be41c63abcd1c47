using System.Diagnostics;
using System.Net;
using Npgsql;
using Sentinel.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Sentinel.Integration.Tests.RateLimiting;

/// <summary>The limiter across real silo and web processes, on the real PostgreSQL and Redis.</summary>
public sealed class RateLimitProcessTests(ITestOutputHelper output)
{
    /// <summary>A fresh IPv6 /64 per test (documentation range), so runs and tests never share a bucket or a row.</summary>
    private static (string Address, string Key) NewClient()
    {
        var a = Random.Shared.Next(1, 0xffff);
        var b = Random.Shared.Next(1, 0xffff);
        return ($"2001:db8:{a:x}:{b:x}::{Random.Shared.Next(1, 0xffff):x}", $"ip6:2001:db8:{a:x}:{b:x}::/64");
    }

    private static HttpRequestMessage Get(string path, string forwardedFor)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "192.0.2.99, " + forwardedFor);
        return request;
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient http, string path, string forwardedFor)
    {
        using var response = await http.SendAsync(Get(path, forwardedFor));
        return response.StatusCode;
    }

    private static async Task WaitReadyAsync(ClusterHarness cluster, HttpClient http) =>
        await ClusterHarness.WaitUntilAsync(
            () => ClusterHarness.IsStatusAsync(http, new Uri("/health/ready", UriKind.Relative), HttpStatusCode.OK),
            TimeSpan.FromSeconds(90), "web ready through the cluster", cluster.AllOutput);

    private static async Task<int> StoredRowsAsync(IReadOnlyCollection<string> keys)
    {
        await using var db = NpgsqlDataSource.Create(TestConnection.ConnectionString());
        // Principals stored: a row of their own (user, family), or, for IP and service principals, windows in their shard's
        // row named "<principal>\u001f<bucket>" (System.Text.Json writes the separator as \u001F).
        await using var cmd = db.CreateCommand(
            "SELECT count(*) FROM unnest($1::text[]) AS k(key) WHERE EXISTS (SELECT 1 FROM orleans_storage s " +
            "WHERE s.service_id = 'sentinel-test' AND s.grain_type_string = 'ratelimit' AND (s.grain_id_extension_string = k.key " +
            "OR strpos(lower(convert_from(s.payload_binary, 'UTF8')), lower('\"' || k.key || '\\u001f')) > 0))");
        cmd.Parameters.Add(new NpgsqlParameter { Value = keys.ToArray() });
        return Convert.ToInt32(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task two_web_processes_sharing_one_limit_admit_exactly_the_limit_in_total()
    {
        await using var cluster = new ClusterHarness("rl-exact");
        cluster.StartSilo("silo-1");
        // 60/hour: 60 back to back, then none for an hour. Two processes share it through the one grain of the client.
        var tiers = new Dictionary<string, string> { ["BEHIND_PROXY"] = "true", ["RATE_LIMIT_DEFAULT"] = "60/hour" };
        var (_, api1) = cluster.StartWeb("web-1", tiers);
        var (_, api2) = cluster.StartWeb("web-2", tiers);
        using var http1 = new HttpClient { BaseAddress = api1, Timeout = TimeSpan.FromSeconds(30) };
        using var http2 = new HttpClient { BaseAddress = api2, Timeout = TimeSpan.FromSeconds(30) };
        await WaitReadyAsync(cluster, http1);
        await WaitReadyAsync(cluster, http2);

        var (client, _) = NewClient();
        var watch = Stopwatch.StartNew();
        var statuses = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => StatusAsync(i % 2 == 0 ? http1 : http2, "/scanner/probe-" + i, client)));
        var elapsed = watch.Elapsed;

        var admitted = statuses.Count(s => s == HttpStatusCode.NotFound);
        var limited = statuses.Count(s => s == HttpStatusCode.TooManyRequests);
        output.WriteLine($"admitted {admitted}, limited {limited} of 200 over {elapsed.TotalSeconds:F1}s through two web processes");
        Assert.Equal(200, admitted + limited);
        // N back to back from idle, never more within the period (the test takes seconds, the window is an hour).
        Assert.Equal(60, admitted);
    }

    [Fact]
    public async Task two_web_processes_leasing_the_service_tier_admit_at_most_n_plus_n_over_10_in_total()
    {
        // 1000/hour is leased (N ≥ 1,000): each replica spends slices of 10 held in its own memory, refilled from the one
        // shard. The bound: at most N + N/10 in any window of one period across replicas (the test takes seconds, the
        // window is an hour), and from idle at most one unspent slice per replica refused early.
        await TestDatabase.EnsureMigratedAsync();
        await using var cluster = new ClusterHarness("rl-lease");
        cluster.StartSilo("silo-1");
        var tiers = new Dictionary<string, string> { ["BEHIND_PROXY"] = "true", ["RATE_LIMIT_SERVICE"] = "1000/hour" };
        var (_, api1) = cluster.StartWeb("web-1", tiers);
        var (_, api2) = cluster.StartWeb("web-2", tiers);
        using var http1 = new HttpClient { BaseAddress = api1, Timeout = TimeSpan.FromSeconds(30) };
        using var http2 = new HttpClient { BaseAddress = api2, Timeout = TimeSpan.FromSeconds(30) };
        await WaitReadyAsync(cluster, http1);
        await WaitReadyAsync(cluster, http2);
        await using var orleans = await OrleansTestClient.ConnectAsync(cluster.ClusterId, TimeSpan.FromSeconds(60));
        var service = $"svc-{Guid.NewGuid():N}"[..16];
        var app = await orleans.Client.GetGrain<Sentinel.Grains.ServiceApps.IServiceAppGrain>(Guid.NewGuid()).CreateAsync("Lease", service, [], [], null);
        Assert.True(app.IsOk, app.Error.ToString());
        var key = app.Value!.ApiKey;

        async Task<HttpStatusCode> ServiceCallAsync(HttpClient http, int i)
        {
            using var request = Get("/scanner/lease-" + i, NewClient().Address);
            request.Headers.Add("X-Service-Key", key);
            using var response = await http.SendAsync(request);
            return response.StatusCode;
        }

        // 16 callers, alternating replicas, 1500 calls: half again the limit.
        var next = -1;
        var statuses = new System.Collections.Concurrent.ConcurrentBag<HttpStatusCode>();
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async worker =>
        {
            for (int i; (i = Interlocked.Increment(ref next)) < 1500;)
                statuses.Add(await ServiceCallAsync(worker % 2 == 0 ? http1 : http2, i));
        }));
        var admitted = statuses.Count(s => s == HttpStatusCode.NotFound);
        var limited = statuses.Count(s => s == HttpStatusCode.TooManyRequests);
        output.WriteLine($"admitted {admitted}, limited {limited} of 1500 over {watch.Elapsed.TotalSeconds:F1}s through two web processes leasing 1000/hour");
        Assert.Equal(1500, admitted + limited);
        Assert.InRange(admitted, 1000 - 2 * 10, 1000 + 1000 / 10);
    }

    [Fact]
    public async Task limits_survive_a_silo_restart_within_the_write_behind_bound()
    {
        await using var cluster = new ClusterHarness("rl-restart");
        var endpoints = new ClusterHarness.SiloEndpoints(TestEnvironment.FreePort(), TestEnvironment.FreePort());
        var silo = cluster.StartSilo("silo-1", endpoints);
        // 10/hour: ten back to back, then none until they leave the window. Failing closed makes "no silo" visible as 503.
        var tiers = new Dictionary<string, string> { ["BEHIND_PROXY"] = "true", ["RATE_LIMIT_DEFAULT"] = "10/hour", ["RATE_LIMIT_FAIL_OPEN"] = "false" };
        var (_, api1) = cluster.StartWeb("web-1", tiers);
        using var http1 = new HttpClient { BaseAddress = api1, Timeout = TimeSpan.FromSeconds(30) };
        await WaitReadyAsync(cluster, http1);

        var (client, key) = NewClient();
        for (var i = 0; i < 10; i++) Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(http1, "/x", client));
        Assert.Equal(HttpStatusCode.TooManyRequests, await StatusAsync(http1, "/x", client));

        var written = await ClusterHarness.WaitUntilAsync(async () => await StoredRowsAsync([key]) == 1, TimeSpan.FromSeconds(15), "the window written behind", cluster.AllOutput);
        output.WriteLine($"written behind after {written.TotalSeconds:F1}s");

        silo.Kill();
        cluster.StartSilo("silo-2", endpoints);
        // A second web process: the first one remembers the refusal itself and would not ask the restarted silo.
        var (_, api2) = cluster.StartWeb("web-2", tiers);
        using var http2 = new HttpClient { BaseAddress = api2, Timeout = TimeSpan.FromSeconds(30) };
        var after = HttpStatusCode.ServiceUnavailable;
        await ClusterHarness.WaitUntilAsync(async () => (after = await StatusAsync(http2, "/x", client)) != HttpStatusCode.ServiceUnavailable,
            TimeSpan.FromSeconds(90), "the restarted silo answering", cluster.AllOutput);

        Assert.Equal(HttpStatusCode.TooManyRequests, after);
        var more = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => StatusAsync(http2, "/x", client)));
        Assert.All(more, s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
    }

    [Fact]
    public async Task many_distinct_ips_leave_no_rows_once_idle()
    {
        await using var cluster = new ClusterHarness("rl-rows");
        cluster.StartSilo("silo-1");
        // 10/minute: two requests are 12 s' worth of the rate (stored); they leave the window 60 to 62 s later.
        var (_, api) = cluster.StartWeb("web-1", new Dictionary<string, string> { ["BEHIND_PROXY"] = "true", ["RATE_LIMIT_DEFAULT"] = "10/minute" });
        using var http = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromSeconds(30) };
        await WaitReadyAsync(cluster, http);

        var clients = Enumerable.Range(0, 100).Select(_ => NewClient()).ToArray();
        var keys = clients.Select(c => c.Key).ToArray();
        foreach (var (address, _) in clients)
        {
            Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(http, "/a", address));
            Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(http, "/b", address));
        }

        var stored = await ClusterHarness.WaitUntilAsync(async () => await StoredRowsAsync(keys) == keys.Length, TimeSpan.FromSeconds(15), "every window written", cluster.AllOutput);
        var gone = await ClusterHarness.WaitUntilAsync(async () => await StoredRowsAsync(keys) == 0, TimeSpan.FromSeconds(100), "every row deleted once idle", cluster.AllOutput);
        output.WriteLine($"100 rows stored after {stored.TotalSeconds:F1}s, all deleted {gone.TotalSeconds:F1}s later");
        Assert.Equal(0, await StoredRowsAsync(keys));
    }

    [Fact]
    public async Task without_a_silo_the_limiter_fails_open_by_default_and_closed_when_configured()
    {
        await using var cluster = new ClusterHarness("rl-nosilo");
        var (_, openApi) = cluster.StartWeb("web-open", new Dictionary<string, string> { ["BEHIND_PROXY"] = "true" });
        var (_, closedApi) = cluster.StartWeb("web-closed", new Dictionary<string, string> { ["BEHIND_PROXY"] = "true", ["RATE_LIMIT_FAIL_OPEN"] = "false" });
        using var open = new HttpClient { BaseAddress = openApi, Timeout = TimeSpan.FromSeconds(30) };
        using var closed = new HttpClient { BaseAddress = closedApi, Timeout = TimeSpan.FromSeconds(30) };
        await ClusterHarness.WaitUntilAsync(() => ClusterHarness.IsStatusAsync(open, new Uri("/health", UriKind.Relative), HttpStatusCode.OK), TimeSpan.FromSeconds(30), "web-open /health", cluster.AllOutput);
        await ClusterHarness.WaitUntilAsync(() => ClusterHarness.IsStatusAsync(closed, new Uri("/health", UriKind.Relative), HttpStatusCode.OK), TimeSpan.FromSeconds(30), "web-closed /health", cluster.AllOutput);

        var (client, _) = NewClient();
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(open, "/x", client));
        using var refused = await closed.SendAsync(Get("/x", client));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(5), refused.Headers.RetryAfter?.Delta);
        Assert.Contains("\"code\":\"cluster_unavailable\"", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
