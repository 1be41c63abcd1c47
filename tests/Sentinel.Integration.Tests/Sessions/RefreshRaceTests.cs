using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Sentinel.Grains.AuthCodes;
using Sentinel.Grains.Directory;
using Sentinel.Integration.Tests.SignIn;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Integration.Tests.Sessions;

/// <summary>
/// One silo and two web replicas, without an identity provider: codes are issued into the auth-code grain as the
/// callback would, so <c>make stress</c> can repeat the race cheaply. The full sign-in leg is covered in
/// <see cref="SignInEndToEndTests"/>.
/// </summary>
public sealed class RefreshCluster : IAsyncLifetime
{
    public ClusterHarness Harness { get; } = new("refresh-race");
    public Uri[] Webs { get; private set; } = [];
    public OrleansTestClient Orleans { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await TestDatabase.EnsureMigratedAsync();
        Harness.StartSilo("silo");
        var ports = new[] { TestEnvironment.FreePort(), TestEnvironment.FreePort() };
        var baseUrl = $"http://127.0.0.1:{ports[0]}";
        Webs = ports.Select((port, i) =>
        {
            Harness.StartWeb($"web-{i}", new Dictionary<string, string>
            {
                ["SERVICE_PORT"] = port.ToString(CultureInfo.InvariantCulture),
                ["BASE_URL"] = baseUrl,
                ["DEX_CLIENT_ID"] = "unused",
                ["DEX_CLIENT_SECRET"] = "unused",
                ["DEX_SERVER_METADATA_URL"] = "http://127.0.0.1:9/.well-known/openid-configuration",
            });
            return new Uri($"http://127.0.0.1:{port}/");
        }).ToArray();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        foreach (var web in Webs)
            await ClusterHarness.WaitUntilAsync(() => ClusterHarness.IsStatusAsync(http, new Uri(web, "/health/ready"), HttpStatusCode.OK),
                TimeSpan.FromSeconds(120), $"{web} ready", Harness.AllOutput);
        Orleans = await OrleansTestClient.ConnectAsync(Harness.ClusterId, TimeSpan.FromSeconds(60));
    }

    /// <summary>A user owning a workspace, signed in through <c>/auth/token</c> on the first replica.</summary>
    public async Task<(string Access, string Refresh)> SignInAsync(HttpClient http)
    {
        var userId = Guid.NewGuid();
        Assert.True((await Orleans.Client.GetGrain<IUserGrain>(userId).CreateAsync($"race-{userId:N}@example.com", "Race", null, false)).IsOk);
        var workspaceId = Guid.NewGuid();
        Assert.True((await Orleans.Client.GetGrain<IWorkspaceGrain>(workspaceId).CreateAsync("Race", $"race-{workspaceId:N}"[..30], null, userId)).IsOk);
        var verifier = Flow.NewVerifier();
        var code = Flow.NewVerifier();
        Assert.True(await Orleans.Client.GetGrain<IAuthCodeGrain>(AuthCodeKeys.For(code))
            .IssueAsync(new AuthCodeGrant(userId, "dex", null, null, Flow.ChallengeOf(verifier), "S256", DateTimeOffset.UtcNow.AddMinutes(5))));
        using var token = await http.PostAsJsonAsync(new Uri(Webs[0], "/auth/token"), new { code, workspace_id = workspaceId, code_verifier = verifier });
        return await Flow.PairAsync(token);
    }

    public async Task DisposeAsync()
    {
        if (Orleans is not null) await Orleans.DisposeAsync();
        await Harness.DisposeAsync();
    }
}

