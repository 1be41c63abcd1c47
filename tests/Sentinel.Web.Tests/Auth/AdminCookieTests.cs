using System.Net;
using System.Text.Json.Nodes;
using Sentinel.Grains.Directory;
using Sentinel.Testing;
using Sentinel.Web.Tests.SignIn;
using Xunit;

namespace Sentinel.Web.Tests.Auth;

/// <summary>The admin-cookie scheme through <c>/auth/admin/me</c> and <c>/auth/admin/logout</c>.</summary>
[Collection(SignInCollection.Name)]
public sealed class AdminCookieTests(SignInWeb web)
{
    private readonly SignInScenario s = new(web.App);

    private async Task<UserProfile> AdminAsync()
    {
        var id = Guid.NewGuid();
        var result = await s.Grains.GetGrain<IUserGrain>(id).CreateAsync($"{Scenario.Unique("admin")}@example.com", "Ada Admin", null, isAdmin: true);
        return result.Value!;
    }

    private static string AdminToken(UserProfile user, bool adminClaim = true, Guid? jti = null) =>
        TestTokens.Sign(new JsonObject
        {
            ["iss"] = TestTokens.Issuer,
            ["sub"] = user.Id.ToString(),
            ["aud"] = "sentinel:admin",
            ["type"] = "admin_access",
            ["jti"] = (jti ?? Guid.NewGuid()).ToString(),
            ["email"] = user.Email,
            ["name"] = user.Name,
            ["admin"] = adminClaim,
        }, TimeSpan.FromMinutes(60));

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? cookie, bool csrf = false)
    {
        var request = new HttpRequestMessage(method, path);
        if (cookie is not null) request.Headers.Add("Cookie", $"admin_token={cookie}");
        if (csrf) request.Headers.Add("X-Requested-With", "XMLHttpRequest");
        return s.Http.SendAsync(request);
    }

    [Fact]
    public async Task admin_me_answers_the_stored_user_for_a_valid_cookie()
    {
        var admin = await AdminAsync();
        using var me = await SendAsync(HttpMethod.Get, "/auth/admin/me", AdminToken(admin));
        var body = await Scenario.JsonAsync(me);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal(admin.Id, body.GetProperty("id").GetGuid());
        Assert.Equal(admin.Email, body.GetProperty("email").GetString());
        Assert.Equal("Ada Admin", body.GetProperty("name").GetString());
    }

    [Fact]
    public async Task admin_cookie_refusals_use_the_contract_details()
    {
        var admin = await AdminAsync();
        using var none = await SendAsync(HttpMethod.Get, "/auth/admin/me", null);
        await Scenario.AssertErrorAsync(none, 401, "Not authenticated", "not_authenticated");
        using var bad = await SendAsync(HttpMethod.Get, "/auth/admin/me", "garbage");
        await Scenario.AssertErrorAsync(bad, 401, "Invalid or expired token", "invalid_token");
        using var access = await SendAsync(HttpMethod.Get, "/auth/admin/me", TestTokens.Access(admin.Id, Guid.NewGuid(), "owner"));
        await Scenario.AssertErrorAsync(access, 401, "Invalid or expired token", "invalid_token");
        using var noClaim = await SendAsync(HttpMethod.Get, "/auth/admin/me", AdminToken(admin, adminClaim: false));
        await Scenario.AssertErrorAsync(noClaim, 403, "Not an admin", "not_admin");
    }

    [Fact]
    public async Task a_demoted_admin_is_refused_at_once_because_the_user_is_reread()
    {
        var admin = await AdminAsync();
        var token = AdminToken(admin);
        await s.Grains.GetGrain<IUserGrain>(admin.Id).SetAdminAsync(false, null);

        using var me = await SendAsync(HttpMethod.Get, "/auth/admin/me", token);
        await Scenario.AssertErrorAsync(me, 403, "Not an admin", "not_admin");
    }

    [Fact]
    public async Task admin_logout_needs_the_csrf_header_then_denylists_the_token_and_deletes_the_cookie()
    {
        var admin = await AdminAsync();
        var token = AdminToken(admin);

        using var forged = await SendAsync(HttpMethod.Post, "/auth/admin/logout", token);
        await Scenario.AssertErrorAsync(forged, 403, "Missing X-Requested-With header", "csrf_header_missing");

        using var logout = await SendAsync(HttpMethod.Post, "/auth/admin/logout", token, csrf: true);
        Assert.Equal(HttpStatusCode.OK, logout.StatusCode);
        Assert.True((await Scenario.JsonAsync(logout)).GetProperty("ok").GetBoolean());
        Assert.Equal("\"cookies\", \"storage\"", logout.Headers.GetValues("Clear-Site-Data").Single());
        var cookie = logout.Headers.GetValues("Set-Cookie").Single();
        Assert.StartsWith("admin_token=;", cookie, StringComparison.Ordinal);
        Assert.Contains("expires=Thu, 01 Jan 1970", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", cookie, StringComparison.Ordinal);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);

        using var after = await SendAsync(HttpMethod.Get, "/auth/admin/me", token);
        await Scenario.AssertErrorAsync(after, 401, "Token has been revoked", "token_revoked");
    }
}
