using System.Net;
using System.Text.Json;
using Sentinel.Grains.Directory;
using Sentinel.Web.Tests.SignIn;
using Xunit;

namespace Sentinel.Web.Tests.Admin;

/// <summary><c>/admin/users…</c> and the admin cookie on every admin route.</summary>
[Collection(SignInCollection.Name)]
public sealed class AdminUsersTests(SignInWeb web)
{
    private readonly AdminScenario a = new(web.App);

    private static readonly string[] AdminUserFields = ["id", "email", "name", "avatar_url", "is_active", "is_admin", "created_at", "workspace_count"];

    private static readonly string[] DetailFields =
        ["id", "email", "name", "avatar_url", "is_active", "is_admin", "created_at", "updated_at", "social_accounts", "memberships"];

    /// <summary>Every route of this part of the admin API, with a body that would pass validation.</summary>
    private static IEnumerable<(HttpMethod Method, string Path, object? Body)> Routes(Guid user, Guid family, Guid workspace) =>
    [
        (HttpMethod.Get, "/admin/stats", null),
        (HttpMethod.Get, "/admin/activity", null),
        (HttpMethod.Get, "/admin/workspaces/all", null),
        (HttpMethod.Get, "/admin/system/health", null),
        (HttpMethod.Get, "/admin/system/settings", null),
        (HttpMethod.Get, "/admin/cluster", null),
        (HttpMethod.Get, "/admin/users", null),
        (HttpMethod.Get, $"/admin/users/{user}", null),
        (HttpMethod.Patch, $"/admin/users/{user}", new { name = "X" }),
        (HttpMethod.Post, "/admin/users/bulk-status", new { user_ids = new[] { user }, is_active = true }),
        (HttpMethod.Post, $"/admin/users/{user}/workspaces", new { workspace_id = workspace, role = "viewer" }),
        (HttpMethod.Post, $"/admin/users/{user}/revoke-tokens", null),
        (HttpMethod.Get, $"/admin/users/{user}/sessions", null),
        (HttpMethod.Delete, $"/admin/users/{user}/sessions/{family}", null),
        (HttpMethod.Post, "/admin/import/csv/preview", null),
        (HttpMethod.Post, "/admin/import/csv/execute", null),
        (HttpMethod.Get, "/admin/export/users", null),
        (HttpMethod.Get, "/admin/export/workspaces", null),
    ];

    [Fact]
    public async Task every_admin_route_needs_the_cookie_the_csrf_header_on_writes_and_a_current_admin()
    {
        var admin = await a.AdminAsync();
        var demoted = await a.AdminAsync();
        var target = await a.S.UserAsync();
        // Demoted through the API by another admin: the next request of the demoted admin is refused at once (the admin flag is re-read).
        using (var demote = await a.SendAsync(HttpMethod.Patch, $"/admin/users/{demoted.User.Id}", admin.Cookie, new { is_admin = false }))
            await AdminScenario.OkJsonAsync(demote);

        foreach (var (method, path, body) in Routes(target.Id, Guid.NewGuid(), Guid.NewGuid()))
        {
            using var anonymous = await a.SendAsync(method, path, null, body);
            await Scenario.AssertErrorAsync(anonymous, 401, "Not authenticated", "not_authenticated");
            using var notAdmin = await a.SendAsync(method, path, demoted.Cookie, body);
            await Scenario.AssertErrorAsync(notAdmin, 403, "Not an admin", "not_admin");
            if (method == HttpMethod.Get) continue;
            using var forged = await a.SendAsync(method, path, admin.Cookie, body, csrf: false);
            await Scenario.AssertErrorAsync(forged, 403, "Missing X-Requested-With header", "csrf_header_missing");
        }
    }

    [Fact]
    public async Task admin_routes_answer_on_the_api_port_and_on_the_admin_panel_port()
    {
        var admin = await a.AdminAsync();
        foreach (var host in new[] { "localhost:9003", "localhost:9004" })
        {
            using var stats = await a.SendAsync(HttpMethod.Get, "/admin/stats", admin.Cookie, host: host);
            Assert.True((await AdminScenario.OkJsonAsync(stats)).GetProperty("total_users").GetInt64() >= 1, host);
        }
    }

