using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using Sentinel.Grains.Directory;
using Xunit;

namespace Sentinel.Browser.Tests.AdminPanel;

/// <summary>
/// The panel's edit forms (each changes what the API then returns, read back through the panel's own session), the
/// batched import of 10,000 rows with its progress, the dashboard's charts moving under load, and the toast that must
/// not follow the admin onto the next page. Screenshots in <c>.test-results/screenshots/</c>.
/// </summary>
[Collection(PanelCollection.Name)]
public sealed class AdminPanelFormsTests(PanelCluster c)
{
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>An admin API call made by the page itself (its cookie, the CSRF header), as the panel makes them.</summary>
    private static async Task<(int Status, JsonElement Body)> ApiAsync(IPage page, string method, string path, object? body = null)
    {
        var raw = await page.EvaluateAsync<string>(
            @"async ([m, p, b]) => {
                const headers = { Accept: 'application/json', 'X-Requested-With': 'XMLHttpRequest' };
                if (b) headers['Content-Type'] = 'application/json';
                const r = await fetch(p, { method: m, headers, body: b ?? undefined, credentials: 'same-origin' });
                return JSON.stringify({ status: r.status, body: await r.text() });
            }",
            new object?[] { method, path, body is null ? null : JsonSerializer.Serialize(body) });
        var outer = JsonDocument.Parse(raw).RootElement;
        var text = outer.GetProperty("body").GetString()!;
        return (outer.GetProperty("status").GetInt32(), text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private static async Task<JsonElement> OkAsync(IPage page, string method, string path, object? body = null)
    {
        var (status, json) = await ApiAsync(page, method, path, body);
        Assert.True(status is >= 200 and < 300, $"{method} {path}: {status} {json}");
        return json;
    }

    /// <summary>The same route again, rendered afresh (a navigation to the URL the page is on changes nothing).</summary>
    private static async Task ReloadAsync(PanelBrowser browser, string route)
    {
        await browser.Page.ReloadAsync();
        await browser.ReadyAsync(route);
    }

    private async Task<Person> MemberOfAsync(Person owner, string name)
    {
        var other = await c.PersonAsync(name);
        var added = await c.Orleans.Client.GetGrain<IWorkspaceGrain>(owner.WorkspaceId).AddMemberAsync(new Actor(owner.UserId, null), other.UserId, WorkspaceRole.Editor);
        Assert.True(added.IsOk, added.Error.ToString());
        return other;
    }

    [Fact]
    public async Task every_edit_form_changes_what_the_api_then_returns()
    {
        var browser = await c.SharedBrowserAsync();
        var page = browser.Page;
        var owner = await c.PersonAsync("forms");
        var member = await MemberOfAsync(owner, "formsmember");
        var ws = owner.WorkspaceId;

        // Workspace name and description.
        await browser.GoAsync(c, $"workspaces/{ws}");
        var wsForm = page.GetByRole(AriaRole.Form, new() { Name = "Edit workspace" });
        await wsForm.GetByLabel("Name", new() { Exact = true }).FillAsync($"Renamed {c.Run}");
        await wsForm.GetByLabel("Description").FillAsync("Edited in the panel");
        await wsForm.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Renamed {c.Run}" })).ToBeVisibleAsync();
        var wsBody = await OkAsync(page, "GET", $"/admin/workspaces/{ws}");
        Assert.Equal(($"Renamed {c.Run}", "Edited in the panel"), (wsBody.GetProperty("name").GetString(), wsBody.GetProperty("description").GetString()));
        await browser.ScreenshotAsync("forms-workspace-edited");

        // A group: rename it, add a member.
        var group = await OkAsync(page, "POST", $"/admin/workspaces/{ws}/groups", new { name = "Reviewers" });
        var groupId = group.GetProperty("id").GetString();
        await ReloadAsync(browser, $"workspaces/{ws}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Edit group Reviewers" }).ClickAsync();
        var gForm = page.GetByRole(AriaRole.Form, new() { Name = "Edit group Reviewers" });
        await gForm.GetByLabel("Name", new() { Exact = true }).FillAsync("Senior reviewers");
        await gForm.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Edit group Senior reviewers" })).ToBeVisibleAsync();
        Assert.Contains((await OkAsync(page, "GET", $"/admin/workspaces/{ws}/groups")).EnumerateArray(), g => g.GetProperty("name").GetString() == "Senior reviewers");
        await page.GetByRole(AriaRole.Button, new() { Name = "Members of group Senior reviewers" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Nobody is in this group yet.")).ToBeVisibleAsync();
        await page.GetByLabel("Add to Senior reviewers").SelectOptionAsync(member.UserId.ToString());
        await page.GetByRole(AriaRole.Button, new() { Name = "Add to group" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = $"Remove {member.Email} from group Senior reviewers" })).ToBeVisibleAsync();
        Assert.Contains((await OkAsync(page, "GET", $"/admin/groups/{groupId}/members")).EnumerateArray(), m => m.GetProperty("user_id").GetString() == member.UserId.ToString());
        await browser.ScreenshotAsync("forms-group-members");

        // A role: rename it, grant a registered action, assign it to a member.
        var service = $"frm-{c.Run}";
        var app = await OkAsync(page, "POST", "/admin/service-apps", new { name = $"Forms {c.Run}", service_name = service });
        var key = app.GetProperty("api_key").GetString()!;
        using (var register = new HttpRequestMessage(HttpMethod.Post, new Uri(c.Api, "/roles/actions/register")))
        {
            register.Content = JsonContent.Create(new { service_name = service, actions = new[] { new { action = "docs.read", description = "Read documents" } } });
            register.Headers.Add("X-Service-Key", key);
            using var registered = await http.SendAsync(register);
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }
        var role = await OkAsync(page, "POST", $"/admin/workspaces/{ws}/roles", new { name = "Readers" });
        var roleId = role.GetProperty("id").GetString();
        await ReloadAsync(browser, $"workspaces/{ws}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Edit role Readers" }).ClickAsync();
        var rForm = page.GetByRole(AriaRole.Form, new() { Name = "Edit role Readers" });
        await rForm.GetByLabel("Description").FillAsync("Can read documents");
        await rForm.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Cell, new() { Name = "Can read documents" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Actions of role Readers" }).ClickAsync();
        await page.GetByLabel("Grant to Readers").SelectOptionAsync(new SelectOptionValue { Label = $"{service}:docs.read" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Grant action" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = $"Revoke {service}:docs.read from Readers" })).ToBeVisibleAsync();
        Assert.Contains((await OkAsync(page, "GET", $"/admin/roles/{roleId}/actions")).EnumerateArray(), a => a.GetProperty("action").GetString() == "docs.read");
        await page.GetByRole(AriaRole.Button, new() { Name = "Members of role Readers" }).ClickAsync();
        await page.GetByLabel("Assign Readers to").SelectOptionAsync(member.UserId.ToString());
        await page.GetByRole(AriaRole.Button, new() { Name = "Assign role" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = $"Unassign Readers from {member.Email}" })).ToBeVisibleAsync();
        Assert.Contains((await OkAsync(page, "GET", $"/admin/roles/{roleId}/members")).EnumerateArray(), m => m.GetProperty("user_id").GetString() == member.UserId.ToString());
        Assert.Equal("Can read documents", (await OkAsync(page, "GET", $"/admin/workspaces/{ws}/roles")).EnumerateArray().Single(r => r.GetProperty("id").GetString() == roleId).GetProperty("description").GetString());
        await browser.ScreenshotAsync("forms-role-members");

        // Visibility and shares of a resource permission the service registered.
        var resource = Guid.NewGuid();
        using (var reg = new HttpRequestMessage(HttpMethod.Post, new Uri(c.Api, "/permissions/register")))
        {
            reg.Content = JsonContent.Create(new { service_name = service, resource_type = "doc", resource_id = resource.ToString(), workspace_id = ws.ToString(), owner_id = owner.UserId.ToString() });
            reg.Headers.Add("X-Service-Key", key);
            using var registered = await http.SendAsync(reg);
            Assert.True(registered.IsSuccessStatusCode, await registered.Content.ReadAsStringAsync());
        }
        await browser.GoAsync(c, $"permissions?service_name={service}");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Manage doc {resource}" }).ClickAsync();
        await page.GetByLabel("Visibility", new() { Exact = true }).SelectOptionAsync("private");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save visibility" }).ClickAsync();
        await page.Locator("#confirm-ok").ClickAsync();
        // The panel re-renders the permission after the save: a choice made in the share form before that is lost.
        await Assertions.Expect(page.GetByRole(AriaRole.Definition).Filter(new() { HasText = "private" })).ToBeVisibleAsync();
        await page.GetByLabel("Share with").SelectOptionAsync($"user:{member.UserId}");
        await page.GetByLabel("Permission", new() { Exact = true }).SelectOptionAsync("edit");
        await page.GetByRole(AriaRole.Button, new() { Name = "Share", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = $"Unshare {member.Email}" })).ToBeVisibleAsync();
        var permissionId = (await OkAsync(page, "GET", $"/admin/permissions?service_name={service}")).GetProperty("items")[0].GetProperty("id").GetString();
        var acl = await OkAsync(page, "GET", $"/admin/permissions/{permissionId}");
        Assert.Equal("private", acl.GetProperty("visibility").GetString());
        Assert.Contains(acl.GetProperty("shares").EnumerateArray(), s => s.GetProperty("grantee_id").GetString() == member.UserId.ToString() && s.GetProperty("permission").GetString() == "edit");
        await browser.ScreenshotAsync("forms-permission-shared");

        // Bulk status: deactivate the member from the user list, after a confirmation.
        await browser.GoAsync(c, "users?search=" + Uri.EscapeDataString(member.Email));
        await page.GetByLabel($"Select {member.Email}").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Deactivate selected" }).ClickAsync();
        await Assertions.Expect(page.Locator("#confirm")).ToBeVisibleAsync();
        await page.Locator("#confirm-ok").ClickAsync();
        await Assertions.Expect(page.GetByText("Inactive")).ToBeVisibleAsync();
        Assert.False((await OkAsync(page, "GET", $"/admin/users/{member.UserId}")).GetProperty("is_active").GetBoolean());
        await browser.ScreenshotAsync("forms-bulk-deactivated");

        // The toast of that action stays on its page: on the next page it is gone.
        await Assertions.Expect(page.Locator("#toasts .toast")).Not.ToHaveCountAsync(0);
        await page.WaitForTimeoutAsync(1200);
        await page.GetByRole(AriaRole.Link, new() { Name = "Workspaces", Exact = true }).ClickAsync();
        await browser.ReadyAsync("workspaces");
        Assert.Equal(0, await page.Locator("#toasts .toast").CountAsync());
    }

    [Fact]
    public async Task an_import_of_10000_rows_shows_its_progress_and_finishes()
    {
        await using var browser = await PanelBrowser.LaunchAsync();
        await browser.SignInAsync(c);
        var page = browser.Page;
        var owner = await c.PersonAsync("bulk");
        var csv = new StringBuilder("email,name,workspace_slug,role\n");
        for (var i = 0; i < 10_000; i++) csv.Append($"bulk-{c.Run}-{i}@example.com,Bulk {i},{owner.WorkspaceSlug},viewer\n");
        csv.Append($"not-an-email,Broken,{owner.WorkspaceSlug},viewer\n");

        await browser.GoAsync(c, "import");
        await page.GetByLabel("CSV file (up to 5 MB)").SetInputFilesAsync(new FilePayload { Name = "bulk.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(csv.ToString()) });
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview import" }).ClickAsync();
        await Assertions.Expect(page.GetByText("10000 valid row(s), 1 with errors")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Import 10000 valid rows" }).ClickAsync();
        await page.Locator("#confirm-ok").ClickAsync();
        // The progress bar and its line (rows written, rows per second, ETA) show while the job runs.
        await Assertions.Expect(page.Locator("progress[aria-label='Rows written']")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("valid rows written ·")).ToBeVisibleAsync();
        await browser.ScreenshotAsync("import-10k-progress");
        await Assertions.Expect(page.GetByText("10000 user(s) created, 10000 membership(s) added.")).ToBeVisibleAsync(new() { Timeout = 120_000 });
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Download the error report (1 row)" })).ToBeVisibleAsync();
        await browser.ScreenshotAsync("import-10k-finished");
        var stats = await OkAsync(page, "GET", $"/admin/workspaces/{owner.WorkspaceId}");
        Assert.Equal(10_001, stats.GetProperty("member_count").GetInt32());
    }

    [Fact]
    public async Task the_dashboard_charts_render_and_move_while_a_load_runs()
    {
        await using var browser = await PanelBrowser.LaunchAsync();
        await browser.SignInAsync(c);
        var page = browser.Page;
        await browser.GoAsync(c, "dashboard");
        var charts = page.Locator("figure.chart-card");
        await Assertions.Expect(charts).ToHaveCountAsync(8);
        await browser.ScreenshotAsync("dashboard-charts-idle");
        var grainTypes = await page.Locator("figure[data-chart='Active grains by type'] li").AllTextContentsAsync();
        Assert.DoesNotContain(grainTypes, t => t.Contains("Sentinel.Grains", StringComparison.Ordinal));
        var before = await page.Locator("figure[data-chart='Grain calls per second (cluster)'] path").GetAttributeAsync("d");

        // Load: sign-ins through the provider and refreshes, for about 25 s (two or three chart refreshes).
        var person = await c.PersonAsync("load");
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(25));
        var load = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var (_, refresh) = await c.DeviceSignInAsync(person, "Load/1.0");
                await c.RefreshAsync(refresh);
            }
        });
        // The sign-ins chart gets a "success" line, and the calls chart's line changes.
        await Assertions.Expect(page.Locator("figure[data-chart='Sign-ins per second by outcome'] path[data-series='success']")).ToHaveCountAsync(1, new() { Timeout = 45_000 });
        await Assertions.Expect(page.Locator("figure[data-chart='Refreshes per second'] path")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await load;
        var after = await page.Locator("figure[data-chart='Grain calls per second (cluster)'] path").GetAttributeAsync("d");
        Assert.NotEqual(before, after);
        await browser.ScreenshotAsync("dashboard-under-load");
        // The charts alone, small enough for docs/admin-panel.md.
        await page.Locator("section[aria-labelledby='charts-h']").ScreenshotAsync(new() { Path = Path.Combine(PanelBrowser.ScreenshotDirectory, "dashboard-charts-under-load.png") });
        Assert.Empty(await browser.SeriousViolationsAsync());
    }
}
