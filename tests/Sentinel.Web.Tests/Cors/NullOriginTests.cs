using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Sentinel.Grains.Cors;
using Sentinel.Grains.ServiceApps;
using Sentinel.Web.Cors;
using Sentinel.Web.Tests.Admin;
using Xunit;

namespace Sentinel.Web.Tests.Cors;

/// <summary>
/// Issue 23, item 5: <c>Origin: null</c> is shared by every sandboxed iframe and <c>file:</c> page, so it is refused when
/// an origin is saved, and the CORS layer never answers <c>Access-Control-Allow-Origin: null</c> whatever is stored.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class NullOriginTests(SentinelWebApplication app)
{
    private readonly AdminDirectoryScenario a = new(app);

    private static string Header(HttpResponseMessage r, string name) =>
        r.Headers.TryGetValues(name, out var v) ? string.Join(",", v) : r.Content.Headers.TryGetValues(name, out var c) ? string.Join(",", c) : "";

    private static async Task AssertOriginRefusedAsync(HttpResponseMessage response, int index)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == 422, $"expected 422, got {(int)response.StatusCode}: {text}");
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal("validation_failed", body.GetProperty("code").GetString());
        var item = Assert.Single(body.GetProperty("detail").EnumerateArray());
        Assert.Equal(["body", "allowed_origins", index.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            item.GetProperty("loc").EnumerateArray().Select(e => e.ToString()));
        Assert.Equal("value_error", item.GetProperty("type").GetString());
        Assert.Contains("'null'", item.GetProperty("msg").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("null")]
    [InlineData("NULL")]
    [InlineData(" null ")]
    public async Task creating_a_service_app_with_the_null_origin_is_422(string value)
    {
        var (_, cookie) = await a.AdminAsync();
        var name = $"nul-{Guid.NewGuid():N}"[..20];
        using var response = await a.SendAsync(HttpMethod.Post, "/admin/service-apps", cookie,
            new { name = "Null origin", service_name = name, allowed_origins = new[] { "https://ok.example", value } });
        await AssertOriginRefusedAsync(response, 1);
        using var list = await a.SendAsync(HttpMethod.Get, "/admin/service-apps", cookie);
        Assert.DoesNotContain(name, await list.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task patching_a_service_app_to_the_null_origin_is_422_and_changes_nothing()
    {
        var (_, cookie) = await a.AdminAsync();
        using var created = await a.SendAsync(HttpMethod.Post, "/admin/service-apps", cookie,
            new { name = "Null origin", service_name = $"nul-{Guid.NewGuid():N}"[..20], allowed_origins = new[] { "https://ok.example" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await Scenario.JsonAsync(created)).GetProperty("id").GetGuid();

        using var patched = await a.SendAsync(HttpMethod.Patch, $"/admin/service-apps/{id}", cookie, new { allowed_origins = new[] { "null" } });
        await AssertOriginRefusedAsync(patched, 0);
        using var after = await a.SendAsync(HttpMethod.Get, $"/admin/service-apps/{id}", cookie);
        Assert.Equal(["https://ok.example"], (await Scenario.JsonAsync(after)).GetProperty("allowed_origins").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task a_stored_null_origin_never_gets_allow_origin_null()
    {
        // A row saved before the admin API refused "null", written as another replica or an old version would.
        var good = $"https://svc-{Guid.NewGuid():N}.example";
        var created = await app.Cluster.Client.GetGrain<IServiceAppGrain>(Guid.NewGuid())
            .CreateAsync("legacy null", Scenario.Unique("legacy"), ["null", good], [], null);
        Assert.True(created.IsOk);
        var set = await app.Cluster.Client.GetGrain<ICorsOriginsGrain>(0).InvalidateAsync(CancellationToken.None);
        Assert.DoesNotContain("null", set.Origins);
        Assert.Contains(good, set.Origins);
        await app.Services.GetRequiredService<CorsOrigins>().InvalidateAsync(CancellationToken.None);

        var client = app.CreateClient();
        using var simple = new HttpRequestMessage(HttpMethod.Get, "/.well-known/jwks.json");
        simple.Headers.TryAddWithoutValidation("Origin", "null");
        using (var response = await client.SendAsync(simple))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Empty(Header(response, "Access-Control-Allow-Origin"));
            Assert.Empty(Header(response, "Access-Control-Allow-Credentials"));
        }
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/auth/refresh");
        preflight.Headers.TryAddWithoutValidation("Origin", "null");
        preflight.Headers.TryAddWithoutValidation("Access-Control-Request-Method", "POST");
        using (var response = await client.SendAsync(preflight))
        {
            await Scenario.AssertErrorAsync(response, 400, "Disallowed CORS origin", "cors_disallowed");
            Assert.Empty(Header(response, "Access-Control-Allow-Origin"));
        }
        // The app's real origin still works.
        using var ok = new HttpRequestMessage(HttpMethod.Get, "/.well-known/jwks.json");
        ok.Headers.TryAddWithoutValidation("Origin", good);
        using (var response = await client.SendAsync(ok)) Assert.Equal(good, Header(response, "Access-Control-Allow-Origin"));
    }
}

/// <summary><c>CORS_ORIGINS</c> listing <c>null</c> (a warning with <c>DEBUG=true</c>): the CORS layer still refuses it.</summary>
public sealed class ConfiguredNullOriginTests : Xunit.IAsyncLifetime
{
    private readonly SentinelWebApplication app = new() { Settings = { ["CORS_ORIGINS"] = "http://localhost:3000,null" } };

    public Task InitializeAsync() => ((Xunit.IAsyncLifetime)app).InitializeAsync();
    public Task DisposeAsync() => ((Xunit.IAsyncLifetime)app).DisposeAsync();

    [Fact]
    public async Task a_configured_null_origin_gets_no_allow_origin()
    {
        const string origin = "null";
        var client = app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/.well-known/jwks.json");
        request.Headers.TryAddWithoutValidation("Origin", origin);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));

        using var configured = new HttpRequestMessage(HttpMethod.Get, "/.well-known/jwks.json");
        configured.Headers.TryAddWithoutValidation("Origin", "http://localhost:3000");
        using var allowed = await client.SendAsync(configured);
        Assert.Equal("http://localhost:3000", string.Join(",", allowed.Headers.GetValues("Access-Control-Allow-Origin")));
    }
}
