using Microsoft.Playwright;
using Xunit;

namespace Sentinel.Browser.Tests.AdminPanel;

/// <summary>axe-core on every page of the panel (no serious or critical violations) and keyboard use.</summary>
[Collection(PanelCollection.Name)]
public sealed class AdminPanelAccessibilityTests(PanelCluster c) : IAsyncLifetime
{
    private PanelBrowser browser = null!;

    public static TheoryData<string> Pages() =>
    [
        "dashboard", "users", "workspaces", "permissions", "service-actions", "client-apps", "service-apps", "activity", "import", "system",
    ];

    // One signed-in browser for all of these (the cluster disposes it); the scenario signs in with its own.
    public async Task InitializeAsync() => browser = await c.SharedBrowserAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task every_page_has_no_serious_or_critical_axe_violations(string route)
    {
        await browser.GoAsync(c, route);
        await browser.ScreenshotAsync("axe-" + route);
        Assert.Empty(await browser.SeriousViolationsAsync());
    }

    [Fact]
    public async Task a_user_detail_and_a_workspace_detail_have_no_serious_or_critical_axe_violations()
    {
        var person = await c.PersonAsync("axe");
        await browser.GoAsync(c, $"users/{person.UserId}");
        await Assertions.Expect(browser.Page.GetByRole(AriaRole.Heading, new() { Name = "Sessions" })).ToBeVisibleAsync();
        Assert.Empty(await browser.SeriousViolationsAsync());
        await browser.GoAsync(c, $"workspaces/{person.WorkspaceId}");
        await Assertions.Expect(browser.Page.GetByRole(AriaRole.Heading, new() { Name = "Members" })).ToBeVisibleAsync();
        Assert.Empty(await browser.SeriousViolationsAsync());
    }

    [Fact]
    public async Task the_sign_in_page_and_the_confirmation_dialog_have_no_serious_or_critical_axe_violations()
    {
        await browser.Page.GotoAsync(new Uri(c.Admin, "/login?error=not_admin").ToString());
        await Assertions.Expect(browser.Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("not an administrator");
        Assert.Empty(await browser.SeriousViolationsAsync());

        await browser.GoAsync(c, "dashboard");
        await browser.Page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Assertions.Expect(browser.Page.Locator("#confirm")).ToBeVisibleAsync();
        Assert.Empty(await browser.SeriousViolationsAsync());
        await browser.Page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(browser.Page.Locator("#confirm")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task tab_reaches_the_main_navigation_with_a_visible_focus_style()
    {
        await browser.GoAsync(c, "dashboard");
        // A fresh document: focus starts at the top, as for a person arriving.
        await browser.Page.ReloadAsync();
        await browser.ReadyAsync("dashboard");
        string? focused = null;
        for (var i = 0; i < 10 && focused is null; i++)
        {
            await browser.Page.Keyboard.PressAsync("Tab");
            focused = await browser.Page.EvaluateAsync<string?>("() => document.activeElement?.closest('nav#nav') ? document.activeElement.textContent : null");
        }
        Assert.Equal("Dashboard", focused);
        var outline = await browser.Page.EvaluateAsync<string[]>("() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth]; }");
        Assert.NotEqual("none", outline[0]);
        Assert.True(double.Parse(outline[1].Replace("px", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture) >= 2, $"outline width {outline[1]}");
        await browser.ScreenshotAsync("keyboard-focus-navigation");

        // Enter on a focused link follows it, as for a mouse.
        await browser.Page.Keyboard.PressAsync("Tab");
        await browser.Page.Keyboard.PressAsync("Enter");
        await browser.Page.WaitForURLAsync(u => u.EndsWith("#/users", StringComparison.Ordinal));
        await browser.ReadyAsync("users");
        Assert.Equal("page", await browser.Page.GetByRole(AriaRole.Link, new() { Name = "Users" }).GetAttributeAsync("aria-current"));
    }
}
