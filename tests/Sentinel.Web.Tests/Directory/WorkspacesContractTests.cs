using System.Net;
using Sentinel.Grains.Directory;
using Xunit;

namespace Sentinel.Web.Tests.Directory;

/// <summary>Every route of the contract's users and workspaces tables: success, authentication failure, validation failure.</summary>
[Collection(WebCollection.Name)]
public sealed class WorkspacesContractTests(SentinelWebApplication app)
{
    private readonly Scenario s = new(app);

    [Fact]
    public async Task patch_me_updates_name_strips_html_and_ignores_non_http_avatar()
    {
        var user = await s.UserAsync();
        var token = Scenario.Token(user, Guid.NewGuid(), "viewer");
        using var ok = await s.SendAsync(HttpMethod.Patch, "/users/me", token, new { name = "  <b>Bob</b> ", avatar_url = "javascript:alert(1)", unknown_field = 1 });
        var body = await Scenario.JsonAsync(ok);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("Bob", body.GetProperty("name").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, body.GetProperty("avatar_url").ValueKind);

        using var avatar = await s.SendAsync(HttpMethod.Patch, "/users/me", token, new { avatar_url = "https://img.example/a.png" });
        Assert.Equal("https://img.example/a.png", (await Scenario.JsonAsync(avatar)).GetProperty("avatar_url").GetString());

        using var unauth = await s.SendAsync(HttpMethod.Patch, "/users/me", null, new { name = "x" });
        await Scenario.AssertErrorAsync(unauth, 401, "Missing Bearer token", "missing_token");
        using var invalid = await s.SendAsync(HttpMethod.Patch, "/users/me", token, new { name = "" });
        await Scenario.AssertValidationAsync(invalid, "name", "string_too_short");
        using var wrongType = await s.SendAsync(HttpMethod.Patch, "/users/me", token, new { name = 5 });
        await Scenario.AssertValidationAsync(wrongType, "name");
    }

