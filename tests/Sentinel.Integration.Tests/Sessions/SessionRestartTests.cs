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

/// <summary>One silo (fixed ports, so each restart takes its place) and one web process, shared by the rounds.</summary>
public sealed class RestartCluster : IAsyncLifetime
{
    public ClusterHarness Harness { get; } = new("sess-restart");
    public ClusterHarness.SiloEndpoints Endpoints { get; } = new(TestEnvironment.FreePort(), TestEnvironment.FreePort());
    public SentinelProcess Silo { get; set; } = null!;
    public Uri Web { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await TestDatabase.EnsureMigratedAsync();
        Silo = Harness.StartSilo("silo-0", Endpoints);
        var port = TestEnvironment.FreePort();
        Web = new Uri($"http://127.0.0.1:{port}");
        Harness.StartWeb("web", new Dictionary<string, string>
        {
            ["SERVICE_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["BASE_URL"] = Web.ToString().TrimEnd('/'),
            // Codes are issued as a dex sign-in would; the provider itself is never contacted.
            ["DEX_CLIENT_ID"] = "unused",
            ["DEX_CLIENT_SECRET"] = "unused",
            ["DEX_SERVER_METADATA_URL"] = "http://127.0.0.1:9/.well-known/openid-configuration",
        });
        Http = new HttpClient { BaseAddress = Web, Timeout = TimeSpan.FromSeconds(30) };
        await ClusterHarness.WaitUntilAsync(() => ClusterHarness.IsStatusAsync(Http, new Uri("/health/ready", UriKind.Relative), HttpStatusCode.OK),
            TimeSpan.FromSeconds(120), "web ready", Harness.AllOutput);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Harness.DisposeAsync();
    }
}

/// <summary>
/// Sessions are durable before they are acknowledged (DESIGN.md): a silo killed (SIGKILL) and restarted loses none.
/// Each round kills the only silo and starts a new one in its place; <c>make stress</c> runs 100 rounds.
/// </summary>
[Trait("Category", "Race")]
public sealed class SessionRestartTests(RestartCluster c, ITestOutputHelper output) : IClassFixture<RestartCluster>
{
    public static TheoryData<int> Rounds() => TestEnvironment.RaceRoundData();

    [Theory]
    [MemberData(nameof(Rounds))]
    public async Task a_session_survives_a_silo_restart_refresh_works_after_it_and_reuse_is_still_detected(int round)
    {
        var (rotatedOnce, untouched) = await SignInTwiceAsync();
        using var rotated = await Flow.RefreshAsync(c.Http, c.Web, rotatedOnce.Refresh);
        var second = await Flow.PairAsync(rotated);

        c.Silo.Kill();
        c.Silo = c.Harness.StartSilo($"silo-{round}", c.Endpoints);
        var recovery = await ClusterHarness.WaitUntilAsync(async () =>
        {
            // Ready, and the session grain answers: a probe on an unrelated route, so the token under test is not spent.
            using var me = await Flow.BearerAsync(c.Http, HttpMethod.Get, new Uri(c.Web, "/users/me"), second.Access);
            return me.StatusCode == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(120), "session grain answering after the restart", c.Harness.AllOutput);
        output.WriteLine($"round {round}: the session grain answered {recovery.TotalSeconds:F1}s after the silo was killed and restarted");

        // The rotated family: its current token refreshes once; the token it replaced is reuse and revokes the family.
        using var afterRestart = await Flow.RefreshAsync(c.Http, c.Web, second.Refresh);
        var third = await Flow.PairAsync(afterRestart);
        using var reuse = await Flow.RefreshAsync(c.Http, c.Web, second.Refresh);
        Assert.Equal(HttpStatusCode.Unauthorized, reuse.StatusCode);
        using var revoked = await Flow.RefreshAsync(c.Http, c.Web, third.Refresh);
        Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
        using var stale = await Flow.RefreshAsync(c.Http, c.Web, rotatedOnce.Refresh);
        Assert.Equal(HttpStatusCode.Unauthorized, stale.StatusCode);

        // The other family, never rotated before the crash, is untouched by the first one's revocation and refreshes.
        using var other = await Flow.RefreshAsync(c.Http, c.Web, untouched.Refresh);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    private async Task<((string Access, string Refresh) First, (string Access, string Refresh) Second)> SignInTwiceAsync()
    {
        await using var client = await OrleansTestClient.ConnectAsync(c.Harness.ClusterId, TimeSpan.FromSeconds(60));
        var userId = Guid.NewGuid();
        Assert.True((await client.Client.GetGrain<IUserGrain>(userId).CreateAsync($"restart-{Guid.NewGuid():N}@example.com", "Restart", null, false)).IsOk);
        var workspaceId = Guid.NewGuid();
        Assert.True((await client.Client.GetGrain<IWorkspaceGrain>(workspaceId).CreateAsync("Restart", $"restart-{Guid.NewGuid():N}"[..30], null, userId)).IsOk);
        return (await SignInAsync(), await SignInAsync());

        async Task<(string Access, string Refresh)> SignInAsync()
        {
            var verifier = Flow.NewVerifier();
            var code = Flow.NewVerifier();
            Assert.True(await client.Client.GetGrain<IAuthCodeGrain>(AuthCodeKeys.For(code))
                .IssueAsync(new AuthCodeGrant(userId, "dex", null, null, Flow.ChallengeOf(verifier), "S256", DateTimeOffset.UtcNow.AddMinutes(5))));
            using var token = await c.Http.PostAsJsonAsync("/auth/token", new { code, workspace_id = workspaceId, code_verifier = verifier });
            return await Flow.PairAsync(token);
        }
    }
}
