using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sentinel.Grains.Directory;
using Sentinel.Grains.Sessions;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Integration.Tests.Hosting;

/// <summary>A real silo with its Orleans dashboard on, behind the admin-cookie gate.</summary>
public sealed class DashboardSilo : IAsyncLifetime
{
    public const string AdminUrl = "http://localhost:9994";

    public ClusterHarness Harness { get; } = new("dashboard");
    public Uri Dashboard { get; private set; } = null!;
    public OrleansTestClient Orleans { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await TestDatabase.EnsureMigratedAsync();
        var port = TestEnvironment.FreePort();
        Dashboard = new Uri($"http://127.0.0.1:{port}/");
        Harness.StartSilo("silo", extra: new Dictionary<string, string>
        {
            ["DASHBOARD_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["DASHBOARD_HOST"] = "127.0.0.1",
            ["BASE_URL"] = TestTokens.Issuer,
            ["ADMIN_URL"] = AdminUrl,
            ["METRICS_ALLOWED_NETWORKS"] = "127.0.0.0/8, ::1/128",
        });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await ClusterHarness.WaitUntilAsync(() => ClusterHarness.IsStatusAsync(http, new Uri(Dashboard, "/health"), HttpStatusCode.OK),
            TimeSpan.FromSeconds(120), "silo health", Harness.AllOutput);
        Orleans = await OrleansTestClient.ConnectAsync(Harness.ClusterId, TimeSpan.FromSeconds(60));
    }

    public async Task DisposeAsync()
    {
        if (Orleans is not null) await Orleans.DisposeAsync();
        await Harness.DisposeAsync();
    }

    public async Task<Guid> UserAsync(bool isAdmin)
    {
        var id = Guid.NewGuid();
        var created = await Orleans.Client.GetGrain<IUserGrain>(id).CreateAsync($"dash-{id:N}@example.com", "Dashboard User", null, isAdmin);
        Assert.True(created.IsOk, created.Error.ToString());
        return id;
    }
}

public sealed class DashboardAccessTests(DashboardSilo s) : IClassFixture<DashboardSilo>
{
    private readonly HttpClient http = new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = TimeSpan.FromSeconds(30) };

    private static string AdminToken(Guid userId, bool adminClaim = true, string audience = "sentinel:admin", string type = "admin_access",
        string issuer = TestTokens.Issuer, TimeSpan? lifetime = null, DateTimeOffset? issuedAt = null, RSA? key = null, string? kid = null, Guid? jti = null)
    {
        var payload = new JsonObject
        {
            ["iss"] = issuer,
            ["sub"] = userId.ToString(),
            ["aud"] = audience,
            ["type"] = type,
            ["jti"] = (jti ?? Guid.NewGuid()).ToString(),
            ["email"] = "admin@example.com",
            ["name"] = "Admin",
        };
        if (adminClaim) payload["admin"] = true;
        return TestTokens.Sign(payload, lifetime ?? TimeSpan.FromMinutes(60), issuedAt, key, kid);
    }

