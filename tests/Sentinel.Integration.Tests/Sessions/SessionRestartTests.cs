using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Sentinel.Grains.AuthCodes;
using Sentinel.Grains.Directory;
using Sentinel.Integration.Tests.SignIn;
using Sentinel.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Sentinel.Integration.Tests.Sessions;

/// <summary>Sessions are durable before they are acknowledged (DESIGN.md): a silo killed and restarted loses none.</summary>
public sealed class SessionRestartTests(ITestOutputHelper output)
{
    [Fact, Trait("Category", "Race")]
    public async Task a_session_survives_a_silo_restart_refresh_works_after_it_and_reuse_is_still_detected()
    {
        await using var cluster = new ClusterHarness("sess-restart");
        await TestDatabase.EnsureMigratedAsync();
        var endpoints = new ClusterHarness.SiloEndpoints(TestEnvironment.FreePort(), TestEnvironment.FreePort());
        var silo = cluster.StartSilo("silo-1", endpoints);
        var port = TestEnvironment.FreePort();
        var web = new Uri($"http://127.0.0.1:{port}");
        cluster.StartWeb("web", new Dictionary<string, string>
        {
            ["SERVICE_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["BASE_URL"] = web.ToString().TrimEnd('/'),
            // The code below is issued as a dex sign-in would; the provider itself is never contacted.
            ["DEX_CLIENT_ID"] = "unused",
            ["DEX_CLIENT_SECRET"] = "unused",
            ["DEX_SERVER_METADATA_URL"] = "http://127.0.0.1:9/.well-known/openid-configuration",
        });
        using var http = new HttpClient { BaseAddress = web, Timeout = TimeSpan.FromSeconds(30) };
        await ClusterHarness.WaitUntilAsync(() => ClusterHarness.IsStatusAsync(http, new Uri("/health/ready", UriKind.Relative), HttpStatusCode.OK),
            TimeSpan.FromSeconds(120), "web ready", cluster.AllOutput);

        (string Access, string Refresh) first;
        await using (var client = await OrleansTestClient.ConnectAsync(cluster.ClusterId, TimeSpan.FromSeconds(60)))
        {
            var userId = Guid.NewGuid();
            var user = await client.Client.GetGrain<IUserGrain>(userId).CreateAsync($"restart-{Guid.NewGuid():N}@example.com", "Restart", null, false);
            Assert.True(user.IsOk);
            var workspaceId = Guid.NewGuid();
            Assert.True((await client.Client.GetGrain<IWorkspaceGrain>(workspaceId).CreateAsync("Restart", $"restart-{Guid.NewGuid():N}"[..30], null, userId)).IsOk);
            var verifier = Flow.NewVerifier();
            var code = Flow.NewVerifier();
            Assert.True(await client.Client.GetGrain<IAuthCodeGrain>(AuthCodeKeys.For(code))
                .IssueAsync(new AuthCodeGrant(userId, "dex", null, null, Flow.ChallengeOf(verifier), "S256", DateTimeOffset.UtcNow.AddMinutes(5))));
            using var token = await http.PostAsJsonAsync("/auth/token", new { code, workspace_id = workspaceId, code_verifier = verifier });
            first = await Flow.PairAsync(token);
        }
        using var rotated = await Flow.RefreshAsync(http, web, first.Refresh);
        var second = await Flow.PairAsync(rotated);

        silo.Kill();
        cluster.StartSilo("silo-2", endpoints);
        var recovery = await ClusterHarness.WaitUntilAsync(async () =>
        {
            // Ready, and the session grain answers: a probe on an unrelated route, so the token under test is not spent.
            using var me = await Flow.BearerAsync(http, HttpMethod.Get, new Uri(web, "/users/me"), second.Access);
            return me.StatusCode == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(120), "session grain answering after the restart", cluster.AllOutput);
        output.WriteLine($"the session grain answered {recovery.TotalSeconds:F1}s after the silo was killed and restarted");

        using var afterRestart = await Flow.RefreshAsync(http, web, second.Refresh);
        var third = await Flow.PairAsync(afterRestart);
        using var reuse = await Flow.RefreshAsync(http, web, second.Refresh);
        Assert.Equal(HttpStatusCode.Unauthorized, reuse.StatusCode);
        using var revoked = await Flow.RefreshAsync(http, web, third.Refresh);
        Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
        using var stale = await Flow.RefreshAsync(http, web, first.Refresh);
        Assert.Equal(HttpStatusCode.Unauthorized, stale.StatusCode);
    }
}
