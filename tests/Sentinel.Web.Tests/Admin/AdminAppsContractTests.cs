using System.Net;
using System.Text.RegularExpressions;
using Sentinel.Grains.Authorization;
using Sentinel.Grains.ServiceApps;
using Sentinel.Grains.Sessions;
using Sentinel.Web.Tests.Authz;
using Xunit;

namespace Sentinel.Web.Tests.Admin;

/// <summary>Client and service apps of the admin API: keys shown once, rotation and deletion effective at once.</summary>
[Collection(WebCollection.Name)]
public sealed partial class AdminAppsContractTests(SentinelWebApplication app)
{
    private readonly AdminDirectoryScenario a = new(app);
    private readonly ServiceScenario svc = new(app);

    private static readonly string[] ServiceAppFields =
        ["id", "name", "service_name", "key_prefix", "is_active", "allowed_origins", "allowed_idp_audiences", "last_used_at", "created_by", "created_at", "updated_at"];

    [GeneratedRegex("^sk_[A-Za-z0-9_-]{43}$")]
    private static partial Regex KeyShape();

    /// <summary>A call authenticated by the key alone: 404 "Resource not found" proves the key was accepted.</summary>
    private async Task<HttpResponseMessage> UseKeyAsync(string key, string service) =>
        await a.SendAsync(HttpMethod.Get, $"/permissions/resource/{service}/doc/{Guid.NewGuid()}", cookie: null, csrf: false,
            headers: new Dictionary<string, string> { ["X-Service-Key"] = key });

