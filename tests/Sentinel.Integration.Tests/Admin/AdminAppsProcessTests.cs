using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sentinel.Grains.Directory;
using Sentinel.Grains.Sessions;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Integration.Tests.Admin;

/// <summary>
/// Admin app changes across real processes: one silo on PostgreSQL (grain state included) and two web replicas. A key
/// rotated or deleted through one replica stops working on the other at once: each replica's service-key verdicts are
/// pushed out by the service-app grain before the rotation answers (and live 500 ms at most otherwise), and an app's
/// revoke_sessions reaches sessions stored by the real storage provider.
/// </summary>
public sealed class AdminAppsCluster() : TwoWebCluster("admindir")
{
    public Uri WebA => Webs[0];
    public Uri WebB => Webs[1];
}

/// <summary>One cluster for both tests: starting processes is the slow part.</summary>
public sealed class AdminAppsProcessTests(AdminAppsCluster cluster) : IClassFixture<AdminAppsCluster>
{
    private HttpClient http => cluster.Http;
    private OrleansTestClient orleans => cluster.Orleans;
    private Uri webA => cluster.WebA;
    private Uri webB => cluster.WebB;

    private async Task<string> AdminCookieAsync()
    {
        var created = await orleans.Client.GetGrain<IUserGrain>(Guid.NewGuid()).CreateAsync($"admin-{Guid.NewGuid():N}@example.com", "Ada Admin", null, isAdmin: true);
        Assert.True(created.IsOk, created.Error.ToString());
        return TestTokens.Sign(new JsonObject
        {
            ["iss"] = TestTokens.Issuer,
            ["sub"] = created.Value!.Id.ToString(),
            ["aud"] = "sentinel:admin",
            ["type"] = "admin_access",
            ["jti"] = Guid.NewGuid().ToString(),
            ["admin"] = true,
        }, TimeSpan.FromMinutes(60));
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> AdminAsync(Uri web, HttpMethod method, string path, string cookie, object? body = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(web, path));
        request.Headers.Add("Cookie", $"admin_token={cookie}");
        request.Headers.Add("X-Requested-With", "XMLHttpRequest");
        if (body is not null) request.Content = JsonContent.Create(body);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private async Task<HttpStatusCode> UseKeyAsync(Uri web, string key, string service)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(web, $"/permissions/resource/{service}/doc/{Guid.NewGuid()}"));
        request.Headers.Add("X-Service-Key", key);
        using var response = await http.SendAsync(request);
        return response.StatusCode; // 404 "Resource not found": the key was accepted; 401: it was not
    }

    [Fact]
    public async Task a_key_rotated_or_deleted_through_one_replica_dies_at_once_on_the_other()
    {
        var cookie = await AdminCookieAsync();
        var service = $"svc-{Guid.NewGuid():N}"[..16];
        var (status, created) = await AdminAsync(webA, HttpMethod.Post, "/admin/service-apps", cookie, new { name = "Billing", service_name = service, allowed_origins = Array.Empty<string>() });
        Assert.Equal(HttpStatusCode.Created, status);
        var id = created.GetProperty("id").GetGuid();
        var key = created.GetProperty("api_key").GetString()!;
        Assert.Equal(HttpStatusCode.NotFound, await UseKeyAsync(webB, key, service));

        var (rotateStatus, rotated) = await AdminAsync(webA, HttpMethod.Post, $"/admin/service-apps/{id}/rotate-key", cookie);
        Assert.Equal(HttpStatusCode.OK, rotateStatus);
        var newKey = rotated.GetProperty("api_key").GetString()!;
        Assert.Equal(HttpStatusCode.Unauthorized, await UseKeyAsync(webB, key, service));
        Assert.Equal(HttpStatusCode.NotFound, await UseKeyAsync(webB, newKey, service));

        var (getStatus, shown) = await AdminAsync(webB, HttpMethod.Get, $"/admin/service-apps/{id}", cookie);
        Assert.Equal(HttpStatusCode.OK, getStatus);
        Assert.False(shown.TryGetProperty("api_key", out _));

        var (deleteStatus, _) = await AdminAsync(webB, HttpMethod.Delete, $"/admin/service-apps/{id}", cookie);
        Assert.Equal(HttpStatusCode.NoContent, deleteStatus);
        Assert.Equal(HttpStatusCode.Unauthorized, await UseKeyAsync(webA, newKey, service));
    }

    [Fact]
    public async Task revoke_sessions_of_a_client_app_revokes_families_kept_in_real_grain_storage()
    {
        var cookie = await AdminCookieAsync();
        var (status, app) = await AdminAsync(webA, HttpMethod.Post, "/admin/client-apps", cookie, new { name = "Web", redirect_uris = new[] { "https://app.example.com/cb" } });
        Assert.Equal(HttpStatusCode.Created, status);
        var appId = app.GetProperty("id").GetGuid();

        var user = (await orleans.Client.GetGrain<IUserGrain>(Guid.NewGuid()).CreateAsync($"u-{Guid.NewGuid():N}@example.com", "User", null, false)).Value!;
        var slug = $"ws-{Guid.NewGuid():N}"[..16];
        var workspace = Guid.NewGuid();
        Assert.True((await orleans.Client.GetGrain<IWorkspaceGrain>(workspace).CreateAsync("W", slug, null, user.Id)).IsOk);
        var sessions = orleans.Client.GetGrain<IUserSessionGrain>(user.Id);
        var policy = new SessionPolicy(TimeSpan.FromMinutes(15), TimeSpan.FromDays(7), TimeSpan.Zero, 50);
        var issued = (SessionDecision.Issued)await sessions.StartFamilyAsync(new StartFamilyRequest(Guid.NewGuid(), workspace, appId, "Web", new SessionDevice(null, null), policy));
        Assert.Single(await sessions.ListSessionsAsync(null));

        var (patchStatus, _) = await AdminAsync(webB, HttpMethod.Patch, $"/admin/client-apps/{appId}", cookie, new { revoke_sessions = true });
        Assert.Equal(HttpStatusCode.OK, patchStatus);
        Assert.Empty(await sessions.ListSessionsAsync(null));
        Assert.Equal(TokenStatus.Revoked, await sessions.CheckAsync(new TokenRef(issued.Tokens.AccessJti, issued.Tokens.IssuedAt, issued.Tokens.FamilyId)));
    }
}
