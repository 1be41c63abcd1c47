using System.Net;
using Sentinel.Grains.Directory;
using Xunit;

namespace Sentinel.Web.Tests.Workspaces;

/// <summary>The workspace grain is the single writer: two owners removing or demoting each other at once leave one owner.</summary>
[Collection(WebCollection.Name)]
[Trait("Category", "Race")]
public sealed class LastOwnerRaceTests(SentinelWebApplication app)
{
    private readonly Scenario s = new(app);

    [Fact]
    public async Task two_owners_removing_each_other_concurrently_leave_exactly_one_owner()
    {
        var (ws, a, b) = await TwoOwnersAsync();
        var tokenA = Scenario.Token(a, ws, "owner");
        var tokenB = Scenario.Token(b, ws, "owner");

        var responses = await Task.WhenAll(
            s.SendAsync(HttpMethod.Delete, $"/workspaces/{ws}/members/{b.Id}", tokenA),
            s.SendAsync(HttpMethod.Delete, $"/workspaces/{ws}/members/{a.Id}", tokenB));

        var statuses = responses.Select(r => r.StatusCode).OrderBy(c => c).ToArray();
        // One removal wins; the other is refused: either the caller is no longer a member, or it would remove the last owner.
        Assert.Equal(HttpStatusCode.NoContent, statuses[0]);
        Assert.Equal(HttpStatusCode.Forbidden, statuses[1]);
        await AssertOneOwnerAsync(ws, a, b);
        foreach (var r in responses) r.Dispose();
    }

    [Fact]
    public async Task two_owners_demoting_each_other_concurrently_leave_exactly_one_owner()
    {
        var (ws, a, b) = await TwoOwnersAsync();
        var responses = await Task.WhenAll(
            s.SendAsync(HttpMethod.Patch, $"/workspaces/{ws}/members/{b.Id}", Scenario.Token(a, ws, "owner"), new { role = "viewer" }),
            s.SendAsync(HttpMethod.Patch, $"/workspaces/{ws}/members/{a.Id}", Scenario.Token(b, ws, "owner"), new { role = "viewer" }));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Forbidden);
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