    [Fact]
    public async Task malformed_json_is_422_validation_failed()
    {
        var user = await s.UserAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/workspaces") { Content = new StringContent("{\"name\": ", System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new("Bearer", Scenario.Token(user, Guid.NewGuid(), "viewer"));
        using var response = await s.Http.SendAsync(request);
        await Scenario.AssertErrorAsync(response, 422, null, "validation_failed");
    }

    [Fact]
    public async Task create_workspace_makes_caller_owner_and_validates_slug()
    {
        var user = await s.UserAsync();
        var token = Scenario.Token(user, Guid.NewGuid(), "viewer");
        var slug = Scenario.Unique("ws");
        using var created = await s.SendAsync(HttpMethod.Post, "/workspaces", token, new { name = "Acme", slug, description = "d" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var ws = await Scenario.JsonAsync(created);
        Assert.Equal(slug, ws.GetProperty("slug").GetString());
        Assert.Equal(user.Id, ws.GetProperty("created_by").GetGuid());
        var id = ws.GetProperty("id").GetGuid();
        Assert.Equal(WorkspaceRole.Owner, await app.Cluster.GrainFactory.GetGrain<IWorkspaceGrain>(id).GetRoleAsync(user.Id));

        using var duplicate = await s.SendAsync(HttpMethod.Post, "/workspaces", token, new { name = "Acme", slug });
        await Scenario.AssertErrorAsync(duplicate, 409, null, "slug_taken");
        using var badSlug = await s.SendAsync(HttpMethod.Post, "/workspaces", token, new { name = "Acme", slug = "Bad Slug" });
        await Scenario.AssertValidationAsync(badSlug, "slug", "string_pattern_mismatch");
        using var missing = await s.SendAsync(HttpMethod.Post, "/workspaces", token, new { slug = "ok-slug" });
        await Scenario.AssertValidationAsync(missing, "name", "missing");
        using var unauth = await s.SendAsync(HttpMethod.Post, "/workspaces", null, new { name = "Acme", slug = "abc" });
        await Scenario.AssertErrorAsync(unauth, 401, "Missing Bearer token", "missing_token");
    }

    [Fact]
    public async Task list_get_patch_delete_workspace()
    {
        var owner = await s.UserAsync();
        var ws = await s.WorkspaceAsync(owner);
        var token = Scenario.Token(owner, ws, "owner");

        using (var list = await s.SendAsync(HttpMethod.Get, "/workspaces", token))
            Assert.Contains((await Scenario.JsonAsync(list)).EnumerateArray(), w => w.GetProperty("id").GetGuid() == ws);
        using (var get = await s.SendAsync(HttpMethod.Get, $"/workspaces/{ws}", token))
            Assert.Equal(ws, (await Scenario.JsonAsync(get)).GetProperty("id").GetGuid());
        using (var otherWs = await s.SendAsync(HttpMethod.Get, $"/workspaces/{Guid.NewGuid()}", token))
            await Scenario.AssertErrorAsync(otherWs, 403, "Not a member of this workspace", "not_workspace_member");
        using (var badId = await s.SendAsync(HttpMethod.Get, "/workspaces/not-a-uuid", token))
            await Scenario.AssertValidationAsync(badId, "workspace_id");
        using (var patch = await s.SendAsync(HttpMethod.Patch, $"/workspaces/{ws}", token, new { name = "Renamed" }))
            Assert.Equal("Renamed", (await Scenario.JsonAsync(patch)).GetProperty("name").GetString());
        using (var badPatch = await s.SendAsync(HttpMethod.Patch, $"/workspaces/{ws}", token, new { name = new string('x', 256) }))
            await Scenario.AssertValidationAsync(badPatch, "name", "string_too_long");
        using (var unauthList = await s.SendAsync(HttpMethod.Get, "/workspaces", null))
            await Scenario.AssertErrorAsync(unauthList, 401, "Missing Bearer token", "missing_token");
        using (var delete = await s.SendAsync(HttpMethod.Delete, $"/workspaces/{ws}", token))
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        using (var gone = await s.SendAsync(HttpMethod.Get, $"/workspaces/{ws}", Scenario.Token(owner, ws, "owner")))
            await Scenario.AssertErrorAsync(gone, 404, "Workspace not found", "workspace_not_found");
    }

    [Fact]
    public async Task members_invite_list_change_role_remove()
    {
        var owner = await s.UserAsync();
        var bob = await s.UserAsync("Bob Builder");
        var ws = await s.WorkspaceAsync(owner);
        var token = Scenario.Token(owner, ws, "owner");

        using (var invite = await s.SendAsync(HttpMethod.Post, $"/workspaces/{ws}/members/invite", token, new { email = bob.Email.ToUpperInvariant(), role = "editor" }))
        {
            Assert.Equal(HttpStatusCode.Created, invite.StatusCode);
            var member = await Scenario.JsonAsync(invite);
            Assert.Equal(bob.Id, member.GetProperty("user_id").GetGuid());
            Assert.Equal("editor", member.GetProperty("role").GetString());
        }
        using (var again = await s.SendAsync(HttpMethod.Post, $"/workspaces/{ws}/members/invite", token, new { email = bob.Email }))
            await Scenario.AssertErrorAsync(again, 409, null, "already_member");
        using (var nobody = await s.SendAsync(HttpMethod.Post, $"/workspaces/{ws}/members/invite", token, new { email = "nobody-" + Guid.NewGuid().ToString("N") + "@example.com" }))
            await Scenario.AssertErrorAsync(nobody, 400, "User not found", "user_not_found");
        using (var badRole = await s.SendAsync(HttpMethod.Post, $"/workspaces/{ws}/members/invite", token, new { email = bob.Email, role = "god" }))
            await Scenario.AssertValidationAsync(badRole, "role", "literal_error");
        using (var badEmail = await s.SendAsync(HttpMethod.Post, $"/workspaces/{ws}/members/invite", token, new { email = "not-an-email" }))
            await Scenario.AssertValidationAsync(badEmail, "email", "value_error");

        using (var list = await s.SendAsync(HttpMethod.Get, $"/workspaces/{ws}/members?q=builder&limit=500", token))
        {
            var members = (await Scenario.JsonAsync(list)).EnumerateArray().ToArray();
            Assert.Equal([bob.Id], members.Select(m => m.GetProperty("user_id").GetGuid()));
        }
        using (var all = await s.SendAsync(HttpMethod.Get, $"/workspaces/{ws}/members", token))
            Assert.Equal(2, (await Scenario.JsonAsync(all)).GetArrayLength());
        using (var longQ = await s.SendAsync(HttpMethod.Get, $"/workspaces/{ws}/members?q={new string('a', 101)}", token))
            await Scenario.AssertValidationAsync(longQ, "q");
        using (var unauth = await s.SendAsync(HttpMethod.Get, $"/workspaces/{ws}/members", null))
            await Scenario.AssertErrorAsync(unauth, 401, "Missing Bearer token", "missing_token");

        using (var patch = await s.SendAsync(HttpMethod.Patch, $"/workspaces/{ws}/members/{bob.Id}", token, new { role = "admin" }))
        {
            var row = await Scenario.JsonAsync(patch);
            Assert.Equal("admin", row.GetProperty("role").GetString());
            Assert.Equal(ws, row.GetProperty("workspace_id").GetGuid());
        }
        using (var missingMember = await s.SendAsync(HttpMethod.Patch, $"/workspaces/{ws}/members/{Guid.NewGuid()}", token, new { role = "admin" }))
            await Scenario.AssertErrorAsync(missingMember, 404, "Membership not found", "membership_not_found");
        using (var noRole = await s.SendAsync(HttpMethod.Patch, $"/workspaces/{ws}/members/{bob.Id}", token, new { }))
            await Scenario.AssertValidationAsync(noRole, "role", "missing");

        using (var remove = await s.SendAsync(HttpMethod.Delete, $"/workspaces/{ws}/members/{bob.Id}", token))
            Assert.Equal(HttpStatusCode.NoContent, remove.StatusCode);
        using (var removeAgain = await s.SendAsync(HttpMethod.Delete, $"/workspaces/{ws}/members/{bob.Id}", token))
            await Scenario.AssertErrorAsync(removeAgain, 404, "Membership not found", "membership_not_found");
    }

    [Fact]
    public async Task role_change_and_removal_revoke_the_members_sessions()
    {
        var owner = await s.UserAsync();
        var bob = await s.UserAsync();
        var ws = await s.WorkspaceAsync(owner);
        await s.AddMemberAsync(ws, bob, WorkspaceRole.Viewer);
        var bobToken = Sentinel.Testing.TestTokens.Access(bob.Id, ws, "viewer", issuedAt: DateTimeOffset.UtcNow.AddSeconds(-2));
        using (var before = await s.SendAsync(HttpMethod.Get, "/users/me", bobToken)) Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        using (await s.SendAsync(HttpMethod.Patch, $"/workspaces/{ws}/members/{bob.Id}", Scenario.Token(owner, ws, "owner"), new { role = "editor" })) { }
        using var after = await s.SendAsync(HttpMethod.Get, "/users/me", bobToken);
        await Scenario.AssertErrorAsync(after, 401, "Token has been revoked", "token_revoked");
    }
}