public sealed class RefreshRaceTests(RefreshCluster c) : IClassFixture<RefreshCluster>
{
    public static TheoryData<int> RaceRounds() => Sentinel.Testing.TestEnvironment.RaceRoundData();

    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(30) };

    [Theory, MemberData(nameof(RaceRounds)), Trait("Category", "Race")]
    public async Task fifty_parallel_refreshes_across_two_replicas_give_exactly_one_winner_and_revoke_the_family(int round)
    {
        _ = round;
        var pair = await c.SignInAsync(http);
        await RaceAssertions.FiftyParallelRefreshesAsync(http, c.Webs, pair);
    }

    [Fact]
    public async Task a_refresh_whose_reply_was_lost_on_one_replica_is_recovered_through_the_other_with_the_same_idempotency_key()
    {
        var pair = await c.SignInAsync(http);
        var key = Guid.NewGuid().ToString();

        // Replica 0 rotated the family, but the client never saw the reply (the replica died on the way back).
        using (var lost = await Flow.RefreshAsync(http, c.Webs[0], pair.Refresh, key)) Assert.Equal(HttpStatusCode.OK, lost.StatusCode);

        // The client's retry lands on replica 1, with the same token and key: the same pair, not a reuse verdict.
        using var retry = await Flow.RefreshAsync(http, c.Webs[1], pair.Refresh, key);
        var recovered = await Flow.PairAsync(retry);
        using var twice = await Flow.RefreshAsync(http, c.Webs[0], pair.Refresh, key);
        Assert.Equal(recovered, await Flow.PairAsync(twice));
        foreach (var web in c.Webs)
        {
            using var me = await Flow.BearerAsync(http, HttpMethod.Get, new Uri(web, "/users/me"), recovered.Access);
            Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        }
        using var next = await Flow.RefreshAsync(http, c.Webs[1], recovered.Refresh);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);

        // Without the key the same retry is reuse, on either replica, and it revokes the family.
        var other = await c.SignInAsync(http);
        using (var lost = await Flow.RefreshAsync(http, c.Webs[0], other.Refresh)) Assert.Equal(HttpStatusCode.OK, lost.StatusCode);
        using var unkeyed = await Flow.RefreshAsync(http, c.Webs[1], other.Refresh);
        Assert.Equal(HttpStatusCode.Unauthorized, unkeyed.StatusCode);
    }

    [Theory, MemberData(nameof(RaceRounds)), Trait("Category", "Race")]
    public async Task parallel_refreshes_of_different_families_of_one_user_all_succeed(int round)
    {
        _ = round;
        var pairs = new List<(string Access, string Refresh)>();
        var first = await c.SignInAsync(http);
        pairs.Add(first);
        var userId = Guid.Parse(new JsonWebToken(first.Access).Subject);
        var workspaceId = Guid.Parse(new JsonWebToken(first.Access).GetPayloadValue<string>("wid"));
        for (var i = 0; i < 9; i++)
        {
            var verifier = Flow.NewVerifier();
            var code = Flow.NewVerifier();
            await c.Orleans.Client.GetGrain<IAuthCodeGrain>(AuthCodeKeys.For(code))
                .IssueAsync(new AuthCodeGrant(userId, "dex", null, null, Flow.ChallengeOf(verifier), "S256", DateTimeOffset.UtcNow.AddMinutes(5)));
            using var token = await http.PostAsJsonAsync(new Uri(c.Webs[i % 2], "/auth/token"), new { code, workspace_id = workspaceId, code_verifier = verifier });
            pairs.Add(await Flow.PairAsync(token));
        }

        var responses = await Task.WhenAll(pairs.Select((p, i) => Flow.RefreshAsync(http, c.Webs[i % 2], p.Refresh)));
        try
        {
            Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        }
        finally
        {
            foreach (var r in responses) r.Dispose();
        }
    }
}

/// <summary>The 50-way race, shared by the stress test and the end-to-end suite.</summary>
public static class RaceAssertions
{
    public static async Task FiftyParallelRefreshesAsync(HttpClient http, IReadOnlyList<Uri> webs, (string Access, string Refresh) pair)
    {
        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Flow.RefreshAsync(http, webs[i % webs.Count], pair.Refresh)));
        try
        {
            Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
            Assert.Equal(49, responses.Count(r => r.StatusCode == HttpStatusCode.Unauthorized));
            var winner = await Flow.PairAsync(responses.Single(r => r.StatusCode == HttpStatusCode.OK));

            // The losers' reuse killed the winner's new tokens too (a reuse revokes the whole family), on every replica.
            foreach (var web in webs)
            {
                using var next = await Flow.RefreshAsync(http, web, winner.Refresh);
                Assert.Equal(HttpStatusCode.Unauthorized, next.StatusCode);
                using var access = await Flow.BearerAsync(http, HttpMethod.Get, new Uri(web, "/users/me"), winner.Access);
                Assert.Equal(HttpStatusCode.Unauthorized, access.StatusCode);
            }
        }
        finally
        {
            foreach (var r in responses) r.Dispose();
        }
    }
}
