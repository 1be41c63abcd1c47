using System.Diagnostics;
using System.Globalization;
using System.Net;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Integration.Tests.Cluster;

/// <summary>
/// The local cluster's proxy (Caddy, <c>scripts/cluster-proxy/Caddyfile</c>, as <c>make cluster</c> and <c>make
/// drills</c> run it) logs an error with the request's headers when no replica answers. Credentials in those headers
/// must not reach its log. Both upstreams are ports nobody listens on, so every request fails at the proxy.
/// </summary>
public sealed class ProxyLogTests : IDisposable
{
    private readonly DirectoryInfo run = Directory.CreateTempSubdirectory("sentinel-proxy-log-");

    [Fact]
    public async Task the_proxy_logs_a_failed_request_without_its_service_key_tokens_or_cookies()
    {
        // Caddy from the system's packages, installed by the cluster script if missing; its path is the script's whole stdout.
        var caddy = await TestEnvironment.ProxyPathAsync("caddy");
        var front = TestEnvironment.FreePort();
        var template = await File.ReadAllTextAsync(Path.Combine(TestEnvironment.RepoRoot, "scripts", "cluster-proxy", "Caddyfile"));
        var config = Path.Combine(run.FullName, "Caddyfile");
        await File.WriteAllTextAsync(config, template
            .Replace("@FRONT_PORT@", front.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("@RUN@", run.FullName, StringComparison.Ordinal)
            .Replace("@UPSTREAMS@", $"127.0.0.1:{TestEnvironment.FreePort()} 127.0.0.1:{TestEnvironment.FreePort()}", StringComparison.Ordinal));

        var start = new ProcessStartInfo(caddy, ["run", "--config", config, "--adapter", "caddyfile"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var dir in new[] { "XDG_CONFIG_HOME", "XDG_DATA_HOME", "HOME" }) start.Environment[dir] = run.FullName;
        using var proxy = Process.Start(start)!;
        var stdout = proxy.StandardOutput.ReadToEndAsync();
        var stderr = proxy.StandardError.ReadToEndAsync();
        var secrets = new[] { $"sk_{Guid.NewGuid():N}", $"authz.{Guid.NewGuid():N}", $"bearer.{Guid.NewGuid():N}", $"cookie{Guid.NewGuid():N}" };
        try
        {
            await ClusterHarness.WaitUntilAsync(() => Task.FromResult(TestEnvironment.IsListening(front)), TimeSpan.FromSeconds(20), "caddy listening", () => "");
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
            using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{front}/permissions/check")
            {
                Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("X-Service-Key", secrets[0]);
            request.Headers.Add("X-Authz-Token", secrets[1]);
            request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {secrets[2]}");
            request.Headers.Add("Cookie", $"admin_token={secrets[3]}");
            using var response = await http.SendAsync(request);
            Assert.True(response.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable, $"got {(int)response.StatusCode}");
        }
        finally
        {
            proxy.Kill();
            await proxy.WaitForExitAsync();
        }

        var log = await stdout + await stderr;
        // The failure was logged, with the request: the filter removed values, not the entry.
        Assert.Contains("/permissions/check", log, StringComparison.Ordinal);
        Assert.Contains("\"X-Service-Key\":\"REDACTED\"", log, StringComparison.Ordinal);
        foreach (var secret in secrets) Assert.DoesNotContain(secret, log, StringComparison.Ordinal);
    }

    public void Dispose() => run.Delete(recursive: true);
}