    /// <summary>A valid admin token but for a <c>crit</c> header naming an extension nobody understands.</summary>
    private static string WithCrit(Guid userId)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var payload = new JsonObject
        {
            ["iss"] = TestTokens.Issuer, ["sub"] = userId.ToString(), ["aud"] = "sentinel:admin", ["type"] = "admin_access",
            ["jti"] = Guid.NewGuid().ToString(), ["email"] = "admin@example.com", ["name"] = "Admin", ["admin"] = true,
            ["iat"] = now, ["exp"] = now + 3600,
        };
        var key = new Microsoft.IdentityModel.Tokens.RsaSecurityKey(TestKeys.Rsa) { KeyId = TestKeys.Kid };
        return new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(payload.ToJsonString(),
            new Microsoft.IdentityModel.Tokens.SigningCredentials(key, Microsoft.IdentityModel.Tokens.SecurityAlgorithms.RsaSha256),
            new Dictionary<string, object> { ["x-ext"] = "v", ["crit"] = new[] { "x-ext" } });
    }

    private async Task<HttpResponseMessage> GetAsync(string path, string? token, string accept = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(s.Dashboard, path));
        request.Headers.Add("Accept", accept);
        if (token is not null) request.Headers.Add("Cookie", $"admin_token={token}");
        return await http.SendAsync(request);
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {body}");
        Assert.Equal(code, JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
    }

    [Fact]
    public async Task an_active_admin_with_the_admin_cookie_sees_the_dashboard()
    {
        var admin = await s.UserAsync(isAdmin: true);
        using var response = await GetAsync("/", AdminToken(admin), "text/html");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/html", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
    }

    [Fact]
    public async Task without_the_cookie_a_browser_is_sent_to_the_panel_and_a_data_call_gets_401()
    {
        using var page = await GetAsync("/", null, "text/html,application/xhtml+xml");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal(DashboardSilo.AdminUrl + "/", page.Headers.Location!.ToString());

        using var data = await GetAsync("/", null);
        await AssertRefusedAsync(data, HttpStatusCode.Unauthorized, "not_authenticated");
    }

    [Fact]
    public async Task the_silo_health_probe_needs_no_cookie()
    {
        using var response = await GetAsync("/health", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task the_silo_serves_its_own_orleans_metrics_to_an_allowed_network_without_a_cookie()
    {
        await s.UserAsync(isAdmin: false); // at least one grain call and activation on this silo

        using var response = await GetAsync("/metrics", null, accept: "text/plain");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        // Silo-side instruments of the Orleans meter: activations held by this silo, not the client's view.
        Assert.Contains("orleans_catalog_activation", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task tokens_that_do_not_verify_as_admin_tokens_get_401()
    {
        var admin = await s.UserAsync(isAdmin: true);
        var other = TestKeys.NewKeyPair();
        var refused = new Dictionary<string, string>
        {
            ["another key"] = AdminToken(admin, key: other.Rsa, kid: other.Kid),
            ["an access token"] = TestTokens.Access(admin, Guid.NewGuid(), "owner"),
            ["another audience"] = AdminToken(admin, audience: "sentinel:access"),
            ["another type"] = AdminToken(admin, type: "access"),
            ["another issuer"] = AdminToken(admin, issuer: "http://evil.example"),
            ["expired"] = AdminToken(admin, lifetime: TimeSpan.FromMinutes(1), issuedAt: DateTimeOffset.UtcNow.AddMinutes(-2)),
            ["garbage"] = "not-a-jwt",
            ["issued ten years ahead"] = AdminToken(admin, issuedAt: DateTimeOffset.UtcNow.AddYears(10)),
            ["a crit header"] = WithCrit(admin),
        };
        foreach (var (what, token) in refused)
        {
            using var response = await GetAsync("/", token);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{what}: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task a_token_without_the_admin_claim_or_of_a_user_no_longer_admin_gets_403()
    {
        var admin = await s.UserAsync(isAdmin: true);
        using var noClaim = await GetAsync("/", AdminToken(admin, adminClaim: false));
        await AssertRefusedAsync(noClaim, HttpStatusCode.Forbidden, "not_admin");

        var demoted = await s.UserAsync(isAdmin: false);
        using var stale = await GetAsync("/", AdminToken(demoted));
        await AssertRefusedAsync(stale, HttpStatusCode.Forbidden, "not_admin");
    }

    [Fact]
    public async Task a_revoked_admin_token_gets_401()
    {
        var admin = await s.UserAsync(isAdmin: true);
        var jti = Guid.NewGuid();
        var token = AdminToken(admin, jti: jti);
        using (var before = await GetAsync("/", token, "text/html")) Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        await s.Orleans.Client.GetGrain<IUserSessionGrain>(admin).DenyTokenAsync(jti, DateTimeOffset.UtcNow.AddHours(1));

        using var after = await GetAsync("/", token);
        await AssertRefusedAsync(after, HttpStatusCode.Unauthorized, "token_revoked");
    }
}
