using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Configuration;
using Sentinel.Grains.Authorization;
using Sentinel.Grains.Directory;
using Sentinel.Grains.ServiceApps;
using Sentinel.Testing;
using Sentinel.Testing.IdentityProviders;
using Xunit;

namespace Sentinel.Client.Tests.Integration;

/// <summary>
/// A real Sentinel for the client library: the local OpenID Connect provider as <c>dex</c>, one silo on PostgreSQL and
/// Redis, one web process. In it: a workspace owned by Olga with Erin (editor, and an RBAC role granting
/// <c>docs.edit</c>) and Victor (viewer), a service app with its key, and Erin and Victor signed in through the provider.
/// The sample app (samples/Sentinel.Sample) runs in-process against it. Every name is unique to the run.
/// </summary>
public sealed class ClientCluster : IAsyncLifetime
{
    public ClusterHarness Harness { get; } = new("client");
    public string Run { get; } = Guid.NewGuid().ToString("N")[..8];
    public OidcProviderFixture Provider { get; private set; } = null!;
    public OrleansTestClient Orleans { get; private set; } = null!;
    public Uri Web { get; private set; } = null!;
    public string BaseUrl => Web.ToString().TrimEnd('/');
    public string AppRedirect => $"http://sample-{Run}.test/callback";
    public Guid WorkspaceId { get; private set; }
    public Guid OwnerId { get; private set; }
    public SignedIn Erin { get; private set; } = null!;
    public SignedIn Victor { get; private set; } = null!;
    public string ServiceName { get; private set; } = "";
    public string ServiceKey { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var port = TestEnvironment.FreePort();
        var baseUrl = $"http://127.0.0.1:{port}";
        Provider = await OidcProviderFixture.StartAsync(new OidcProviderOptions
        {
            Clients = [new OidcClient("sentinel-client-tests", "sentinel-client-tests-secret", [$"{baseUrl}/auth/callback/dex"])],
            Users = [],
        });
        await TestDatabase.EnsureMigratedAsync();
        await TestDatabase.InsertClientAppAsync(AppRedirect, "Client tests " + Run);

        Harness.StartSilo("silo");
        var env = new Dictionary<string, string>(Provider.SentinelEnvironment("dex", Provider.Options.Clients[0]))
        {
            ["BASE_URL"] = baseUrl,
            ["SERVICE_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["SESSION_SECRET_KEY"] = "client-tests-session-secret-" + Run,
            ["COOKIE_SECURE"] = "false",
        };
        webEnvironment = env;
        web = Harness.StartWeb("web", env).Process;
        Web = new Uri(baseUrl + "/");
        await WaitReadyAsync();
        Orleans = await OrleansTestClient.ConnectAsync(Harness.ClusterId, TimeSpan.FromSeconds(60));

        var olga = await UserAsync("olga");
        var erin = await UserAsync("erin");
        var victor = await UserAsync("victor");
        OwnerId = olga.Id;
        WorkspaceId = Guid.NewGuid();
        var workspace = Orleans.Client.GetGrain<IWorkspaceGrain>(WorkspaceId);
        Ok((await workspace.CreateAsync("Client tests", $"client-{Run}", null, olga.Id)).IsOk);
        var owner = new Actor(olga.Id, "owner");
        Ok((await workspace.AddMemberAsync(owner, erin.Id, WorkspaceRole.Editor)).IsOk);
        Ok((await workspace.AddMemberAsync(owner, victor.Id, WorkspaceRole.Viewer)).IsOk);

        (_, ServiceName, ServiceKey) = await ServiceAppAsync("docs");
        await GrantAsync(erin.Id, ServiceName, "docs.edit");

        Erin = new SignedIn(erin.Id, await SignInAsync(erin.Email));
        Victor = new SignedIn(victor.Id, await SignInAsync(victor.Email));
    }

    private Dictionary<string, string> webEnvironment = [];
    private SentinelProcess web = null!;

    private async Task WaitReadyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await ClusterHarness.WaitUntilAsync(() => ClusterHarness.IsStatusAsync(http, new Uri(Web, "/health/ready"), HttpStatusCode.OK),
            TimeSpan.FromSeconds(120), "web ready", Harness.AllOutput);
    }

    /// <summary>Restarts the web process on the same address with more settings (a key rotation, as the runbook does it).</summary>
    public async Task RestartWebAsync(IReadOnlyDictionary<string, string> extra)
    {
        await web.StopAsync(TimeSpan.FromSeconds(15));
        var env = new Dictionary<string, string>(webEnvironment);
        foreach (var (k, v) in extra) env[k] = v;
        web = Harness.StartWeb("web-restarted", env).Process;
        await WaitReadyAsync();
    }

