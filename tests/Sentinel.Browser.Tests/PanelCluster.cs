using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Npgsql;
using Sentinel.Grains.Directory;
using Sentinel.Testing;
using Sentinel.Testing.IdentityProviders;
using Xunit;

namespace Sentinel.Browser.Tests;

/// <summary>
/// A real cluster for the admin panel: the local OpenID Connect provider as <c>dex</c> (on 127.0.0.1), one silo on
/// PostgreSQL and Redis, and one web process whose API and panel answer on <c>localhost</c>, so the provider's redirect
/// back is a cross-site navigation, as in production, and the SameSite=Strict admin cookie behaves as it would there.
/// An admin is pre-provisioned (a user with <c>is_admin</c> and no social account, claimed by email at first sign-in).
/// Every name is unique to this run, since the test database outlives it.
/// </summary>
public sealed class PanelCluster : IAsyncLifetime
{
    public ClusterHarness Harness { get; } = new("panel");
    public string Run { get; } = Guid.NewGuid().ToString("N")[..8];
    public OidcProviderFixture Provider { get; private set; } = null!;
    public OrleansTestClient Orleans { get; private set; } = null!;
    public Uri Api { get; private set; } = null!;
    public Uri Admin { get; private set; } = null!;
    public string AdminEmail => $"panel-admin-{Run}@example.com";
    public string AppRedirect => $"http://app-{Run}.test/callback";
    public Guid ClientAppId { get; private set; }

    public async Task InitializeAsync()
    {
        var (apiPort, adminPort) = (TestEnvironment.FreePort(), TestEnvironment.FreePort());
        Api = new Uri($"http://localhost:{apiPort}/");
        Admin = new Uri($"http://localhost:{adminPort}/");
        var baseUrl = Api.ToString().TrimEnd('/');

        Provider = await OidcProviderFixture.StartAsync(new OidcProviderOptions
        {
            Clients = [new OidcClient("sentinel-panel", "sentinel-panel-secret", [$"{baseUrl}/auth/callback/dex", $"{baseUrl}/auth/admin/callback/dex"])],
            Users = [],
        });
        await TestDatabase.EnsureMigratedAsync();
        ClientAppId = await ClientAppAsync(AppRedirect);

        Harness.StartSilo("silo");
        var env = new Dictionary<string, string>(Provider.SentinelEnvironment())
        {
            ["SERVICE_PORT"] = apiPort.ToString(CultureInfo.InvariantCulture),
            ["ADMIN_PORT"] = adminPort.ToString(CultureInfo.InvariantCulture),
            ["BASE_URL"] = baseUrl,
            ["ADMIN_URL"] = Admin.ToString().TrimEnd('/'),
            ["SESSION_SECRET_KEY"] = "panel-session-secret-" + Run,
            ["COOKIE_SECURE"] = "false",
        };
        Harness.StartWeb("web", env);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await ClusterHarness.WaitUntilAsync(() => ClusterHarness.IsStatusAsync(http, new Uri(Api, "/health/ready"), HttpStatusCode.OK),
            TimeSpan.FromSeconds(120), "web ready", Harness.AllOutput);
        Orleans = await OrleansTestClient.ConnectAsync(Harness.ClusterId, TimeSpan.FromSeconds(60));

        await Provider.AddUserAsync(new OidcUser($"panel-admin-{Run}", AdminEmail, true, "Panel Admin"));
        var admin = await Orleans.Client.GetGrain<IUserGrain>(Guid.NewGuid()).CreateAsync(AdminEmail, "Panel Admin", null, true);
        Assert.True(admin.IsOk, admin.Error.ToString());
    }

    private readonly SemaphoreSlim browserLock = new(1, 1);
    private PanelBrowser? sharedBrowser;