    [Fact]
    public async Task users_list_searches_email_or_name_pages_newest_first_and_validates_paging()
    {
        var admin = await a.AdminAsync();
        var tag = Scenario.Unique("tag");
        var users = new List<UserProfile>();
        for (var i = 0; i < 3; i++)
        {
            users.Add(await a.S.UserAsync($"{tag} {i}"));
            await Task.Delay(5);
        }

        using var first = await a.GetAsync($"/admin/users?search={tag.ToUpperInvariant()}&page_size=2", admin);
        var body = await AdminScenario.OkJsonAsync(first);
        AdminScenario.AssertFields(body, "items", "total", "page", "page_size");
        Assert.Equal(3, body.GetProperty("total").GetInt64());
        Assert.Equal(1, body.GetProperty("page").GetInt32());
        Assert.Equal(2, body.GetProperty("page_size").GetInt32());
        var items = body.GetProperty("items").EnumerateArray().ToArray();
        Assert.Equal([users[2].Id, users[1].Id], items.Select(i => i.GetProperty("id").GetGuid()));
        AdminScenario.AssertFields(items[0], AdminUserFields);
        Assert.Equal(users[2].Email, items[0].GetProperty("email").GetString());
        Assert.True(items[0].GetProperty("is_active").GetBoolean());
        Assert.Equal(0, items[0].GetProperty("workspace_count").GetInt32());

        using var second = await a.GetAsync($"/admin/users?search={tag}&page=2&page_size=2", admin);
        Assert.Equal(users[0].Id, (await AdminScenario.OkJsonAsync(second)).GetProperty("items").EnumerateArray().Single().GetProperty("id").GetGuid());
        using var byEmail = await a.GetAsync($"/admin/users?search={Uri.EscapeDataString(users[1].Email)}", admin);
        Assert.Equal(users[1].Id, (await AdminScenario.OkJsonAsync(byEmail)).GetProperty("items").EnumerateArray().Single().GetProperty("id").GetGuid());

        using var tooBig = await a.GetAsync("/admin/users?page_size=101", admin);
        await Scenario.AssertValidationAsync(tooBig, "page_size", "less_than_equal");
        using var zero = await a.GetAsync("/admin/users?page=0", admin);
        await Scenario.AssertValidationAsync(zero, "page", "greater_than_equal");
        using var text = await a.GetAsync("/admin/users?page=abc", admin);
        await Scenario.AssertValidationAsync(text, "page", "int_parsing");
    }

    [Fact]
    public async Task user_detail_shows_memberships_and_answers_404_and_422()
    {
        var admin = await a.AdminAsync();
        var (workspace, slug, owner) = await a.WorkspaceAsync();

        using var response = await a.GetAsync($"/admin/users/{owner.Id}", admin);
        var body = await AdminScenario.OkJsonAsync(response);
        AdminScenario.AssertFields(body, DetailFields);
        Assert.Equal(owner.Email, body.GetProperty("email").GetString());
        Assert.Empty(body.GetProperty("social_accounts").EnumerateArray());
        var membership = body.GetProperty("memberships").EnumerateArray().Single();
        AdminScenario.AssertFields(membership, "workspace_id", "workspace_name", "workspace_slug", "role", "joined_at");
        Assert.Equal(workspace, membership.GetProperty("workspace_id").GetGuid());
        Assert.Equal(slug, membership.GetProperty("workspace_slug").GetString());
        Assert.Equal("owner", membership.GetProperty("role").GetString());

        using var missing = await a.GetAsync($"/admin/users/{Guid.NewGuid()}", admin);
        await Scenario.AssertErrorAsync(missing, 404, "User not found", "user_not_found");
        using var malformed = await a.GetAsync("/admin/users/not-a-uuid", admin);
        await Scenario.AssertValidationAsync(malformed, "user_id", "uuid_parsing");
    }

    [Fact]
    public async Task deactivation_revokes_sessions_and_flags_the_user_and_activation_lets_them_back()
    {
        var admin = await a.AdminAsync();
        var (user, ws) = await a.SignIn.OwnerAsync();
        var pair = await a.SignIn.SignInAsync(user.Id, ws);

        using (var off = await a.SendAsync(HttpMethod.Patch, $"/admin/users/{user.Id}", admin.Cookie, new { is_active = false }))
        {
            var body = await AdminScenario.OkJsonAsync(off);
            AdminScenario.AssertFields(body, DetailFields);
            Assert.False(body.GetProperty("is_active").GetBoolean());
        }
        using (var refresh = await a.SignIn.RefreshAsync(pair.Refresh))
            await Scenario.AssertErrorAsync(refresh, 401, "Invalid refresh token", "invalid_refresh_token");
        using (var me = await a.SignIn.GetAsync("/users/me", pair.Access))
            Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);

