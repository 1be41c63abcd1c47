using System.Net;
using Sentinel.Web.Tests.Admin;
using Xunit;
using Sentinel.Web.Tests.Tokens;
using Sentinel.Web.Tests.Authorization;

namespace Sentinel.Web.Tests.SignIn;

/// <summary>
/// Issue 23, item 5: the second CSRF defence of admin-cookie writes, beside <c>X-Requested-With</c>: OWASP's "verify
/// origin with standard headers". The web fixture's panel is <c>ADMIN_URL=http://localhost:9004</c>, its API
/// <c>BASE_URL=http://localhost:9003</c>, with <c>DEBUG=true</c>.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class AdminOriginTests(SentinelWebApplication app)
{
    private readonly AdminScenario a = new(app);

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? origin, string? fetchSite, object? body = null)
    {
        var admin = await a.AdminAsync();
        using var request = AdminScenario.Request(method, path, admin.Cookie, body);
        if (origin is not null) request.Headers.TryAddWithoutValidation("Origin", origin);
        if (fetchSite is not null) request.Headers.TryAddWithoutValidation("Sec-Fetch-Site", fetchSite);
        return await a.Http.SendAsync(request);
    }

    [Theory]
    [InlineData("http://localhost:9004", "same-origin")] // the panel calling its own origin, as api.js does
    [InlineData("http://localhost:9003", "same-site")]   // the API's origin
    [InlineData("HTTP://LOCALHOST:9004", null)]
    [InlineData("http://127.0.0.1:9004", "same-origin")] // DEBUG: the panel opened by another loopback name (issue 15)
    [InlineData("http://[::1]:9004", "same-origin")]
    [InlineData(null, "same-site")]                      // no Origin, same-site
    [InlineData(null, "same-origin")]
    [InlineData(null, null)]                             // not a browser: curl with the cookie
    public async Task writes_from_the_panel_or_the_api_origin_are_accepted(string? origin, string? fetchSite)
    {
        using var response = await SendAsync(HttpMethod.Post, "/auth/admin/logout", origin, fetchSite);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    [Theory]
    [InlineData(null, "cross-site")]
    [InlineData("http://localhost:9004", "cross-site")]  // Sec-Fetch-Site is the browser's word; a matching Origin does not overrule it
    [InlineData("https://evil.example", null)]
    [InlineData("https://evil.example", "same-site")]
    [InlineData("http://localhost:9005", "same-site")]   // a sibling port is another origin
    [InlineData("https://localhost:9004", null)]         // another scheme is another origin
    [InlineData("http://localhost:9004.evil.example", null)]
    [InlineData("null", null)]                           // sandboxed iframes and file: pages
    [InlineData("http://127.0.0.2:9004", null)]          // not a loopback name the host check accepts
    public async Task writes_from_a_cross_site_context_or_a_foreign_origin_are_refused(string? origin, string? fetchSite)
    {
        using var response = await SendAsync(HttpMethod.Post, "/auth/admin/logout", origin, fetchSite);
        await Scenario.AssertErrorAsync(response, 403, "Cross-origin request refused", "csrf_origin_mismatch");
    }

    [Theory]
    [InlineData("PATCH")]
    [InlineData("DELETE")]
    public async Task the_admin_api_refuses_foreign_origins_on_every_unsafe_method(string method)
    {
        using var response = await SendAsync(new HttpMethod(method), $"/admin/client-apps/{Guid.NewGuid()}", "https://evil.example", "cross-site",
            method == "PATCH" ? new { name = "x" } : null);
        await Scenario.AssertErrorAsync(response, 403, "Cross-origin request refused", "csrf_origin_mismatch");
    }

    [Fact]
    public async Task a_foreign_origin_write_is_refused_before_anything_changes()
    {
        var admin = await a.AdminAsync();
        using (var request = AdminScenario.Request(HttpMethod.Post, "/auth/admin/logout", admin.Cookie))
        {
            request.Headers.TryAddWithoutValidation("Origin", "https://evil.example");
            using var refused = await a.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }
        // The logout did not happen: the cookie still works.
        using var me = await a.SendAsync(HttpMethod.Get, "/auth/admin/me", admin.Cookie);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
    }

    [Fact]
    public async Task reads_are_not_affected()
    {
        using var response = await SendAsync(HttpMethod.Get, "/auth/admin/me", "https://evil.example", "cross-site");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task the_missing_csrf_header_is_still_reported_first()
    {
        var admin = await a.AdminAsync();
        using var request = AdminScenario.Request(HttpMethod.Post, "/auth/admin/logout", admin.Cookie, csrf: false);
        request.Headers.TryAddWithoutValidation("Origin", "https://evil.example");
        using var response = await a.Http.SendAsync(request);
        await Scenario.AssertErrorAsync(response, 403, "Missing X-Requested-With header", "csrf_header_missing");
    }
}
