using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Sentinel.Grains.AuthCodes;
using Sentinel.Grains.Directory;
using Sentinel.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Sentinel.Integration.Tests.Cluster;

/// <summary>
/// Issue 15 end to end: <c>make cluster</c>'s script (one silo, one web, the local proxy; Web with <c>BEHIND_PROXY=true</c>,
/// <c>TRUSTED_PROXY_COUNT=1</c> as the script sets them). A person connects to the proxy from 127.0.0.7, while the proxy
/// reaches Web from 127.0.0.1: the sessions list must show 127.0.0.7, the address the proxy wrote into
/// <c>X-Forwarded-For</c>, not the proxy's own, and not what the person wrote into the header themselves.
/// </summary>
public sealed class ProxyClientAddressTests(ITestOutputHelper output)
{
    private static readonly IPAddress Person = IPAddress.Parse("127.0.0.7");
    private const string Spoofed = "198.51.100.66";

    [Theory]
    [InlineData("caddy")]
    [InlineData("nginx")]
    public async Task the_sessions_list_shows_the_address_the_proxy_forwarded_not_the_proxy(string proxy)
    {
        var script = new ClusterScript(output, proxy, silos: 1, webs: 1);
        try
        {
            var start = await script.RunAsync("start", TimeSpan.FromSeconds(120));
            Assert.True(start.ExitCode == 0, $"cluster.sh start exited {start.ExitCode}:\n{start.Output}\n{script.Logs()}");

            // A user with a workspace, and a code as /auth/callback would issue it, straight into the cluster's grains.
            await using var orleans = await OrleansTestClient.ConnectAsync(script.ClusterId, TimeSpan.FromSeconds(60));
            var email = $"proxied-{Guid.NewGuid():N}@example.com";
            var user = await orleans.Client.GetGrain<IUserGrain>(Guid.NewGuid()).CreateAsync(email, "Proxied Person", null, false);
            Assert.True(user.IsOk, user.Error.ToString());
            var workspace = await orleans.Client.GetGrain<IWorkspaceGrain>(Guid.NewGuid())
                .CreateAsync("Proxied", $"proxied-{Guid.NewGuid().ToString("N")[..10]}", null, user.Value!.Id);
            Assert.True(workspace.IsOk, workspace.Error.ToString());
            var verifier = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
            var code = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
            var challenge = WebEncoders.Base64UrlEncode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
            Assert.True(await orleans.Client.GetGrain<IAuthCodeGrain>(AuthCodeKeys.For(code))
                .IssueAsync(new AuthCodeGrant(user.Value.Id, "dex", null, null, challenge, "S256", DateTimeOffset.UtcNow.AddMinutes(5))));

            using var http = FromAddress(Person, script.Front);
            http.DefaultRequestHeaders.TryAddWithoutValidation("X-Forwarded-For", Spoofed);
            using var token = await http.PostAsJsonAsync("/auth/token", new { code, workspace_id = workspace.Value!.Id, code_verifier = verifier });
            var tokenText = await token.Content.ReadAsStringAsync();
            Assert.True(token.StatusCode == HttpStatusCode.OK, $"{(int)token.StatusCode}: {tokenText}");
            var access = JsonDocument.Parse(tokenText).RootElement.GetProperty("access_token").GetString();

            using var request = new HttpRequestMessage(HttpMethod.Get, "/users/me/sessions");
            request.Headers.Authorization = new("Bearer", access);
            using var sessions = await http.SendAsync(request);
            var text = await sessions.Content.ReadAsStringAsync();
            Assert.True(sessions.StatusCode == HttpStatusCode.OK, $"{(int)sessions.StatusCode}: {text}");
            var session = Assert.Single(JsonDocument.Parse(text).RootElement.GetProperty("sessions").EnumerateArray());
            Assert.Equal(Person.ToString(), session.GetProperty("ip").GetString());
        }
        finally
        {
            var stop = await script.RunAsync("stop", TimeSpan.FromSeconds(75));
            Assert.True(stop.ExitCode == 0, $"cluster.sh stop exited {stop.ExitCode}:\n{stop.Output}");
            script.Dispose();
        }
    }