    /// <summary>A browser signed in as the admin, launched once and shared by the tests that only look around.</summary>
    public async Task<PanelBrowser> SharedBrowserAsync()
    {
        await browserLock.WaitAsync();
        try
        {
            if (sharedBrowser is null)
            {
                var browser = await PanelBrowser.LaunchAsync();
                await browser.SignInAsync(this);
                sharedBrowser = browser;
            }
            return sharedBrowser;
        }
        finally
        {
            browserLock.Release();
        }
    }

    public async Task DisposeAsync()
    {
        if (sharedBrowser is not null) await sharedBrowser.DisposeAsync();
        browserLock.Dispose();
        if (Orleans is not null) await Orleans.DisposeAsync();
        await Harness.DisposeAsync();
        if (Provider is not null) await Provider.DisposeAsync();
    }

    private static Task<Guid> ClientAppAsync(string redirectUri) => TestDatabase.InsertClientAppAsync(redirectUri, "Panel test app");

    /// <summary>A person at the provider and a Sentinel user owning a fresh workspace.</summary>
    public async Task<Person> PersonAsync(string name)
    {
        var email = $"{name}-{Run}-{Guid.NewGuid().ToString("N")[..6]}@example.com";
        await Provider.AddUserAsync(new OidcUser(email.Split('@')[0], email, true, $"{name} Example"));
        var userId = Guid.NewGuid();
        var user = await Orleans.Client.GetGrain<IUserGrain>(userId).CreateAsync(email, $"{name} Example", null, false);
        Assert.True(user.IsOk, user.Error.ToString());
        var workspaceId = Guid.NewGuid();
        var slug = $"ws-{name}-{Guid.NewGuid().ToString("N")[..10]}";
        var ws = await Orleans.Client.GetGrain<IWorkspaceGrain>(workspaceId).CreateAsync("WS " + name, slug, null, userId);
        Assert.True(ws.IsOk, ws.Error.ToString());
        return new Person(email, userId, workspaceId, slug);
    }

    /// <summary>
    /// One device's sign-in through the proxy flow (PKCE, the provider's login form, the code for tokens), with its own
    /// User-Agent, so that the admin panel lists it as a device of its own.
    /// </summary>
    public async Task<(string Access, string Refresh)> DeviceSignInAsync(Person person, string userAgent)
    {
        var verifier = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var challenge = WebEncoders.Base64UrlEncode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        using var device = BrowserlessLogin.CreateBrowser();
        device.DefaultRequestHeaders.UserAgent.ParseAdd(userAgent);
        var login = new Uri(Api, $"/auth/login/dex?redirect_uri={Uri.EscapeDataString(AppRedirect)}&code_challenge={challenge}&code_challenge_method=S256");
        var back = await BrowserlessLogin.SignInAsync(device, login, new Uri(Provider.Issuer), person.Email);
        using var callback = await device.GetAsync(back);
        Assert.True(callback.StatusCode == HttpStatusCode.TemporaryRedirect, $"{(int)callback.StatusCode}: {await callback.Content.ReadAsStringAsync()}");
        var code = QueryHelpers.ParseQuery(callback.Headers.Location!.Query)["code"].ToString();
        using var token = await device.PostAsJsonAsync(new Uri(Api, "/auth/token"), new { code, workspace_id = person.WorkspaceId, code_verifier = verifier });
        var text = await token.Content.ReadAsStringAsync();
        Assert.True(token.StatusCode == HttpStatusCode.OK, $"{(int)token.StatusCode}: {text}");
        var body = JsonDocument.Parse(text).RootElement;
        return (body.GetProperty("access_token").GetString()!, body.GetProperty("refresh_token").GetString()!);
    }

    public async Task<HttpStatusCode> RefreshAsync(string refresh)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var response = await http.PostAsJsonAsync(new Uri(Api, "/auth/refresh"), new { refresh_token = refresh });
        return response.StatusCode;
    }
}

public sealed record Person(string Email, Guid UserId, Guid WorkspaceId, string WorkspaceSlug);

[CollectionDefinition(Name)]
public sealed class PanelCollection : ICollectionFixture<PanelCluster>
{
    public const string Name = "admin panel";
}
