using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.Playwright;
using Xunit;

namespace Sentinel.Browser.Tests.AdminPanel;

/// <summary>
/// The admin panel in headless Chromium against real silo and web processes and the local OpenID Connect provider:
/// sign in, create a service app and rotate its key, revoke one device of a user, import users from CSV.
/// A screenshot per step goes to <c>.test-results/screenshots/</c>.
/// </summary>
[Collection(PanelCollection.Name)]
public sealed class AdminPanelScenarioTests(PanelCluster c)
{
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task an_admin_signs_in_manages_a_service_key_revokes_one_device_and_imports_users()
    {
        await using var browser = await PanelBrowser.LaunchAsync();
        var page = browser.Page;

        // 1. Sign in through the provider; back on the panel, the sign-in screen never appears, not even for a moment.
        var submitted = await browser.SignInAsync(c);
        var afterProvider = browser.Screens.Where(s => s.At >= submitted && s.Url.StartsWith(c.Admin.ToString(), StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(afterProvider);
        Assert.All(afterProvider, s => Assert.Equal("app", s.Screen));
        await Assertions.Expect(page.Locator("#who")).ToContainTextAsync("Panel Admin");
        await browser.ScreenshotAsync("1-signed-in-dashboard");

        // 2. Create a service app: its key is shown once; after a reload it is gone.
        var service = $"svc-{c.Run}";
        await browser.GoAsync(c, "service-apps");
        await page.GetByLabel("App name").FillAsync($"Panel service {c.Run}");
        await page.GetByLabel("Service name").FillAsync(service);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create service app" }).ClickAsync();
        var firstKey = (await page.GetByTestId("service-key").TextContentAsync())!;
        Assert.StartsWith("sk_", firstKey, StringComparison.Ordinal);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Copy key" })).ToBeVisibleAsync();
        await browser.ScreenshotAsync("2-service-key-shown-once");
        Assert.Equal(HttpStatusCode.Created, await RegisterActionAsync(service, firstKey));
        await page.ReloadAsync();
        await browser.ReadyAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Cell, new() { Name = service })).ToBeVisibleAsync();
        Assert.Equal(0, await page.GetByTestId("service-key").CountAsync());
        Assert.DoesNotContain(firstKey, await page.ContentAsync(), StringComparison.Ordinal);
        await browser.ScreenshotAsync("2-service-key-gone-after-reload");

        // 3. Rotate, after a confirmation: the old key is refused by a real API call, the new one accepted.
        await page.GetByRole(AriaRole.Button, new() { Name = $"Rotate key of Panel service {c.Run}" }).ClickAsync();
        await Assertions.Expect(page.Locator("#confirm")).ToBeVisibleAsync();
        await page.Locator("#confirm-ok").ClickAsync();
        var rotatedKey = (await page.GetByTestId("service-key").TextContentAsync())!;
        Assert.StartsWith("sk_", rotatedKey, StringComparison.Ordinal);
        Assert.NotEqual(firstKey, rotatedKey);
        await browser.ScreenshotAsync("3-service-key-rotated");
        Assert.Equal(HttpStatusCode.Unauthorized, await RegisterActionAsync(service, firstKey));
        Assert.Equal(HttpStatusCode.Created, await RegisterActionAsync(service, rotatedKey));

        // 4. Find a user, revoke one of their two devices: that device's next refresh fails, the other's works.
        var person = await c.PersonAsync("devices");
        var laptop = await c.DeviceSignInAsync(person, "PanelTest-Laptop/1.0");
        var phone = await c.DeviceSignInAsync(person, "PanelTest-Phone/1.0");
        var phoneFamily = new JsonWebToken(phone.Refresh).GetPayloadValue<string>("fid");
        await browser.GoAsync(c, "users");
        await page.GetByLabel("Email or name").FillAsync(person.Email);
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = person.Email }).ClickAsync();
        await browser.ReadyAsync($"users/{person.UserId}");
        var revoke = page.Locator($"button[data-family='{phoneFamily}']");
        await Assertions.Expect(revoke).ToBeVisibleAsync();
        Assert.Equal(2, await page.Locator("button[data-family]").CountAsync());
        await browser.ScreenshotAsync("4-user-sessions");
        await revoke.ClickAsync();
        await page.Locator("#confirm-ok").ClickAsync();
        await Assertions.Expect(revoke).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("button[data-family]")).ToHaveCountAsync(1);
        await browser.ScreenshotAsync("4-session-revoked");
        Assert.Equal(HttpStatusCode.Unauthorized, await c.RefreshAsync(phone.Refresh));
        Assert.Equal(HttpStatusCode.OK, await c.RefreshAsync(laptop.Refresh));

        // 5. Import a small CSV: a preview first, then the import; the users appear in the user list.
        var imported = new[] { $"imported-a-{c.Run}@example.com", $"imported-b-{c.Run}@example.com" };
        var csv = $"email,name,workspace_slug,role\n{imported[0]},Imported A,{person.WorkspaceSlug},editor\n{imported[1]},Imported B,{person.WorkspaceSlug},\n";
        await browser.GoAsync(c, "import");
        await page.GetByLabel("CSV file (up to 5 MB)").SetInputFilesAsync(new FilePayload { Name = "users.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(csv) });
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview import" }).ClickAsync();
        await Assertions.Expect(page.GetByText("2 valid row(s), 0 with errors")).ToBeVisibleAsync();
        await browser.ScreenshotAsync("5-import-preview");
        Assert.Equal(0, await UsersWithEmailsAsync(imported));
        await page.GetByRole(AriaRole.Button, new() { Name = "Import 2 valid rows" }).ClickAsync();
        await page.Locator("#confirm-ok").ClickAsync();
        await Assertions.Expect(page.GetByText("2 user(s) created, 2 membership(s) added.")).ToBeVisibleAsync();
        await browser.GoAsync(c, "users?search=" + Uri.EscapeDataString($"-{c.Run}@example.com"));
        foreach (var email in imported) await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = email })).ToBeVisibleAsync();
        await browser.ScreenshotAsync("5-imported-users");
    }

    /// <summary>A real call authenticated by the service key: registering an RBAC action for the key's own service.</summary>
    private async Task<HttpStatusCode> RegisterActionAsync(string service, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(c.Api, "/roles/actions/register"))
        {
            Content = JsonContent.Create(new { service_name = service, actions = new[] { new { action = "docs.read", description = "Read documents" } } }),
        };
        request.Headers.Add("X-Service-Key", key);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    private async Task<long> UsersWithEmailsAsync(string[] emails)
    {
        await using var db = Npgsql.NpgsqlDataSource.Create(Sentinel.Testing.TestConnection.ConnectionString());
        await using var cmd = db.CreateCommand("SELECT count(*) FROM users WHERE lower(email) = ANY(@e)");
        cmd.Parameters.AddWithValue("e", emails.Select(e => e.ToLowerInvariant()).ToArray());
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