    [Fact]
    public async Task service_app_key_is_shown_once_and_rotation_kills_the_old_key_at_once()
    {
        var (admin, cookie) = await a.AdminAsync();
        var serviceName = Scenario.Unique("svc");
        using var created = await a.SendAsync(HttpMethod.Post, "/admin/service-apps", cookie,
            new { name = "Billing", service_name = serviceName, allowed_origins = new[] { "https://app.example.com" }, allowed_idp_audiences = new[] { "aud-1" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await Scenario.JsonAsync(created);
        AdminDirectoryScenario.AssertShape(body, [.. ServiceAppFields, "api_key"]);
        var id = body.GetProperty("id").GetGuid();
        var key = body.GetProperty("api_key").GetString()!;
        Assert.Matches(KeyShape(), key);
        Assert.Equal(key[..7] + "****", body.GetProperty("key_prefix").GetString());
        Assert.Equal(["aud-1"], body.GetProperty("allowed_idp_audiences").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal(admin.Id, body.GetProperty("created_by").GetGuid());

        // Stored as SHA-256 hex: the key grain resolves the hash to this app.
        Assert.Equal(id, (await a.Grains.GetGrain<IServiceKeyGrain>(ServiceKeys.Hash(key)).ResolveAsync())!.AppId);
        using (var get = await a.SendAsync(HttpMethod.Get, $"/admin/service-apps/{id}", cookie))
        {
            var text = await get.Content.ReadAsStringAsync();
            Assert.DoesNotContain(key, text);
            AdminDirectoryScenario.AssertShape(await Scenario.JsonAsync(get), ServiceAppFields);
        }
        using (var list = await a.SendAsync(HttpMethod.Get, "/admin/service-apps", cookie))
        {
            var text = await list.Content.ReadAsStringAsync();
            Assert.DoesNotContain(key, text);
            var item = Assert.Single((await Scenario.JsonAsync(list)).EnumerateArray(), x => x.GetProperty("id").GetGuid() == id);
            AdminDirectoryScenario.AssertShape(item, ServiceAppFields);
        }

        using (var dup = await a.SendAsync(HttpMethod.Post, "/admin/service-apps", cookie, new { name = "Again", service_name = serviceName, allowed_origins = Array.Empty<string>() }))
            await Scenario.AssertErrorAsync(dup, 400, "Failed to create service app", "service_name_taken");
        using (var bad = await a.SendAsync(HttpMethod.Post, "/admin/service-apps", cookie, new { name = "Bad", service_name = "Bad_Name", allowed_origins = Array.Empty<string>() }))
            await Scenario.AssertValidationAsync(bad, "service_name", "string_pattern_mismatch");

        using (var works = await UseKeyAsync(key, serviceName))
            await Scenario.AssertErrorAsync(works, 404, "Resource not found", "resource_not_found");

        using var rotated = await a.SendAsync(HttpMethod.Post, $"/admin/service-apps/{id}/rotate-key", cookie);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var rotatedBody = await Scenario.JsonAsync(rotated);
        AdminDirectoryScenario.AssertShape(rotatedBody, [.. ServiceAppFields, "api_key"]);
        var newKey = rotatedBody.GetProperty("api_key").GetString()!;
        Assert.NotEqual(key, newKey);
        Assert.Matches(KeyShape(), newKey);

        using (var old = await UseKeyAsync(key, serviceName))
            await Scenario.AssertErrorAsync(old, 401, "Invalid or missing service API key", "invalid_service_key");
        using (var fresh = await UseKeyAsync(newKey, serviceName))
            await Scenario.AssertErrorAsync(fresh, 404, "Resource not found", "resource_not_found");
        using (var rotateMissing = await a.SendAsync(HttpMethod.Post, $"/admin/service-apps/{Guid.NewGuid()}/rotate-key", cookie))
            await Scenario.AssertErrorAsync(rotateMissing, 404, "Service app not found", "service_app_not_found");
    }

    [Fact]
    public async Task service_app_patch_deactivates_the_key_at_once_and_delete_purges_its_acls()
    {
        var (_, cookie) = await a.AdminAsync();
        var service = await svc.ServiceAsync();
        var ws = await svc.WorkspaceAsync();
        var acl = (await svc.Authorization(ws.Id).RegisterResourceAsync(new ResourceRef(service.Name, "doc", Guid.NewGuid()), ws.Owner.Id, AclVisibility.Workspace)).Value!;

        using (var patch = await a.SendAsync(HttpMethod.Patch, $"/admin/service-apps/{service.App.Id}", cookie,
                   new { is_active = false, allowed_origins = new[] { "https://x.example.com" }, allowed_idp_audiences = new[] { "aud-2" } }))
        {
            var body = await Scenario.JsonAsync(patch);
            Assert.False(body.GetProperty("is_active").GetBoolean());
            Assert.Equal(["aud-2"], body.GetProperty("allowed_idp_audiences").EnumerateArray().Select(x => x.GetString()));
            Assert.Equal(["https://x.example.com"], body.GetProperty("allowed_origins").EnumerateArray().Select(x => x.GetString()));
        }
        using (var inactive = await UseKeyAsync(service.Key, service.Name))
            await Scenario.AssertErrorAsync(inactive, 401, "Invalid or missing service API key", "invalid_service_key");
        using (var reactivate = await a.SendAsync(HttpMethod.Patch, $"/admin/service-apps/{service.App.Id}", cookie, new { is_active = true }))
            Assert.True((await Scenario.JsonAsync(reactivate)).GetProperty("is_active").GetBoolean());
        using (var active = await UseKeyAsync(service.Key, service.Name))
            await Scenario.AssertErrorAsync(active, 404, "Resource not found", "resource_not_found");

        using (var delete = await a.SendAsync(HttpMethod.Delete, $"/admin/service-apps/{service.App.Id}", cookie))
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        using (var deadKey = await UseKeyAsync(service.Key, service.Name))
            await Scenario.AssertErrorAsync(deadKey, 401, "Invalid or missing service API key", "invalid_service_key");
        Assert.Null(await svc.Authorization(ws.Id).GetPermissionAsync(acl.Id));
        using (var gone = await a.SendAsync(HttpMethod.Get, $"/admin/service-apps/{service.App.Id}", cookie))
            await Scenario.AssertErrorAsync(gone, 404, "Service app not found", "service_app_not_found");
        using (var deleteAgain = await a.SendAsync(HttpMethod.Delete, $"/admin/service-apps/{service.App.Id}", cookie))
            await Scenario.AssertErrorAsync(deleteAgain, 404, "Service app not found", "service_app_not_found");
        using (var patchGone = await a.SendAsync(HttpMethod.Patch, $"/admin/service-apps/{service.App.Id}", cookie, new { name = "x" }))
            await Scenario.AssertErrorAsync(patchGone, 404, "Service app not found", "service_app_not_found");
    }

    [Fact]
    public async Task client_app_lifecycle_and_revoke_sessions_revokes_only_that_apps_families()
    {
        var (admin, cookie) = await a.AdminAsync();
        using var created = await a.SendAsync(HttpMethod.Post, "/admin/client-apps", cookie, new { name = "Web", redirect_uris = new[] { "https://app.example.com/cb" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await Scenario.JsonAsync(created);
        AdminDirectoryScenario.AssertShape(body, "id", "name", "redirect_uris", "is_active", "created_by", "created_at", "updated_at");
        var id = body.GetProperty("id").GetGuid();
        Assert.Equal(admin.Id, body.GetProperty("created_by").GetGuid());

        using (var bad = await a.SendAsync(HttpMethod.Post, "/admin/client-apps", cookie, new { name = "Bad", redirect_uris = new[] { "javascript:alert(1)" } }))
            await Scenario.AssertValidationAsync(bad, "0", "url_parsing");
        using (var noUris = await a.SendAsync(HttpMethod.Post, "/admin/client-apps", cookie, new { name = "Bad" }))
            await Scenario.AssertValidationAsync(noUris, "redirect_uris", "missing");
        using (var list = await a.SendAsync(HttpMethod.Get, "/admin/client-apps", cookie))
            Assert.Equal(id, (await Scenario.JsonAsync(list))[0].GetProperty("id").GetGuid());
        using (var get = await a.SendAsync(HttpMethod.Get, $"/admin/client-apps/{id}", cookie))
            Assert.Equal("Web", (await Scenario.JsonAsync(get)).GetProperty("name").GetString());

        // Two sessions of one user: one through this app, one through another.
        var user = await a.S.UserAsync();
        var ws = await a.S.WorkspaceAsync(user);
        var sessions = a.Grains.GetGrain<IUserSessionGrain>(user.Id);
        var policy = new SessionPolicy(TimeSpan.FromMinutes(15), TimeSpan.FromDays(7), TimeSpan.Zero, 50);
        var mine = (SessionDecision.Issued)await sessions.StartFamilyAsync(new StartFamilyRequest(Guid.NewGuid(), ws, id, "Web", new SessionDevice(null, null), policy));
        var other = (SessionDecision.Issued)await sessions.StartFamilyAsync(new StartFamilyRequest(Guid.NewGuid(), ws, Guid.NewGuid(), "Other", new SessionDevice(null, null), policy));

        using (var patch = await a.SendAsync(HttpMethod.Patch, $"/admin/client-apps/{id}", cookie, new { name = "Web 2", redirect_uris = new[] { "https://app.example.com/cb2" }, revoke_sessions = true }))
        {
            var updated = await Scenario.JsonAsync(patch);
            Assert.Equal("Web 2", updated.GetProperty("name").GetString());
            Assert.Equal(["https://app.example.com/cb2"], updated.GetProperty("redirect_uris").EnumerateArray().Select(x => x.GetString()));
        }
        var left = await sessions.ListSessionsAsync(null);
        Assert.Equal([other.Tokens.FamilyId], left.Select(s => s.FamilyId));
        Assert.Equal(TokenStatus.Revoked, await sessions.CheckAsync(new TokenRef(mine.Tokens.AccessJti, mine.Tokens.IssuedAt, mine.Tokens.FamilyId)));
        Assert.Equal(TokenStatus.Active, await sessions.CheckAsync(new TokenRef(other.Tokens.AccessJti, other.Tokens.IssuedAt, other.Tokens.FamilyId)));
        var activity = await a.Grains.GetGrain<Sentinel.Grains.Admin.IAdminQueryGrain>(0).ListActivityAsync(new(1, 1, "client_app_updated", null, null, admin.Id, null, null));
        var detail = System.Text.Json.JsonDocument.Parse(Assert.Single(activity.Items).DetailJson!).RootElement;
        Assert.Equal(1, detail.GetProperty("tokens_revoked").GetInt32());
        Assert.Equal("Web 2", detail.GetProperty("name").GetString());

        using (var deactivate = await a.SendAsync(HttpMethod.Patch, $"/admin/client-apps/{id}", cookie, new { is_active = false }))
            Assert.False((await Scenario.JsonAsync(deactivate)).GetProperty("is_active").GetBoolean());
        Assert.Null(await a.Grains.GetGrain<Sentinel.Grains.AuthCodes.IClientAppLookupGrain>(0).FindActiveForRedirectAsync("https://app.example.com/cb2", id));

        using (var delete = await a.SendAsync(HttpMethod.Delete, $"/admin/client-apps/{id}", cookie))
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Patch, HttpMethod.Delete })
        {
            using var gone = await a.SendAsync(method, $"/admin/client-apps/{id}", cookie, method == HttpMethod.Patch ? new { name = "z" } : null);
            await Scenario.AssertErrorAsync(gone, 404, "Client app not found", "client_app_not_found");
        }
    }
}
