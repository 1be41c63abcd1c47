using System.Text.Json;
using Sentinel.Web.Tests.SignIn;
using Xunit;

namespace Sentinel.Web.Tests.Admin;

/// <summary>Stats, activity, the workspace picker, system health and settings.</summary>
[Collection(SignInCollection.Name)]
public sealed class AdminSystemTests(SignInWeb web)
{
    private readonly AdminScenario a = new(web.App);

    private static readonly string[] ActivityFields =
        ["id", "action", "actor_id", "actor_name", "actor_email", "target_type", "target_id", "workspace_id", "detail", "created_at"];

    [Fact]
    public async Task stats_have_the_contract_counts_and_top_lists()
    {
        var admin = await a.AdminAsync();
        await a.WorkspaceAsync();
        using var response = await a.GetAsync("/admin/stats", admin);
        var body = await AdminScenario.OkJsonAsync(response);
        AdminScenario.AssertFields(body, "total_users", "total_workspaces", "total_groups", "total_resources", "active_users", "inactive_users", "recent_users", "top_workspaces");
        // One statement reads every count, so they agree even while other tests add users.
        Assert.Equal(body.GetProperty("total_users").GetInt64(), body.GetProperty("active_users").GetInt64() + body.GetProperty("inactive_users").GetInt64());
        var recent = body.GetProperty("recent_users").EnumerateArray().ToArray();
        Assert.InRange(recent.Length, 1, 5);
        AdminScenario.AssertFields(recent[0], "id", "email", "name", "avatar_url", "is_active", "is_admin", "created_at", "workspace_count");
        var top = body.GetProperty("top_workspaces").EnumerateArray().ToArray();
        Assert.InRange(top.Length, 1, 5);
        AdminScenario.AssertFields(top[0], "id", "name", "slug", "member_count");
        Assert.True(top.Zip(top.Skip(1)).All(p => p.First.GetProperty("member_count").GetInt32() >= p.Second.GetProperty("member_count").GetInt32()));
    }

