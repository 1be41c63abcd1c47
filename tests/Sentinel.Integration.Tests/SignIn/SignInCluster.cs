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

namespace Sentinel.Integration.Tests.SignIn;

/// <summary>
/// A real cluster for sign-in: the local OpenID Connect provider (oidc-provider on Node) as <c>dex</c>, a fake GitHub,
/// one silo on PostgreSQL, and three web processes. Web A and B are two replicas behind one <c>BASE_URL</c> (A's
/// address; a test sends the provider's redirect to B by hand, as a load balancer would); web C has a 3-second reuse
/// grace window. Every name is unique to this run, since the test database outlives it.
/// </summary>
public sealed class SignInCluster : IAsyncLifetime
{
    public const int GraceSeconds = 3;

    public ClusterHarness Harness { get; } = new("signin");
    public string Run { get; } = Guid.NewGuid().ToString("N")[..8];
    public OidcProviderFixture Provider { get; private set; } = null!;
    public FakeGitHub GitHub { get; private set; } = null!;
    public OrleansTestClient Orleans { get; private set; } = null!;
    public Uri WebA { get; private set; } = null!;
    public Uri WebB { get; private set; } = null!;
    public Uri WebGrace { get; private set; } = null!;
    public string BaseUrl => WebA.ToString().TrimEnd('/');
    public string AdminUrl { get; private set; } = "";
    public string AppRedirect => $"http://app-{Run}.test/callback";
    public Guid ClientAppId { get; private set; }
    public string AdminEmail => $"admin-{Run}@example.com";

    public async Task InitializeAsync()
    {
        var (portA, portB, portC) = (TestEnvironment.FreePort(), TestEnvironment.FreePort(), TestEnvironment.FreePort());
        var adminPort = TestEnvironment.FreePort();
        var baseUrl = $"http://127.0.0.1:{portA}";
        AdminUrl = $"http://127.0.0.1:{adminPort}";

        Provider = await OidcProviderFixture.StartAsync(new OidcProviderOptions
        {
            Clients = [new OidcClient("sentinel-e2e", "sentinel-e2e-secret", [$"{baseUrl}/auth/callback/dex", $"{baseUrl}/auth/admin/callback/dex"])],
            Users = [],
        });
        GitHub = await FakeGitHub.StartAsync(new FakeGitHubOptions { Users = [] });
        await TestDatabase.EnsureMigratedAsync();
        ClientAppId = await ClientAppAsync(AppRedirect);

        Harness.StartSilo("silo");
        var env = new Dictionary<string, string>(Provider.SentinelEnvironment())
        {
            ["BASE_URL"] = baseUrl,
            ["ADMIN_URL"] = AdminUrl,
            ["ADMIN_EMAILS"] = AdminEmail,
            ["SESSION_SECRET_KEY"] = "e2e-session-secret-" + Run,
            ["COOKIE_SECURE"] = "false",
        };
        foreach (var (k, v) in GitHub.SentinelEnvironment()) env[k] = v;
        WebA = StartWeb("web-a", env, portA, adminPort);
        WebB = StartWeb("web-b", env, portB, TestEnvironment.FreePort());
        WebGrace = StartWeb("web-grace", new Dictionary<string, string>(env) { ["REFRESH_REUSE_GRACE_SECONDS"] = GraceSeconds.ToString(CultureInfo.InvariantCulture) },
            portC, TestEnvironment.FreePort());

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        foreach (var web in new[] { WebA, WebB, WebGrace })
        {
            await ClusterHarness.WaitUntilAsync(() => ClusterHarness.IsStatusAsync(http, new Uri(web, "/health/ready"), HttpStatusCode.OK),
                TimeSpan.FromSeconds(120), $"{web} ready", Harness.AllOutput);
        }
        Orleans = await OrleansTestClient.ConnectAsync(Harness.ClusterId, TimeSpan.FromSeconds(60));
    }

    private Uri StartWeb(string name, Dictionary<string, string> env, int port, int adminPort)
    {
        Harness.StartWeb(name, new Dictionary<string, string>(env)
        {
            ["SERVICE_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["ADMIN_PORT"] = adminPort.ToString(CultureInfo.InvariantCulture),
        });
        return new Uri($"http://127.0.0.1:{port}/");
    }

    public async Task DisposeAsync()
    {
        if (Orleans is not null) await Orleans.DisposeAsync();
        await Harness.DisposeAsync();
        if (GitHub is not null) await GitHub.DisposeAsync();
        if (Provider is not null) await Provider.DisposeAsync();
    }

    public static Task<Guid> ClientAppAsync(string redirectUri) => TestDatabase.InsertClientAppAsync(redirectUri, "E2E app");

    /// <summary>A fresh person at the provider (and, with <paramref name="preProvision"/>, a Sentinel user owning a workspace).</summary>
    public async Task<Person> PersonAsync(string name, bool verified = true, bool preProvision = true)
    {
        var email = $"{name}-{Run}-{Guid.NewGuid().ToString("N")[..6]}@example.com";
        await Provider.AddUserAsync(new OidcUser(email.Split('@')[0], email, verified, $"{name} Example"));
        if (!preProvision) return new Person(email, null, null);
        var userId = Guid.NewGuid();
        var user = await Orleans.Client.GetGrain<IUserGrain>(userId).CreateAsync(email, $"{name} Example", null, false);
        Assert.True(user.IsOk, user.Error.ToString());
        var workspaceId = Guid.NewGuid();
        var ws = await Orleans.Client.GetGrain<IWorkspaceGrain>(workspaceId).CreateAsync("WS " + name, $"ws-{name}-{Guid.NewGuid().ToString("N")[..10]}", null, userId);
        Assert.True(ws.IsOk, ws.Error.ToString());
        return new Person(email, userId, workspaceId);
    }

    public async Task<T> QueryAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var db = NpgsqlDataSource.Create(TestConnection.ConnectionString());
        await using var cmd = db.CreateCommand(sql);
        foreach (var (n, v) in parameters) cmd.Parameters.AddWithValue(n, v);
        var result = await cmd.ExecuteScalarAsync();
        return result is DBNull or null ? default! : (T)result;
    }
}

