using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Sentinel.Grains.Directory;
using Sentinel.Testing;
using Sentinel.Web.Infrastructure.Conventions;
using Sentinel.Web.Tests.SignIn;
using Xunit;

namespace Sentinel.Web.Tests.Admin.Panel;

/// <summary>The panel's pages on ADMIN_PORT: which page <c>/</c> is, the sign-in page, the embedded assets.</summary>
[Collection(SignInCollection.Name)]
public sealed partial class AdminPanelPageTests(SignInWeb web)
{
    private const string Admin = "http://localhost:9004";
    private readonly SignInScenario s = new(web.App);

    private static string AdminToken(Guid userId, string issuer = TestTokens.Issuer) =>
        TestTokens.Sign(new JsonObject
        {
            ["iss"] = issuer,
            ["sub"] = userId.ToString(),
            ["aud"] = "sentinel:admin",
            ["type"] = "admin_access",
            ["jti"] = Guid.NewGuid().ToString(),
            ["email"] = "panel@example.com",
            ["name"] = "Panel",
            ["admin"] = true,
        }, TimeSpan.FromMinutes(60));

    private async Task<(HttpResponseMessage Response, string Body)> GetAsync(string url, string? cookie = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (cookie is not null) request.Headers.Add("Cookie", $"admin_token={cookie}");
        var response = await s.Http.SendAsync(request);
        return (response, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task without_the_admin_cookie_the_root_is_the_sign_in_page_with_a_link_per_provider()
    {
        var (response, html) = await GetAsync(Admin + "/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("data-screen=\"signin\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("data-screen=\"app\"", html, StringComparison.Ordinal);
        Assert.Contains("href=\"/auth/admin/login/dex\"", html, StringComparison.Ordinal);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal(SecurityHeaders.PanelCsp, response.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task with_a_verifiable_admin_cookie_the_root_is_the_app_shell_at_first_paint()
    {
        var user = await s.Grains.GetGrain<IUserGrain>(Guid.NewGuid()).CreateAsync($"{Scenario.Unique("panel")}@example.com", "Panel", null, isAdmin: true);
        var (response, html) = await GetAsync(Admin + "/", AdminToken(user.Value!.Id));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("data-screen=\"app\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("data-screen=\"signin\"", html, StringComparison.Ordinal);
        Assert.Contains("<script type=\"module\" src=\"/assets/app.js\"></script>", html, StringComparison.Ordinal);
        Assert.Equal(SecurityHeaders.PanelCsp, response.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task a_cookie_that_does_not_verify_gets_the_sign_in_page()
    {
        var (_, html) = await GetAsync(Admin + "/", AdminToken(Guid.NewGuid(), issuer: "http://evil.example"));
        Assert.Contains("data-screen=\"signin\"", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not_admin", "not an administrator")]
    [InlineData("email_not_verified", "did not confirm that this email address is verified")]
    [InlineData("access_denied", "cancelled")]
    [InlineData("<script>alert(1)</script>", "did not complete")]
    public async Task the_login_page_explains_the_callback_error_in_words(string error, string expected)
    {
        var (response, html) = await GetAsync($"{Admin}/login?error={Uri.EscapeDataString(error)}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("role=\"alert\"", html, StringComparison.Ordinal);
        Assert.Contains(expected, html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task panel_html_has_no_inline_script_or_style_so_the_csp_needs_no_unsafe_inline_scripts()
    {
        var user = await s.Grains.GetGrain<IUserGrain>(Guid.NewGuid()).CreateAsync($"{Scenario.Unique("panel")}@example.com", "Panel", null, isAdmin: true);
        foreach (var (url, cookie) in new[] { (Admin + "/", (string?)null), (Admin + "/login", null), (Admin + "/", AdminToken(user.Value!.Id)) })
        {
            var (_, html) = await GetAsync(url, cookie);
            Assert.DoesNotMatch(InlineScript(), html);
            Assert.DoesNotContain("<style", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(" style=", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotMatch(InlineHandler(), html);
        }
    }

    [Theory]
    [InlineData("/assets/app.js", "text/javascript")]
    [InlineData("/assets/pages/service-apps.js", null)]
    [InlineData("/assets/panel.css", "text/css")]
    [InlineData("/assets/pages/users.js", "text/javascript")]
    public async Task assets_are_served_on_the_admin_port_only(string path, string? type)
    {
        var (admin, _) = await GetAsync(Admin + path);
        if (type is null)
        {
            Assert.Equal(HttpStatusCode.NotFound, admin.StatusCode);
            return;
        }
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
        Assert.Equal(type, admin.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(admin.Headers.ETag);
        var (api, _) = await GetAsync("http://localhost:9003" + path);
        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
    }

    [GeneratedRegex(@"<script(?![^>]*\bsrc=)[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();

    [GeneratedRegex(@"\son[a-z]+\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex InlineHandler();
}