    [Fact]
    public async Task activity_filters_by_every_field_pages_newest_first_and_validates_input()
    {
        var admin = await a.AdminAsync();
        var (workspace, _, _) = await a.WorkspaceAsync();
        var user = await a.S.UserAsync();
        foreach (var name in new[] { "One", "Two", "Three" })
        {
            using var patch = await a.SendAsync(HttpMethod.Patch, $"/admin/users/{user.Id}", admin.Cookie, new { name });
            await AdminScenario.OkJsonAsync(patch);
        }
        using (var add = await a.SendAsync(HttpMethod.Post, $"/admin/users/{user.Id}/workspaces", admin.Cookie, new { workspace_id = workspace }))
            await AdminScenario.OkJsonAsync(add, 201);

        using var mine = await a.GetAsync($"/admin/activity?actor_id={admin.User.Id}&page_size=3", admin);
        var body = await AdminScenario.OkJsonAsync(mine);
        AdminScenario.AssertFields(body, "items", "total", "page", "page_size");
        Assert.Equal(4, body.GetProperty("total").GetInt64());
        var items = body.GetProperty("items").EnumerateArray().ToArray();
        Assert.Equal(3, items.Length);
        AdminScenario.AssertFields(items[0], ActivityFields);
        Assert.Equal("member_invited", items[0].GetProperty("action").GetString());
        Assert.Equal(workspace, items[0].GetProperty("workspace_id").GetGuid());
        Assert.Equal("viewer", items[0].GetProperty("detail").GetProperty("role").GetString());
        Assert.Equal(admin.User.Email, items[0].GetProperty("actor_email").GetString());
        Assert.Equal("Ada Admin", items[0].GetProperty("actor_name").GetString());
        var times = items.Select(i => i.GetProperty("created_at").GetDateTimeOffset()).ToArray();
        Assert.Equal(times.OrderByDescending(t => t), times);
        Assert.Equal(JsonValueKind.Null, items[1].GetProperty("detail").ValueKind);

        async Task<long> TotalAsync(string query)
        {
            using var response = await a.GetAsync($"/admin/activity?actor_id={admin.User.Id}&{query}", admin);
            return (await AdminScenario.OkJsonAsync(response)).GetProperty("total").GetInt64();
        }
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var yesterday = DateTime.UtcNow.AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var tomorrow = DateTime.UtcNow.AddDays(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(3, await TotalAsync("action=user_updated"));
        Assert.Equal(4, await TotalAsync("target_type=user"));
        Assert.Equal(1, await TotalAsync($"workspace_id={workspace}"));
        Assert.Equal(4, await TotalAsync($"from_date={today}&to_date={today}"));
        Assert.Equal(0, await TotalAsync($"to_date={yesterday}"));
        Assert.Equal(0, await TotalAsync($"from_date={tomorrow}"));
        Assert.Equal(4, await TotalAsync($"from_date={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(-1).ToString("O"))}"));

        using (var page2 = await a.GetAsync($"/admin/activity?actor_id={admin.User.Id}&page=2&page_size=3", admin))
            Assert.Single((await AdminScenario.OkJsonAsync(page2)).GetProperty("items").EnumerateArray());
        using var badDate = await a.GetAsync("/admin/activity?from_date=yesterday", admin);
        await Scenario.AssertValidationAsync(badDate, "from_date");
        using var badWorkspace = await a.GetAsync("/admin/activity?workspace_id=abc", admin);
        await Scenario.AssertValidationAsync(badWorkspace, "workspace_id", "uuid_parsing");
        using var badSize = await a.GetAsync("/admin/activity?page_size=0", admin);
        await Scenario.AssertValidationAsync(badSize, "page_size", "greater_than_equal");
    }

    [Fact]
    public async Task all_workspaces_are_listed_by_name_with_id_name_and_slug()
    {
        var admin = await a.AdminAsync();
        var (workspace, slug, _) = await a.WorkspaceAsync();
        using var response = await a.GetAsync("/admin/workspaces/all", admin);
        var items = (await AdminScenario.OkJsonAsync(response)).EnumerateArray().ToArray();
        var mine = items.Single(i => i.GetProperty("id").GetGuid() == workspace);
        AdminScenario.AssertFields(mine, "id", "name", "slug");
        Assert.Equal(slug, mine.GetProperty("slug").GetString());
        var names = items.Select(i => i.GetProperty("name").GetString()!).ToArray();
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
    }

    [Fact]
    public async Task system_health_checks_postgresql_and_redis()
    {
        var admin = await a.AdminAsync();
        using var response = await a.GetAsync("/admin/system/health", admin);
        var body = await AdminScenario.OkJsonAsync(response);
        AdminScenario.AssertFields(body, "status", "checks", "uptime_seconds", "version");
        Assert.Equal("healthy", body.GetProperty("status").GetString());
        Assert.Equal("0.1.0", body.GetProperty("version").GetString());
        Assert.True(body.GetProperty("uptime_seconds").GetDouble() > 0);
        foreach (var name in new[] { "database", "redis" })
        {
            var check = body.GetProperty("checks").GetProperty(name);
            AdminScenario.AssertFields(check, "status", "latency_ms", "error");
            Assert.Equal("ok", check.GetProperty("status").GetString());
            Assert.True(check.GetProperty("latency_ms").GetDouble() >= 0);
            Assert.Equal(JsonValueKind.Null, check.GetProperty("error").ValueKind);
        }
    }

    [Fact]
    public async Task system_settings_show_the_configuration_without_secrets_and_write_the_activity_row()
    {
        var admin = await a.AdminAsync();
        using var response = await a.GetAsync("/admin/system/settings", admin);
        var text = await response.Content.ReadAsStringAsync();
        var body = await AdminScenario.OkJsonAsync(response);
        AdminScenario.AssertFields(body, "oauth_providers", "jwt", "security", "rate_limits", "service_keys", "service");
        var providers = body.GetProperty("oauth_providers").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!, p => p.GetProperty("configured").GetBoolean());
        Assert.False(providers["google"]);
        Assert.False(providers["github"]);
        Assert.False(providers["entra"]);
        Assert.True(providers["dex"]);
        AdminScenario.AssertFields(body.GetProperty("jwt"), "algorithm", "access_token_expire_minutes", "refresh_token_expire_days", "public_key_preview", "denylist_count");
        Assert.Equal("RS256", body.GetProperty("jwt").GetProperty("algorithm").GetString());
        AdminScenario.AssertFields(body.GetProperty("security"), "cookie_secure", "allowed_hosts", "cors_origins", "session_secret_configured", "admin_emails");
        Assert.True(body.GetProperty("security").GetProperty("session_secret_configured").GetBoolean());
        var limits = body.GetProperty("rate_limits").EnumerateArray().ToArray();
        Assert.Equal(10, limits.Length);
        AdminScenario.AssertFields(limits[0], "endpoint", "limit");
        AdminScenario.AssertFields(body.GetProperty("service"), "base_url", "frontend_url", "admin_url");
        Assert.DoesNotContain("web-tests-session-secret", text, StringComparison.Ordinal);
        Assert.DoesNotContain("sentinel-test-secret", text, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", text, StringComparison.Ordinal);

        var row = (await AdminScenario.ActivityAsync("view_system_settings", admin.User.Id)).Single();
        Assert.Equal(("system", Guid.Empty), (row.TargetType, row.TargetId));
    }
}
