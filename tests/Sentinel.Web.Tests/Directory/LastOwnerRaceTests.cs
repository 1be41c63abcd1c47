using System.Net;
using Sentinel.Grains.Directory;
using Xunit;

namespace Sentinel.Web.Tests.Directory;

/// <summary>The workspace grain is the single writer: two owners removing or demoting each other at once leave one owner.</summary>
[Collection(WebCollection.Name)]
[Trait("Category", "Race")]
public sealed class LastOwnerRaceTests(SentinelWebApplication app)
{
    private readonly Scenario s = new(app);

    public static TheoryData<int> Rounds() => Sentinel.Testing.TestEnvironment.RaceRoundData();

    [Theory]
    [MemberData(nameof(Rounds))]
    public async Task two_owners_removing_each_other_concurrently_leave_exactly_one_owner(int round)
    {
        _ = round;
        var (ws, a, b) = await TwoOwnersAsync();
        var tokenA = Scenario.Token(a, ws, "owner");
        var tokenB = Scenario.Token(b, ws, "owner");

        var responses = await Task.WhenAll(
            s.SendAsync(HttpMethod.Delete, $"/workspaces/{ws}/members/{b.Id}", tokenA),
            s.SendAsync(HttpMethod.Delete, $"/workspaces/{ws}/members/{a.Id}", tokenB));

        // One removal wins. The loser is refused: 403 (no longer a member, or it would remove the last owner), or 401
        // when its token was already revoked by the winner's change.
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.NoContent);
        Assert.Single(responses, r => r.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized);
        await AssertOneOwnerAsync(ws, a, b);
        foreach (var r in responses) r.Dispose();
    }

    [Theory]
    [MemberData(nameof(Rounds))]
    public async Task two_owners_demoting_each_other_concurrently_leave_exactly_one_owner(int round)
    {
        _ = round;
        var (ws, a, b) = await TwoOwnersAsync();
        var responses = await Task.WhenAll(
            s.SendAsync(HttpMethod.Patch, $"/workspaces/{ws}/members/{b.Id}", Scenario.Token(a, ws, "owner"), new { role = "viewer" }),
            s.SendAsync(HttpMethod.Patch, $"/workspaces/{ws}/members/{a.Id}", Scenario.Token(b, ws, "owner"), new { role = "viewer" }));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.Single(responses, r => r.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized);
        await AssertOneOwnerAsync(ws, a, b);
        foreach (var r in responses) r.Dispose();
    }

    private async Task<(Guid Ws, UserProfile A, UserProfile B)> TwoOwnersAsync()
    {
        var a = await s.UserAsync();
        var b = await s.UserAsync();
        var ws = await s.WorkspaceAsync(a);
        var added = await app.Cluster.GrainFactory.GetGrain<IWorkspaceGrain>(ws).AddMemberAsync(new Actor(a.Id, "owner"), b.Id, WorkspaceRole.Owner);
        Assert.True(added.IsOk);
        return (ws, a, b);
    }

    private async Task AssertOneOwnerAsync(Guid ws, UserProfile a, UserProfile b)
    {
        var grain = app.Cluster.GrainFactory.GetGrain<IWorkspaceGrain>(ws);
        var roles = new[] { await grain.GetRoleAsync(a.Id), await grain.GetRoleAsync(b.Id) };
        Assert.Equal(1, roles.Count(r => r == WorkspaceRole.Owner));

        // The database agrees with memory.
        var members = await app.Cluster.GrainFactory.GetGrain<IDirectoryQueryGrain>(0).ListMembersAsync(ws, null, null);
        Assert.Equal(1, members.Count(m => m.Role == WorkspaceRole.Owner));
    }
}
