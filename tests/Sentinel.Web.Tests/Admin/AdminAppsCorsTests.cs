using System.Net;
using Xunit;

namespace Sentinel.Web.Tests.Admin;

/// <summary>App mutations rebuild CORS: an app changed through the admin API is in (or out of) the allowlist when the call returns.</summary>
[Collection(WebCollection.Name)]
public sealed class AdminAppsCorsTests(SentinelWebApplication app)
{
    private readonly AdminDirectoryScenario a = new(app);

    private async Task<HttpStatusCode> PreflightAsync(string origin)
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, "/auth/refresh");
        request.Headers.TryAddWithoutValidation("Origin", origin);
        request.Headers.TryAddWithoutValidation("Access-Control-Request-Method", "POST");
        using var response = await app.CreateClient().SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task client_app_created_then_deactivated_through_the_admin_api_changes_the_allowlist_at_once()
    {
        var (_, cookie) = await a.AdminAsync();
        var origin = $"https://app-{Guid.NewGuid():N}.example";
        Assert.Equal(HttpStatusCode.BadRequest, await PreflightAsync(origin));

        using var created = await a.SendAsync(HttpMethod.Post, "/admin/client-apps", cookie, new { name = "Cors", redirect_uris = new[] { $"{origin}/callback" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await Scenario.JsonAsync(created)).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.OK, await PreflightAsync(origin));

        using var deactivated = await a.SendAsync(HttpMethod.Patch, $"/admin/client-apps/{id}", cookie, new { is_active = false });
        Assert.Equal(HttpStatusCode.OK, deactivated.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, await PreflightAsync(origin));
    }

    [Fact]
    public async Task service_app_origin_added_by_patch_is_allowed_at_once_and_gone_after_delete()
    {
        var (_, cookie) = await a.AdminAsync();
        var origin = $"https://svc-{Guid.NewGuid():N}.example";
        using var created = await a.SendAsync(HttpMethod.Post, "/admin/service-apps", cookie,
            new { name = "Cors svc", service_name = $"cors-{Guid.NewGuid():N}"[..20], allowed_origins = Array.Empty<string>() });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await Scenario.JsonAsync(created)).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.BadRequest, await PreflightAsync(origin));

        using var patched = await a.SendAsync(HttpMethod.Patch, $"/admin/service-apps/{id}", cookie, new { allowed_origins = new[] { origin } });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal(HttpStatusCode.OK, await PreflightAsync(origin));

        using var deleted = await a.SendAsync(HttpMethod.Delete, $"/admin/service-apps/{id}", cookie);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, await PreflightAsync(origin));
    }
}
