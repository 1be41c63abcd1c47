using System.Net;
using Sentinel.Grains.Directory;
using Sentinel.Grains.Sessions;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Web.Tests.Admin;

/// <summary>Workspaces, members and groups of the admin API, on the real grains and PostgreSQL.</summary>
[Collection(WebCollection.Name)]
public sealed class AdminWorkspacesContractTests(SentinelWebApplication app)
{
    private readonly AdminDirectoryScenario a = new(app);

    private static readonly string[] AdminWsFields = ["id", "slug", "name", "description", "created_by", "created_at", "member_count"];

    [Fact]
    public async Task workspace_lifecycle_with_search_paging_and_counts()
    {
        var (admin, cookie) = await a.AdminAsync();
        var slug = Scenario.Unique("adm");
        using var created = await a.SendAsync(HttpMethod.Post, "/admin/workspaces", cookie, new { name = "<b>Acme</b> " + slug, slug, description = "d" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var ws = await Scenario.JsonAsync(created);
        AdminDirectoryScenario.AssertShape(ws, AdminWsFields);
        var id = ws.GetProperty("id").GetGuid();
        Assert.Equal("Acme " + slug, ws.GetProperty("name").GetString());
        Assert.Equal(admin.Id, ws.GetProperty("created_by").GetGuid());
        Assert.Equal(1, ws.GetProperty("member_count").GetInt32());

        // The admin became the owner.
        Assert.Equal(WorkspaceRole.Owner, await a.Grains.GetGrain<IWorkspaceGrain>(id).GetRoleAsync(admin.Id));

        using (var dup = await a.SendAsync(HttpMethod.Post, "/admin/workspaces", cookie, new { name = "x", slug }))
            await Scenario.AssertErrorAsync(dup, 400, "Failed to create workspace", "slug_taken");
        using (var invalid = await a.SendAsync(HttpMethod.Post, "/admin/workspaces", cookie, new { name = "x", slug = "Bad Slug" }))
            await Scenario.AssertValidationAsync(invalid, "slug", "string_pattern_mismatch");

        using (var list = await a.SendAsync(HttpMethod.Get, $"/admin/workspaces?search={slug}&page=1&page_size=5", cookie))
        {
            var page = await Scenario.JsonAsync(list);
            AdminDirectoryScenario.AssertShape(page, "items", "total", "page", "page_size");
            Assert.Equal(1, page.GetProperty("total").GetInt64());
            Assert.Equal(5, page.GetProperty("page_size").GetInt32());
            var item = Assert.Single(page.GetProperty("items").EnumerateArray());
            AdminDirectoryScenario.AssertShape(item, AdminWsFields);
        }
        using (var badPage = await a.SendAsync(HttpMethod.Get, "/admin/workspaces?page_size=101", cookie))
            await Scenario.AssertValidationAsync(badPage, "page_size", "less_than_equal");

        using (var get = await a.SendAsync(HttpMethod.Get, $"/admin/workspaces/{id}", cookie))
        {
            var body = await Scenario.JsonAsync(get);
            AdminDirectoryScenario.AssertShape(body, [.. AdminWsFields, "group_count"]);
            Assert.Equal(0, body.GetProperty("group_count").GetInt32());
        }
        using (var patch = await a.SendAsync(HttpMethod.Patch, $"/admin/workspaces/{id}", cookie, new { name = "Renamed" }))
        {
            Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
            Assert.Equal("Renamed", (await Scenario.JsonAsync(patch)).GetProperty("name").GetString());
        }
        using (var missing = await a.SendAsync(HttpMethod.Get, $"/admin/workspaces/{Guid.NewGuid()}", cookie))
            await Scenario.AssertErrorAsync(missing, 404, "Workspace not found", "workspace_not_found");
        using (var missingPatch = await a.SendAsync(HttpMethod.Patch, $"/admin/workspaces/{Guid.NewGuid()}", cookie, new { name = "x" }))
            await Scenario.AssertErrorAsync(missingPatch, 404, "Workspace not found", "workspace_not_found");
        using (var malformed = await a.SendAsync(HttpMethod.Get, "/admin/workspaces/not-a-uuid", cookie))
            Assert.Equal(422, (int)malformed.StatusCode);

        using (var delete = await a.SendAsync(HttpMethod.Delete, $"/admin/workspaces/{id}", cookie))
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        using (var gone = await a.SendAsync(HttpMethod.Delete, $"/admin/workspaces/{id}", cookie))
            await Scenario.AssertErrorAsync(gone, 404, "Workspace not found", "workspace_not_found");
    }

    [Fact]
    public async Task members_invite_role_change_and_removal_follow_the_workspace_rules()
    {
        var (_, cookie) = await a.AdminAsync();
        var owner = await a.S.UserAsync();
        var bob = await a.S.UserAsync("Bob");
        var ws = await a.S.WorkspaceAsync(owner);

        using (var invite = await a.SendAsync(HttpMethod.Post, $"/admin/workspaces/{ws}/members/invite", cookie, new { email = bob.Email.ToUpperInvariant(), role = "editor" }))
        {
            Assert.Equal(HttpStatusCode.Created, invite.StatusCode);
            Assert.Equal("ok", (await Scenario.JsonAsync(invite)).GetProperty("status").GetString());
        }
        using (var dup = await a.SendAsync(HttpMethod.Post, $"/admin/workspaces/{ws}/members/invite", cookie, new { email = bob.Email, role = "viewer" }))
            await Scenario.AssertErrorAsync(dup, 409, null, "already_member");
        using (var nobody = await a.SendAsync(HttpMethod.Post, $"/admin/workspaces/{ws}/members/invite", cookie, new { email = "nobody-" + Guid.NewGuid() + "@example.com", role = "viewer" }))
            await Scenario.AssertErrorAsync(nobody, 400, "User not found", "user_not_found");
        using (var badRole = await a.SendAsync(HttpMethod.Post, $"/admin/workspaces/{ws}/members/invite", cookie, new { email = bob.Email, role = "god" }))
            await Scenario.AssertValidationAsync(badRole, "role");

        using (var members = await a.SendAsync(HttpMethod.Get, $"/admin/workspaces/{ws}/members", cookie))
        {
            var list = (await Scenario.JsonAsync(members)).EnumerateArray().ToArray();
            var entry = Assert.Single(list, m => m.GetProperty("user_id").GetGuid() == bob.Id);
            AdminDirectoryScenario.AssertShape(entry, "user_id", "email", "name", "avatar_url", "role", "joined_at");
            Assert.Equal("editor", entry.GetProperty("role").GetString());
        }
        using (var unknown = await a.SendAsync(HttpMethod.Get, $"/admin/workspaces/{Guid.NewGuid()}/members", cookie))
            Assert.Empty((await Scenario.JsonAsync(unknown)).EnumerateArray());

        var bobToken = Scenario.Token(bob, ws, "editor");
        using (var change = await a.SendAsync(HttpMethod.Patch, $"/admin/workspaces/{ws}/members/{bob.Id}", cookie, new { role = "admin" }))
        {
            Assert.Equal(HttpStatusCode.OK, change.StatusCode);
            AdminDirectoryScenario.AssertShape(await Scenario.JsonAsync(change), "status");
        }
        Assert.Equal(WorkspaceRole.Admin, await a.Grains.GetGrain<IWorkspaceGrain>(ws).GetRoleAsync(bob.Id));
        // A role change revokes the member's tokens.
        using (var revoked = await a.S.SendAsync(HttpMethod.Get, $"/workspaces/{ws}", bobToken))
            await Scenario.AssertErrorAsync(revoked, 401, "Token has been revoked", "token_revoked");

        // The rule's own 403, not the original's 404.
        using (var lastOwner = await a.SendAsync(HttpMethod.Patch, $"/admin/workspaces/{ws}/members/{owner.Id}", cookie, new { role = "viewer" }))
            await Scenario.AssertErrorAsync(lastOwner, 403, "Cannot demote the last workspace owner", "last_owner");
        using (var notMember = await a.SendAsync(HttpMethod.Patch, $"/admin/workspaces/{ws}/members/{Guid.NewGuid()}", cookie, new { role = "viewer" }))
            await Scenario.AssertErrorAsync(notMember, 404, "Membership not found", "membership_not_found");
        using (var lastOwnerRemove = await a.SendAsync(HttpMethod.Delete, $"/admin/workspaces/{ws}/members/{owner.Id}", cookie))
            await Scenario.AssertErrorAsync(lastOwnerRemove, 403, "Cannot remove the last workspace owner", "last_owner");

        await Task.Delay(1100); // a fresh iat, after the role change's revocation cut-off
        var bobAdminToken = Scenario.Token(bob, ws, "admin");
        using (var ok = await a.S.SendAsync(HttpMethod.Get, $"/workspaces/{ws}", bobAdminToken))
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        using (var remove = await a.SendAsync(HttpMethod.Delete, $"/admin/workspaces/{ws}/members/{bob.Id}", cookie))
            Assert.Equal(HttpStatusCode.NoContent, remove.StatusCode);
        // Removal revokes at once: the token minted after the role change stops working.
        using (var afterRemoval = await a.S.SendAsync(HttpMethod.Get, $"/workspaces/{ws}", bobAdminToken))
            await Scenario.AssertErrorAsync(afterRemoval, 401, "Token has been revoked", "token_revoked");
        Assert.Null(await a.Grains.GetGrain<IWorkspaceGrain>(ws).GetRoleAsync(bob.Id));
        using (var again = await a.SendAsync(HttpMethod.Delete, $"/admin/workspaces/{ws}/members/{bob.Id}", cookie))
            await Scenario.AssertErrorAsync(again, 404, "Membership not found", "membership_not_found");
    }

    [Fact]
    public async Task groups_and_group_members_through_the_admin_api()
    {
        var (admin, cookie) = await a.AdminAsync();
        var owner = await a.S.UserAsync();
        var carol = await a.S.UserAsync("Carol");
        var outsider = await a.S.UserAsync();
        var ws = await a.S.WorkspaceAsync(owner);
        await a.S.AddMemberAsync(ws, carol, WorkspaceRole.Viewer);
        var name = Scenario.Unique("g");

        using var created = await a.SendAsync(HttpMethod.Post, $"/admin/workspaces/{ws}/groups", cookie, new { name, description = "team" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var group = await Scenario.JsonAsync(created);
        AdminDirectoryScenario.AssertShape(group, "id", "workspace_id", "name", "description", "created_by", "created_at");
        Assert.Equal(admin.Id, group.GetProperty("created_by").GetGuid());
        var gid = group.GetProperty("id").GetGuid();

        using (var dup = await a.SendAsync(HttpMethod.Post, $"/admin/workspaces/{ws}/groups", cookie, new { name }))
            await Scenario.AssertErrorAsync(dup, 409, null, "group_name_taken");
        using (var noWs = await a.SendAsync(HttpMethod.Post, $"/admin/workspaces/{Guid.NewGuid()}/groups", cookie, new { name }))
            await Scenario.AssertErrorAsync(noWs, 404, "Workspace not found", "workspace_not_found");
        using (var list = await a.SendAsync(HttpMethod.Get, $"/admin/workspaces/{ws}/groups", cookie))
            Assert.Equal([gid], (await Scenario.JsonAsync(list)).EnumerateArray().Select(g => g.GetProperty("id").GetGuid()));
        using (var patch = await a.SendAsync(HttpMethod.Patch, $"/admin/groups/{gid}", cookie, new { name = name + "x" }))
            Assert.Equal(name + "x", (await Scenario.JsonAsync(patch)).GetProperty("name").GetString());
        using (var missing = await a.SendAsync(HttpMethod.Patch, $"/admin/groups/{Guid.NewGuid()}", cookie, new { name = "y" }))
            await Scenario.AssertErrorAsync(missing, 404, "Group not found", "group_not_found");

        using (var add = await a.SendAsync(HttpMethod.Post, $"/admin/groups/{gid}/members/{carol.Id}", cookie))
        {
            Assert.Equal(HttpStatusCode.Created, add.StatusCode);
            Assert.Equal("ok", (await Scenario.JsonAsync(add)).GetProperty("status").GetString());
        }
        using (var addOutsider = await a.SendAsync(HttpMethod.Post, $"/admin/groups/{gid}/members/{outsider.Id}", cookie))
            await Scenario.AssertErrorAsync(addOutsider, 400, "Failed to add group member", "user_not_member");
        using (var addTwice = await a.SendAsync(HttpMethod.Post, $"/admin/groups/{gid}/members/{carol.Id}", cookie))
            await Scenario.AssertErrorAsync(addTwice, 409, "Failed to add group member", "already_group_member");
        using (var addNoGroup = await a.SendAsync(HttpMethod.Post, $"/admin/groups/{Guid.NewGuid()}/members/{carol.Id}", cookie))
            await Scenario.AssertErrorAsync(addNoGroup, 404, "Group not found", "group_not_found");
        using (var members = await a.SendAsync(HttpMethod.Get, $"/admin/groups/{gid}/members", cookie))
        {
            var entry = Assert.Single((await Scenario.JsonAsync(members)).EnumerateArray());
            AdminDirectoryScenario.AssertShape(entry, "user_id", "email", "name", "added_at");
            Assert.Equal(carol.Id, entry.GetProperty("user_id").GetGuid());
        }
        Assert.Equal([gid], await a.Grains.GetGrain<IWorkspaceGrain>(ws).GetUserGroupsAsync(carol.Id));

        var carolToken = Scenario.Token(carol, ws, "viewer");
        using (var remove = await a.SendAsync(HttpMethod.Delete, $"/admin/groups/{gid}/members/{carol.Id}", cookie))
            Assert.Equal(HttpStatusCode.NoContent, remove.StatusCode);
        Assert.Empty(await a.Grains.GetGrain<IWorkspaceGrain>(ws).GetUserGroupsAsync(carol.Id));
        // Group membership is in tokens: removal revokes the member's sessions.
        Assert.Equal(TokenStatus.Revoked, await a.Grains.GetGrain<IUserSessionGrain>(carol.Id).CheckTokenAsync(Guid.NewGuid(), DateTimeOffset.UtcNow.AddSeconds(-1)));
        using (var revoked = await a.S.SendAsync(HttpMethod.Get, $"/workspaces/{ws}", carolToken))
            await Scenario.AssertErrorAsync(revoked, 401, "Token has been revoked", "token_revoked");
        using (var removeAgain = await a.SendAsync(HttpMethod.Delete, $"/admin/groups/{gid}/members/{carol.Id}", cookie))
            await Scenario.AssertErrorAsync(removeAgain, 404, "Group member not found", "group_member_not_found");

        using (var delete = await a.SendAsync(HttpMethod.Delete, $"/admin/groups/{gid}", cookie))
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        using (var gone = await a.SendAsync(HttpMethod.Get, $"/admin/groups/{gid}/members", cookie))
            await Scenario.AssertErrorAsync(gone, 404, "Group not found", "group_not_found");
    }
}