    /// <summary>Signs a user in again (after a rotation, the new token carries the new kid).</summary>
    public Task<string> SignInAgainAsync(Guid userId) => SignInAsync(emails[userId]);

    private readonly Dictionary<Guid, string> emails = [];

    private static void Ok(bool ok) => Assert.True(ok);

    private async Task<(Guid Id, string Email)> UserAsync(string name)
    {
        var email = $"{name}-{Run}@example.com";
        await Provider.AddUserAsync(new OidcUser($"{name}-{Run}", email, true, $"{name} Example"));
        var id = Guid.NewGuid();
        var created = await Orleans.Client.GetGrain<IUserGrain>(id).CreateAsync(email, $"{name} Example", null, false);
        Assert.True(created.IsOk, created.Error.ToString());
        emails[id] = email;
        return (id, email);
    }

    /// <summary>A new service app; its id, service name and key.</summary>
    public async Task<(Guid Id, string Name, string Key)> ServiceAppAsync(string prefix)
    {
        var name = $"{prefix}-{Run}-{Guid.NewGuid().ToString("N")[..6]}";
        var id = Guid.NewGuid();
        var created = await Orleans.Client.GetGrain<IServiceAppGrain>(id).CreateAsync("App " + name, name, [], [], null);
        Assert.True(created.IsOk, created.Error.ToString());
        return (id, name, created.Value!.ApiKey);
    }

    /// <summary>An RBAC role in the workspace granting <paramref name="action"/> of the service, assigned to the user.</summary>
    private async Task GrantAsync(Guid userId, string service, string action)
    {
        var actions = await Orleans.Client.GetGrain<IServiceActionRegistryGrain>(0).RegisterAsync(service, [new ActionDefinition(action, null)]);
        Assert.True(actions.IsOk);
        var authorization = Orleans.Client.GetGrain<IWorkspaceAuthorizationGrain>(WorkspaceId);
        var role = await authorization.CreateRoleAsync($"editors-{Run}", null, null);
        Assert.True(role.IsOk, role.Error.ToString());
        Ok((await authorization.AddRoleActionsAsync(role.Value!.Id, actions.Value!.Select(a => a.Id).ToArray(), null)).IsOk);
        Ok((await authorization.AssignUserRoleAsync(role.Value.Id, userId, null)).IsOk);
    }

    /// <summary>Proxy-mode sign-in as a browser and an app do it: login at the provider, code, PKCE token exchange.</summary>
    private async Task<string> SignInAsync(string email)
    {
        var verifier = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var challenge = WebEncoders.Base64UrlEncode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        using var browser = BrowserlessLogin.CreateBrowser();
        var login = new Uri(Web, $"/auth/login/dex?redirect_uri={Uri.EscapeDataString(AppRedirect)}&code_challenge={challenge}&code_challenge_method=S256");
        var back = await BrowserlessLogin.SignInAsync(browser, login, new Uri(Provider.Issuer), email);
        using var callback = await browser.GetAsync(back);
        Assert.True(callback.StatusCode == HttpStatusCode.TemporaryRedirect, $"{(int)callback.StatusCode}: {await callback.Content.ReadAsStringAsync()}");
        var code = QueryHelpers.ParseQuery(callback.Headers.Location!.Query)["code"].ToString();

        using var http = new HttpClient { BaseAddress = Web };
        using var token = await http.PostAsJsonAsync("/auth/token", new { code, workspace_id = WorkspaceId, code_verifier = verifier });
        var text = await token.Content.ReadAsStringAsync();
        Assert.True(token.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>The sample app, in-process, configured for this Sentinel through the <c>Sentinel</c> section.</summary>
    public WebApplicationFactory<Program> Sample(string? serviceName = null, string? serviceKey = null) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(b => b.ConfigureAppConfiguration((_, c) => c.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sentinel:BaseUrl"] = BaseUrl,
            ["Sentinel:ServiceName"] = serviceName ?? ServiceName,
            ["Sentinel:ServiceKey"] = serviceKey ?? ServiceKey,
            ["Sentinel:RequireHttpsMetadata"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
        })));

    public async Task DisposeAsync()
    {
        if (Orleans is not null) await Orleans.DisposeAsync();
        await Harness.DisposeAsync();
        if (Provider is not null) await Provider.DisposeAsync();
    }
}

/// <summary>A user signed in through the provider, with the Sentinel access token they were issued.</summary>
public sealed record SignedIn(Guid Id, string AccessToken);