        using (var on = await a.SendAsync(HttpMethod.Patch, $"/admin/users/{user.Id}", admin.Cookie, new { is_active = true }))
            Assert.True((await AdminScenario.OkJsonAsync(on)).GetProperty("is_active").GetBoolean());
        await AdminScenario.NextSecondAsync();
        var again = await a.SignIn.SignInAsync(user.Id, ws);
        using (var me = await a.SignIn.GetAsync("/users/me", again.Access))
            Assert.Equal(HttpStatusCode.OK, me.StatusCode);

        var actions = (await AdminScenario.ActivityAsync("user_deactivated", admin.User.Id)).Concat(await AdminScenario.ActivityAsync("user_activated", admin.User.Id));
        Assert.Equal(2, actions.Count(r => r.TargetId == user.Id && r.TargetType == "user"));
    }

    [Fact]
    public async Task patch_writes_the_first_applicable_action_even_when_nothing_changes()
    {
        var admin = await a.AdminAsync();
        var user = await a.S.UserAsync();
        var cases = new (object Body, string Action)[]
        {
            (new { name = "Renamed" }, "user_updated"),
            (new { is_active = false, is_admin = true }, "user_promoted_admin"),
            (new { is_admin = false, is_active = true }, "user_demoted_admin"),
            (new { is_active = true }, "user_activated"),
            (new { is_active = false }, "user_deactivated"),
            (new { }, "user_updated"),
        };
        foreach (var (body, action) in cases)
        {
            var before = (await AdminScenario.ActivityAsync(action, admin.User.Id)).Count;
            using var response = await a.SendAsync(HttpMethod.Patch, $"/admin/users/{user.Id}", admin.Cookie, body);
            await AdminScenario.OkJsonAsync(response);
            Assert.Equal(before + 1, (await AdminScenario.ActivityAsync(action, admin.User.Id)).Count);
        }
        using var detail = await a.GetAsync($"/admin/users/{user.Id}", admin);
        Assert.Equal("Renamed", (await AdminScenario.OkJsonAsync(detail)).GetProperty("name").GetString());

        using var missing = await a.SendAsync(HttpMethod.Patch, $"/admin/users/{Guid.NewGuid()}", admin.Cookie, new { name = "X" });
        await Scenario.AssertErrorAsync(missing, 404, "User not found", "user_not_found");
        using var empty = await a.SendAsync(HttpMethod.Patch, $"/admin/users/{user.Id}", admin.Cookie, new { name = "" });
        await Scenario.AssertValidationAsync(empty, "name", "string_too_short");
        using var wrongType = await a.SendAsync(HttpMethod.Patch, $"/admin/users/{user.Id}", admin.Cookie, new { is_active = "maybe" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, wrongType.StatusCode);
    }

    [Fact]
    public async Task bulk_status_sets_each_user_revokes_deactivated_sessions_and_validates_the_list()
    {
        var admin = await a.AdminAsync();
        var (u1, ws1) = await a.SignIn.OwnerAsync();
        var (u2, ws2) = await a.SignIn.OwnerAsync();
        var p1 = await a.SignIn.SignInAsync(u1.Id, ws1);
        var p2 = await a.SignIn.SignInAsync(u2.Id, ws2);

        using (var off = await a.SendAsync(HttpMethod.Post, "/admin/users/bulk-status", admin.Cookie, new { user_ids = new[] { u1.Id, u2.Id, Guid.NewGuid() }, is_active = false }))
        {
            var body = await AdminScenario.OkJsonAsync(off);
            AdminScenario.AssertFields(body, "status", "affected");
            Assert.Equal("ok", body.GetProperty("status").GetString());
            Assert.Equal(2, body.GetProperty("affected").GetInt32());
        }
        foreach (var pair in new[] { p1, p2 })
        {
            using var refresh = await a.SignIn.RefreshAsync(pair.Refresh);
            await Scenario.AssertErrorAsync(refresh, 401, "Invalid refresh token", "invalid_refresh_token");
        }
        var row = (await AdminScenario.ActivityAsync("bulk_status_change", admin.User.Id)).Single();
        Assert.Equal(("system", Guid.Empty), (row.TargetType, row.TargetId));
        var detail = JsonDocument.Parse(row.Detail!).RootElement;
        Assert.Equal(2, detail.GetProperty("user_count").GetInt32());
        Assert.False(detail.GetProperty("is_active").GetBoolean());

        using (var on = await a.SendAsync(HttpMethod.Post, "/admin/users/bulk-status", admin.Cookie, new { user_ids = new[] { u1.Id, u2.Id }, is_active = true }))
            Assert.Equal(2, (await AdminScenario.OkJsonAsync(on)).GetProperty("affected").GetInt32());
        await AdminScenario.NextSecondAsync();
        var back = await a.SignIn.SignInAsync(u1.Id, ws1);
        using (var me = await a.SignIn.GetAsync("/users/me", back.Access))
            Assert.Equal(HttpStatusCode.OK, me.StatusCode);

        using var tooMany = await a.SendAsync(HttpMethod.Post, "/admin/users/bulk-status", admin.Cookie,
            new { user_ids = Enumerable.Range(0, 501).Select(_ => Guid.NewGuid()), is_active = true });
        await Scenario.AssertValidationAsync(tooMany, "user_ids", "too_long");
        using var noFlag = await a.SendAsync(HttpMethod.Post, "/admin/users/bulk-status", admin.Cookie, new { user_ids = new[] { u1.Id } });
        await Scenario.AssertValidationAsync(noFlag, "is_active", "missing");
        using var badId = await a.SendAsync(HttpMethod.Post, "/admin/users/bulk-status", admin.Cookie, new { user_ids = new[] { "nope" }, is_active = true });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badId.StatusCode);
    }

    [Fact]
    public async Task adding_a_user_to_a_workspace_answers_201_then_400_for_any_failure()
    {
        var admin = await a.AdminAsync();
        var (workspace, _, _) = await a.WorkspaceAsync();
        var user = await a.S.UserAsync();

        using (var added = await a.SendAsync(HttpMethod.Post, $"/admin/users/{user.Id}/workspaces", admin.Cookie, new { workspace_id = workspace, role = "editor" }))
        {
            var body = await AdminScenario.OkJsonAsync(added, 201);
            AdminScenario.AssertFields(body, "status");
            Assert.Equal("ok", body.GetProperty("status").GetString());
        }
        Assert.Equal(WorkspaceRole.Editor, await a.Grains.GetGrain<IWorkspaceGrain>(workspace).GetRoleAsync(user.Id));
        var row = (await AdminScenario.ActivityAsync("member_invited", admin.User.Id)).Single();
        Assert.Equal(user.Id, row.TargetId);
        Assert.Equal("editor", JsonDocument.Parse(row.Detail!).RootElement.GetProperty("role").GetString());

        using (var defaulted = await a.SendAsync(HttpMethod.Post, $"/admin/users/{(await a.S.UserAsync()).Id}/workspaces", admin.Cookie, new { workspace_id = workspace }))
            await AdminScenario.OkJsonAsync(defaulted, 201);

        foreach (var (userId, ws) in new[] { (user.Id, workspace), (user.Id, Guid.NewGuid()), (Guid.NewGuid(), workspace) })
        {
            using var failed = await a.SendAsync(HttpMethod.Post, $"/admin/users/{userId}/workspaces", admin.Cookie, new { workspace_id = ws, role = "viewer" });
            await Scenario.AssertErrorAsync(failed, 400, "Failed to add user to workspace", "add_to_workspace_failed");
        }
        using var badRole = await a.SendAsync(HttpMethod.Post, $"/admin/users/{user.Id}/workspaces", admin.Cookie, new { workspace_id = workspace, role = "boss" });
        await Scenario.AssertValidationAsync(badRole, "role", "literal_error");
        using var noWorkspace = await a.SendAsync(HttpMethod.Post, $"/admin/users/{user.Id}/workspaces", admin.Cookie, new { role = "viewer" });
        await Scenario.AssertValidationAsync(noWorkspace, "workspace_id", "missing");
    }

    [Fact]
    public async Task revoke_tokens_counts_the_live_refresh_families_and_ends_them()
    {
        var admin = await a.AdminAsync();
        var (user, ws) = await a.SignIn.OwnerAsync();
        var laptop = await a.SignIn.SignInAsync(user.Id, ws);
        var phone = await a.SignIn.SignInAsync(user.Id, ws);

        using var revoke = await a.SendAsync(HttpMethod.Post, $"/admin/users/{user.Id}/revoke-tokens", admin.Cookie);
        var body = await AdminScenario.OkJsonAsync(revoke);
        AdminScenario.AssertFields(body, "status", "tokens_revoked");
        Assert.Equal(2, body.GetProperty("tokens_revoked").GetInt32());
        foreach (var pair in new[] { laptop, phone })
        {
            using var refresh = await a.SignIn.RefreshAsync(pair.Refresh);
            await Scenario.AssertErrorAsync(refresh, 401, "Invalid refresh token", "invalid_refresh_token");
        }
        Assert.Equal(user.Id, (await AdminScenario.ActivityAsync("tokens_revoked", admin.User.Id)).Single().TargetId);
    }

    [Fact]
    public async Task admin_revokes_one_device_whose_next_refresh_fails_while_the_other_still_refreshes()
    {
        var admin = await a.AdminAsync();
        var clientApp = await SignInScenario.ClientAppAsync($"http://app-{Guid.NewGuid():N}.example/cb");
        var (user, ws) = await a.SignIn.OwnerAsync();
        var laptop = await a.SignIn.SignInAsync(user.Id, ws, clientApp);
        var phone = await a.SignIn.SignInAsync(user.Id, ws);
        var phoneFamily = Guid.Parse(phone.RefreshJwt.GetPayloadValue<string>("fid"));

        using (var list = await a.GetAsync($"/admin/users/{user.Id}/sessions", admin))
        {
            var text = await list.Content.ReadAsStringAsync();
            var sessions = (await AdminScenario.OkJsonAsync(list)).GetProperty("sessions").EnumerateArray().ToArray();
            Assert.Equal(2, sessions.Length);
            var laptopRow = sessions.Single(s => s.GetProperty("family_id").GetGuid() != phoneFamily);
            AdminScenario.AssertFields(laptopRow, "family_id", "client_app_id", "client_app_name", "workspace_id", "created_at", "last_used_at", "ip", "user_agent", "current");
            Assert.Equal(clientApp, laptopRow.GetProperty("client_app_id").GetGuid());
            Assert.Equal(ws, laptopRow.GetProperty("workspace_id").GetGuid());
            Assert.All(sessions, s => Assert.False(s.GetProperty("current").GetBoolean()));
            foreach (var secret in new[] { laptop.Refresh, phone.Refresh, laptop.RefreshJwt.Id, phone.AccessJwt.Id })
                Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }

        using (var revoke = await a.SendAsync(HttpMethod.Delete, $"/admin/users/{user.Id}/sessions/{phoneFamily}", admin.Cookie))
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        using (var phoneRefresh = await a.SignIn.RefreshAsync(phone.Refresh))
            await Scenario.AssertErrorAsync(phoneRefresh, 401, "Invalid refresh token", "invalid_refresh_token");
        using (var phoneAccess = await a.SignIn.GetAsync("/users/me", phone.Access))
            await Scenario.AssertErrorAsync(phoneAccess, 401, "Token has been revoked", "token_revoked");
        using (var laptopRefresh = await a.SignIn.RefreshAsync(laptop.Refresh))
            await TokenPair.ReadAsync(laptopRefresh);

        var row = (await AdminScenario.ActivityAsync("session_revoked", admin.User.Id)).Single();
        Assert.Equal(user.Id, row.TargetId);
        Assert.Equal(phoneFamily, JsonDocument.Parse(row.Detail!).RootElement.GetProperty("family_id").GetGuid());

        using var again = await a.SendAsync(HttpMethod.Delete, $"/admin/users/{user.Id}/sessions/{phoneFamily}", admin.Cookie);
        await Scenario.AssertErrorAsync(again, 404, "Session not found", "session_not_found");
        using var otherUsers = await a.SendAsync(HttpMethod.Delete, $"/admin/users/{admin.User.Id}/sessions/{laptop.RefreshJwt.GetPayloadValue<string>("fid")}", admin.Cookie);
        await Scenario.AssertErrorAsync(otherUsers, 404, "Session not found", "session_not_found");
        using var unknownUser = await a.GetAsync($"/admin/users/{Guid.NewGuid()}/sessions", admin);
        await Scenario.AssertErrorAsync(unknownUser, 404, "User not found", "user_not_found");
        using var malformed = await a.SendAsync(HttpMethod.Delete, $"/admin/users/{user.Id}/sessions/nope", admin.Cookie);
        await Scenario.AssertValidationAsync(malformed, "family_id", "uuid_parsing");
    }
}
