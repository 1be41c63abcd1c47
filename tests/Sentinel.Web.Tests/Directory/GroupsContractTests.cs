using System.Net;
using Sentinel.Grains.Directory;
using Xunit;

namespace Sentinel.Web.Tests.Directory;

/// <summary>Every route of the contract's groups table: success, authentication failure, validation failure.</summary>
[Collection(WebCollection.Name)]
public sealed class GroupsContractTests(SentinelWebApplication app)
{
    private readonly Scenario s = new(app);

    [Fact]
    public async Task group_lifecycle_with_members()
    {
        var owner = await s.UserAsync();
        var carol = await s.UserAsync("Carol");
        var outsider = await s.UserAsync();
        var ws = await s.WorkspaceAsync(owner);
        await s.AddMemberAsync(ws, carol, WorkspaceRole.Viewer);
        var token = Scenario.Token(owner, ws, "owner");
        var name = Scenario.Unique("g");

        using var created = await s.SendAsync(HttpMethod.Post, $"/workspaces/{ws}/groups", token, new { name, description = "<i>team</i>" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var group = await Scenario.JsonAsync(created);
        var gid = group.GetProperty("id").GetGuid();
        Assert.Equal("team", group.GetProperty("description").GetString());
        Assert.Equal(ws, group.GetProperty("workspace_id").GetGuid());

        using (var dup = await s.SendAsync(HttpMethod.Post, $"/workspaces/{ws}/groups", token, new { name }))
            await Scenario.AssertErrorAsync(dup, 409, null, "group_name_taken");
        using (var invalid = await s.SendAsync(HttpMethod.Post, $"/workspaces/{ws}/groups", token, new { name = "" }))
            await Scenario.AssertValidationAsync(invalid, "name", "string_too_short");
        using (var unauth = await s.SendAsync(HttpMethod.Post, $"/workspaces/{ws}/groups", null, new { name = "x" }))
            await Scenario.AssertErrorAsync(unauth, 401, "Missing Bearer token", "missing_token");

        using (var list = await s.SendAsync(HttpMethod.Get, $"/workspaces/{ws}/groups", token))
            Assert.Contains((await Scenario.JsonAsync(list)).EnumerateArray(), g => g.GetProperty("id").GetGuid() == gid);
        using (var patch = await s.SendAsync(HttpMethod.Patch, $"/workspaces/{ws}/groups/{gid}", token, new { name = name + "x" }))
            Assert.Equal(name + "x", (await Scenario.JsonAsync(patch)).GetProperty("name").GetString());
        using (var missing = await s.SendAsync(HttpMethod.Patch, $"/workspaces/{ws}/groups/{Guid.NewGuid()}", token, new { name = "y" }))
            await Scenario.AssertErrorAsync(missing, 404, "Group not found", "group_not_found");

        using (var add = await s.SendAsync(HttpMethod.Post, $"/workspaces/{ws}/groups/{gid}/members/{carol.Id}", token))
        {
            Assert.Equal(HttpStatusCode.Created, add.StatusCode);
            Assert.Equal("ok", (await Scenario.JsonAsync(add)).GetProperty("status").GetString());
        }
        using (var addTwice = await s.SendAsync(HttpMethod.Post, $"/workspaces/{ws}/groups/{gid}/members/{carol.Id}", token))
            await Scenario.AssertErrorAsync(addTwice, 409, null, "already_group_member");
        using (var addOutsider = await s.SendAsync(HttpMethod.Post, $"/workspaces/{ws}/groups/{gid}/members/{outsider.Id}", token))
            await Scenario.AssertErrorAsync(addOutsider, 400, "User is not a member of this workspace", "user_not_member");
        using (var members = await s.SendAsync(HttpMethod.Get, $"/workspaces/{ws}/groups/{gid}/members", token))
        {
            var list = (await Scenario.JsonAsync(members)).EnumerateArray().ToArray();
            Assert.Equal([carol.Id], list.Select(m => m.GetProperty("user_id").GetGuid()));
            Assert.Equal("Carol", list[0].GetProperty("name").GetString());
        }
        using (var noGroup = await s.SendAsync(HttpMethod.Get, $"/workspaces/{ws}/groups/{Guid.NewGuid()}/members", token))
            await Scenario.AssertErrorAsync(noGroup, 404, "Group not found", "group_not_found");
        Assert.Equal([gid], await app.Cluster.GrainFactory.GetGrain<IWorkspaceGrain>(ws).GetUserGroupsAsync(carol.Id));

        // Removing a member from the workspace removes their group memberships there.
        using (await s.SendAsync(HttpMethod.Delete, $"/workspaces/{ws}/members/{carol.Id}", token)) { }
        Assert.Empty(await app.Cluster.GrainFactory.GetGrain<IWorkspaceGrain>(ws).GetUserGroupsAsync(carol.Id));
        using (var afterRemoval = await s.SendAsync(HttpMethod.Get, $"/workspaces/{ws}/groups/{gid}/members", token))
            Assert.Equal(0, (await Scenario.JsonAsync(afterRemoval)).GetArrayLength());

        using (var removeMissing = await s.SendAsync(HttpMethod.Delete, $"/workspaces/{ws}/groups/{gid}/members/{carol.Id}", token))
            await Scenario.AssertErrorAsync(removeMissing, 404, "Group member not found", "group_member_not_found");
        using (var delete = await s.SendAsync(HttpMethod.Delete, $"/workspaces/{ws}/groups/{gid}", token))
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        using (var deleteAgain = await s.SendAsync(HttpMethod.Delete, $"/workspaces/{ws}/groups/{gid}", token))
            await Scenario.AssertErrorAsync(deleteAgain, 404, "Group not found", "group_not_found");
    }

    [Fact]
    public async Task removing_a_group_member_revokes_their_sessions()
    {
        var owner = await s.UserAsync();
        var dan = await s.UserAsync();
        var ws = await s.WorkspaceAsync(owner);
        await s.AddMemberAsync(ws, dan, WorkspaceRole.Viewer);
        var token = Scenario.Token(owner, ws, "owner");
        using var created = await s.SendAsync(HttpMethod.Post, $"/workspaces/{ws}/groups", token, new { name = Scenario.Unique("g") });
        var gid = (await Scenario.JsonAsync(created)).GetProperty("id").GetGuid();
        using (await s.SendAsync(HttpMethod.Post, $"/workspaces/{ws}/groups/{gid}/members/{dan.Id}", token)) { }
        var danToken = Sentinel.Testing.TestTokens.Access(dan.Id, ws, "viewer", groups: [gid], issuedAt: DateTimeOffset.UtcNow.AddSeconds(-2));

        using (await s.SendAsync(HttpMethod.Delete, $"/workspaces/{ws}/groups/{gid}/members/{dan.Id}", token)) { }
        using var after = await s.SendAsync(HttpMethod.Get, "/users/me", danToken);
        await Scenario.AssertErrorAsync(after, 401, "Token has been revoked", "token_revoked");
    }
}
