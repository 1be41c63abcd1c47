using System.Net;
using Sentinel.Grains.Directory;
using Xunit;

namespace Sentinel.Web.Tests.Directory;

/// <summary>What owner, admin, editor and viewer may and may not do (token role, as the contract checks it).</summary>
[Collection(WebCollection.Name)]
public sealed class RoleMatrixTests(SentinelWebApplication app)
{
    private readonly Scenario s = new(app);

    public static TheoryData<string, string, int> Matrix() => new()
    {
        // action, role, expected status
        { "patch_workspace", "owner", 200 }, { "patch_workspace", "admin", 200 }, { "patch_workspace", "editor", 403 }, { "patch_workspace", "viewer", 403 },
        { "delete_workspace", "owner", 204 }, { "delete_workspace", "admin", 403 }, { "delete_workspace", "editor", 403 }, { "delete_workspace", "viewer", 403 },
        { "invite", "owner", 201 }, { "invite", "admin", 201 }, { "invite", "editor", 403 }, { "invite", "viewer", 403 },
        { "grant_owner", "owner", 200 }, { "grant_owner", "admin", 403 },
        { "change_owner_role", "admin", 403 },
        { "remove_owner", "admin", 403 },
        { "create_group", "owner", 201 }, { "create_group", "admin", 201 }, { "create_group", "editor", 403 }, { "create_group", "viewer", 403 },
        { "list_members", "viewer", 200 }, { "list_groups", "viewer", 200 }, { "get_workspace", "viewer", 200 },
    };

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task role_may_or_may_not_act(string action, string role, int expected)
    {
        var founder = await s.UserAsync();
        var actor = await s.UserAsync();
        var target = await s.UserAsync();
        var ws = await s.WorkspaceAsync(founder);
        WorkspaceRoles.TryParse(role, out var parsed);
        if (parsed != WorkspaceRole.Owner) await s.AddMemberAsync(ws, actor, parsed);
        else await app.Cluster.GrainFactory.GetGrain<IWorkspaceGrain>(ws).AddMemberAsync(new Actor(founder.Id, "owner"), actor.Id, WorkspaceRole.Owner);
        await s.AddMemberAsync(ws, target, WorkspaceRole.Viewer);
        var token = Scenario.Token(actor, ws, role);

        using var response = action switch
        {
            "patch_workspace" => await s.SendAsync(HttpMethod.Patch, $"/workspaces/{ws}", token, new { name = "x" }),
            "delete_workspace" => await s.SendAsync(HttpMethod.Delete, $"/workspaces/{ws}", token),
            "invite" => await s.SendAsync(HttpMethod.Post, $"/workspaces/{ws}/members/invite", token, new { email = (await s.UserAsync()).Email }),
            "grant_owner" => await s.SendAsync(HttpMethod.Patch, $"/workspaces/{ws}/members/{target.Id}", token, new { role = "owner" }),
            "change_owner_role" => await s.SendAsync(HttpMethod.Patch, $"/workspaces/{ws}/members/{founder.Id}", token, new { role = "viewer" }),
            "remove_owner" => await s.SendAsync(HttpMethod.Delete, $"/workspaces/{ws}/members/{founder.Id}", token),
            "create_group" => await s.SendAsync(HttpMethod.Post, $"/workspaces/{ws}/groups", token, new { name = Scenario.Unique("g") }),
            "list_members" => await s.SendAsync(HttpMethod.Get, $"/workspaces/{ws}/members", token),
            "list_groups" => await s.SendAsync(HttpMethod.Get, $"/workspaces/{ws}/groups", token),
            _ => await s.SendAsync(HttpMethod.Get, $"/workspaces/{ws}", token),
        };
        Assert.True((int)response.StatusCode == expected, $"{role} {action}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task owner_rules_answer_the_contract_details()
    {
        var founder = await s.UserAsync();
        var admin = await s.UserAsync();
        var ws = await s.WorkspaceAsync(founder);
        await s.AddMemberAsync(ws, admin, WorkspaceRole.Admin);
        var adminToken = Scenario.Token(admin, ws, "admin");
        var ownerToken = Scenario.Token(founder, ws, "owner");

        using (var grant = await s.SendAsync(HttpMethod.Patch, $"/workspaces/{ws}/members/{admin.Id}", adminToken, new { role = "owner" }))
            await Scenario.AssertErrorAsync(grant, 403, "Only workspace owners can grant the owner role", "owner_role_required");
        using (var demote = await s.SendAsync(HttpMethod.Patch, $"/workspaces/{ws}/members/{founder.Id}", ownerToken, new { role = "admin" }))
            await Scenario.AssertErrorAsync(demote, 403, "Cannot demote the last workspace owner", "last_owner");
        using (var remove = await s.SendAsync(HttpMethod.Delete, $"/workspaces/{ws}/members/{founder.Id}", ownerToken))
            await Scenario.AssertErrorAsync(remove, 403, "Cannot remove the last workspace owner", "last_owner");
        using (var removeOwner = await s.SendAsync(HttpMethod.Delete, $"/workspaces/{ws}/members/{founder.Id}", adminToken))
            await Scenario.AssertErrorAsync(removeOwner, 403, "Only workspace owners can remove another owner", "owner_role_required");
        using (var inviteOwner = await s.SendAsync(HttpMethod.Post, $"/workspaces/{ws}/members/invite", adminToken, new { email = (await s.UserAsync()).Email, role = "owner" }))
            await Scenario.AssertErrorAsync(inviteOwner, 400, "Only workspace owners can grant the owner role", "owner_role_required");
    }
}
