using System.Collections.Concurrent;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Browser.Tests;

/// <summary>
/// Headless Chromium from the system's package (installed by <c>scripts/browser.sh path</c> when missing, whose stdout
/// is its path), driven by Playwright with a fresh user-data directory. Playwright never downloads a browser here.
/// Every document the browser loads reports which screen it shows (<c>data-screen</c>) the moment that element is in
/// the DOM, before any paint, so a test can prove the sign-in screen never appeared.
/// </summary>
public sealed class PanelBrowser : IAsyncDisposable
{
    private static readonly string[] ChromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    private const string ScreenRecorder = """
        (() => {
          const seen = new Set();
          const report = () => {
            for (const el of document.querySelectorAll('[data-screen]')) {
              const screen = el.getAttribute('data-screen');
              if (seen.has(screen)) continue;
              seen.add(screen);
              window.__sentinelScreen(location.origin + location.pathname, screen);
            }
          };
          new MutationObserver(report).observe(document, { childList: true, subtree: true });
        })();
        """;

    private readonly IPlaywright playwright;
    private readonly string userData;

    private PanelBrowser(IPlaywright playwright, IBrowserContext context, IPage page, string userData)
    {
        this.playwright = playwright;
        Context = context;
        Page = page;
        this.userData = userData;
    }

    public IBrowserContext Context { get; }
    public IPage Page { get; }

    /// <summary>Every screen seen, in order: when, the document's URL (without query or hash), and the screen's name.</summary>
    public ConcurrentQueue<(DateTime At, string Url, string Screen)> Screens { get; } = new();

    public static string ScreenshotDirectory { get; } = Path.Combine(
        Environment.GetEnvironmentVariable("SENTINEL_TEST_RESULTS") is { Length: > 0 } results ? results : Path.Combine(TestEnvironment.RepoRoot, ".test-results"),
        "screenshots");

    public static async Task<PanelBrowser> LaunchAsync()
    {
        var chromium = await TestEnvironment.ChromiumPathAsync();
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        var playwright = await Playwright.CreateAsync();
        var userData = Directory.CreateTempSubdirectory("sentinel-chromium-").FullName;
        var context = await playwright.Chromium.LaunchPersistentContextAsync(userData, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ChromiumArgs,
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            Timeout = 60_000,
        });
        context.SetDefaultTimeout(20_000);
        var page = context.Pages.Count > 0 ? context.Pages[0] : await context.NewPageAsync();
        var browser = new PanelBrowser(playwright, context, page, userData);
        await context.ExposeFunctionAsync<string, string, bool>("__sentinelScreen", (url, screen) =>
        {
            browser.Screens.Enqueue((DateTime.UtcNow, url, screen));
            return true;
        });
        await context.AddInitScriptAsync(ScreenRecorder);
        return browser;
    }

    /// <summary>Signs in through the provider's login form, from the panel's own sign-in page. Returns when the provider's form was submitted.</summary>
    public async Task<DateTime> SignInAsync(PanelCluster cluster)
    {
        await Page.GotoAsync(cluster.Admin.ToString());
        await Page.GetByRole(AriaRole.Link, new() { Name = "Sign in with" }).First.ClickAsync();
        await Page.WaitForURLAsync(url => url.StartsWith(cluster.Provider.Issuer, StringComparison.Ordinal));
        await Page.Locator("#login input[name=login]").FillAsync(cluster.AdminEmail);
        var submitted = DateTime.UtcNow;
        await Page.Locator("#login button[type=submit]").ClickAsync();
        await Page.WaitForURLAsync(url => url.StartsWith(cluster.Admin.ToString(), StringComparison.Ordinal) && url.Contains("#/dashboard", StringComparison.Ordinal));
        await ReadyAsync("dashboard");
        return submitted;
    }

    /// <summary>Navigates to a panel route and waits until the page has rendered (the main region is no longer busy).</summary>
    public async Task GoAsync(PanelCluster cluster, string route)
    {
        await Page.GotoAsync(new Uri(cluster.Admin, "/#/" + route).ToString());
        await ReadyAsync(Uri.UnescapeDataString(route));
    }

    /// <summary>Waits until the main region has finished rendering <paramref name="route"/> (any route when null).</summary>
    public Task ReadyAsync(string? route = null) =>
        Page.Locator(route is null ? "#main[data-route]:not([aria-busy])" : $"#main[data-route=\"{route.Replace("\"", "\\\"", StringComparison.Ordinal)}\"]:not([aria-busy])").WaitForAsync();

    public async Task ScreenshotAsync(string name)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });
    }

    /// <summary>axe-core on the current page: the serious and critical violations, one line each.</summary>
    public async Task<IReadOnlyList<string>> SeriousViolationsAsync()
    {
        AxeResult result = await Page.RunAxe();
        return result.Violations
            .Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{v.Impact} {v.Id}: {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Target?.ToString()))}")
            .ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await Context.CloseAsync();
        playwright.Dispose();
        try { Directory.Delete(userData, recursive: true); }
        catch (IOException) { /* Chromium may still hold a file for a moment; the temp dir is cleaned by the OS. */ }
    }
}