public sealed record Person(string Email, Guid? UserId, Guid? WorkspaceId);

/// <summary>What the app's redirect URI received.</summary>
public sealed record AppCallback(string Code, string? State, string Verifier);

/// <summary>Drives the proxy-mode flow the way a browser and an app would.</summary>
public static class Flow
{
    public static string NewVerifier() => WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    public static string ChallengeOf(string verifier) => WebEncoders.Base64UrlEncode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

    public static Uri LoginUrl(Uri web, string provider, string redirect, string challenge, string? state) =>
        new(web, $"/auth/login/{provider}?redirect_uri={Uri.EscapeDataString(redirect)}&code_challenge={challenge}&code_challenge_method=S256"
            + (state is null ? "" : $"&state={Uri.EscapeDataString(state)}"));

    /// <summary>Login starts on <paramref name="loginWeb"/>; the provider's redirect back is delivered to <paramref name="callbackWeb"/>.</summary>
    public static async Task<HttpResponseMessage> SignInAsync(HttpClient browser, Uri loginUrl, Uri provider, string login, Uri callbackWeb)
    {
        var back = await BrowserlessLogin.SignInAsync(browser, loginUrl, provider, login);
        var onReplica = new UriBuilder(back) { Host = callbackWeb.Host, Port = callbackWeb.Port }.Uri;
        return await browser.GetAsync(onReplica);
    }

    /// <summary>The whole browser part: returns the code the app received (asserting the 307 and the echoed state).</summary>
    public static async Task<AppCallback> AuthorizeAsync(SignInCluster c, string login, Uri loginWeb, Uri callbackWeb, string provider = "dex")
    {
        var verifier = NewVerifier();
        var state = "st-" + Guid.NewGuid().ToString("N");
        using var browser = BrowserlessLogin.CreateBrowser();
        var providerOrigin = new Uri(provider == "github" ? c.GitHub.OAuthBaseUrl : c.Provider.Issuer);
        using var response = await SignInAsync(browser, LoginUrl(loginWeb, provider, c.AppRedirect, ChallengeOf(verifier), state), providerOrigin, login, callbackWeb);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.TemporaryRedirect, $"{(int)response.StatusCode}: {body}\n{c.Harness.AllOutput()[^Math.Min(4000, c.Harness.AllOutput().Length)..]}");
        var location = response.Headers.Location!;
        Assert.StartsWith(c.AppRedirect + "?", location.ToString(), StringComparison.Ordinal);
        var query = QueryHelpers.ParseQuery(location.Query);
        Assert.Equal(state, query["state"].ToString());
        return new AppCallback(query["code"].ToString(), query["state"], verifier);
    }

    public static async Task<(string Access, string Refresh)> TokenAsync(Uri web, AppCallback callback, Guid workspaceId)
    {
        using var http = new HttpClient { BaseAddress = web };
        using var response = await http.PostAsJsonAsync("/auth/token", new { code = callback.Code, workspace_id = workspaceId, code_verifier = callback.Verifier });
        return await PairAsync(response);
    }

    public static async Task<(string Access, string Refresh)> PairAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        var body = JsonDocument.Parse(text).RootElement;
        return (body.GetProperty("access_token").GetString()!, body.GetProperty("refresh_token").GetString()!);
    }

    public static Task<HttpResponseMessage> RefreshAsync(HttpClient http, Uri web, string refresh) =>
        http.PostAsJsonAsync(new Uri(web, "/auth/refresh"), new { refresh_token = refresh });

    /// <summary>A refresh carrying the client's <c>Idempotency-Key</c>, as a client sends it on every attempt of one refresh.</summary>
    public static async Task<HttpResponseMessage> RefreshAsync(HttpClient http, Uri web, string refresh, string idempotencyKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(web, "/auth/refresh")) { Content = JsonContent.Create(new { refresh_token = refresh }) };
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        return await http.SendAsync(request);
    }

    public static async Task<HttpResponseMessage> BearerAsync(HttpClient http, HttpMethod method, Uri url, string access)
    {
        using var request = new HttpRequestMessage(method, url);
        request.Headers.Authorization = new("Bearer", access);
        return await http.SendAsync(request);
    }
}