    /// <summary>A client whose connections leave from <paramref name="local"/>, a loopback address other than the proxy's.</summary>
    private static HttpClient FromAddress(IPAddress local, Uri front) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(local, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    {
        BaseAddress = front,
        Timeout = TimeSpan.FromSeconds(20),
    };
}

/// <summary><c>scripts/cluster.sh</c> with a run directory, a cluster id and a block of loopback ports of its own.</summary>
internal sealed class ClusterScript(ITestOutputHelper output, string proxy, int silos, int webs) : IDisposable
{
    private readonly string runDir = Directory.CreateTempSubdirectory("sentinel-cluster-test-").FullName;
    private readonly int front = PickFreeBlock();

    public string ClusterId { get; } = TestEnvironment.NewClusterId("proxyaddr");

    public Uri Front => new($"http://127.0.0.1:{front}");

    private Dictionary<string, string> Environment() => new()
    {
        ["SILOS"] = Str(silos),
        ["WEB"] = Str(webs),
        ["CLUSTER_PROXY"] = proxy,
        ["CLUSTER_ID"] = ClusterId,
        ["SERVICE_ID"] = "sentinel-test",
        ["CLUSTER_FRONT_PORT"] = Str(front),
        ["CLUSTER_WEB_BASE_PORT"] = Str(front + 3),
        ["CLUSTER_SILO_BASE_PORT"] = Str(front + 50),
        ["CLUSTER_GATEWAY_BASE_PORT"] = Str(front + 60),
        ["CLUSTER_DASHBOARD_PORT"] = "0",
        ["CLUSTER_RUN_DIR"] = runDir,
        ["CLUSTER_BUILD"] = "0", // make test has built this configuration already
        ["CLUSTER_CONFIGURATION"] = TestEnvironment.Configuration,
        ["CLUSTER_DATABASE_URL"] = TestEnvironment.DatabaseUrl,
        ["CLUSTER_READY_SECS"] = "60",
        // A provider for the codes the test issues (/auth/token checks it is configured); its metadata is never fetched.
        ["DEX_CLIENT_ID"] = "sentinel-test",
        ["DEX_CLIENT_SECRET"] = "sentinel-test-secret",
        ["DEX_SERVER_METADATA_URL"] = "http://127.0.0.1:9/.well-known/openid-configuration",
    };

    public async Task<(int ExitCode, string Output)> RunAsync(string verb, TimeSpan timeout)
    {
        var info = new ProcessStartInfo("bash", [Path.Combine(TestEnvironment.RepoRoot, "scripts", "cluster.sh"), verb])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = TestEnvironment.RepoRoot,
        };
        foreach (var (key, value) in Environment()) info.Environment[key] = value;
        var text = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (text) text.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (text) text.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            lock (text) text.AppendLine($"(cluster.sh {verb} killed after {timeout.TotalSeconds}s)");
        }
        string result;
        lock (text) result = text.ToString();
        output.WriteLine($"$ cluster.sh {verb}\n{result}");
        return (process.ExitCode, result);
    }

    public string Logs() => string.Join("\n", Directory.GetFiles(runDir, "*.log").Select(f =>
        $"===== {Path.GetFileName(f)} =====\n{string.Join("\n", File.ReadLines(f).Where(l => !l.Contains("gateway", StringComparison.OrdinalIgnoreCase)).TakeLast(30))}"));

    public void Dispose()
    {
        try { Directory.Delete(runDir, recursive: true); }
        catch (IOException) { }
    }

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A block of loopback ports below the ephemeral range (front, webs from +3, silos from +50, gateways from +60), all free now.</summary>
    private static int PickFreeBlock()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var block = 20_000 + Random.Shared.Next(0, 120) * 100;
            int[] all = [block, block + 3, block + 4, block + 13, block + 14, block + 50, block + 51, block + 60, block + 61];
            if (all.All(p => !TestEnvironment.IsListening(p))) return block;
        }
        throw new InvalidOperationException("No free block of loopback ports found in 20000-31999.");
    }
}
