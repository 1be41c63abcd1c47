using System.Net;
using Xunit;

namespace Sentinel.Web.Tests.SignIn;

/// <summary>What <c>/auth/login/{p}</c> and the callbacks refuse before any provider is involved.</summary>
[Collection(SignInCollection.Name)]
public sealed class LoginValidationTests(SignInWeb web)
{
    private readonly SignInScenario s = new(web.App);
    private const string Challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    private static async Task AssertHtmlCardAsync(HttpResponseMessage response, int status)
    {
        var html = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {html}");
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains($"Error {status}", html, StringComparison.Ordinal);
        Assert.Contains("<h1>", html, StringComparison.Ordinal);
        Assert.Equal("default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; frame-ancestors 'none'",
            response.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task login_without_redirect_uri_or_code_challenge_is_422_in_the_query()
    {
        using var none = await s.Http.GetAsync("/auth/login/dex");
        await Scenario.AssertValidationAsync(none, "redirect_uri", "missing");
        using var noChallenge = await s.Http.GetAsync("/auth/login/dex?redirect_uri=http://app.example/cb");
        await Scenario.AssertValidationAsync(noChallenge, "code_challenge", "missing");
    }

    [Fact]
    public async Task login_for_an_unconfigured_provider_is_an_html_400_card()
    {
        using var response = await s.Http.GetAsync($"/auth/login/google?redirect_uri=http://app.example/cb&code_challenge={Challenge}");
        await AssertHtmlCardAsync(response, 400);
    }

    [Fact]
    public async Task login_with_a_method_other_than_s256_is_an_html_400_card()
    {
        var redirect = $"http://app-{Guid.NewGuid():N}.example/cb";
        await SignInScenario.ClientAppAsync(redirect);
        using var response = await s.Http.GetAsync($"/auth/login/dex?redirect_uri={Uri.EscapeDataString(redirect)}&code_challenge={Challenge}&code_challenge_method=plain");
        await AssertHtmlCardAsync(response, 400);
    }

    [Fact]
    public async Task login_with_a_redirect_uri_not_listed_exactly_by_an_active_app_is_an_html_400_card()
    {
        var redirect = $"http://app-{Guid.NewGuid():N}.example/cb";
        var inactive = $"http://app-{Guid.NewGuid():N}.example/cb";
        var app = await SignInScenario.ClientAppAsync(redirect);
        var other = await SignInScenario.ClientAppAsync($"http://app-{Guid.NewGuid():N}.example/cb");
        await SignInScenario.ClientAppAsync(false, inactive);

        foreach (var uri in new[]
        {
            $"/auth/login/dex?redirect_uri={Uri.EscapeDataString(redirect + "/")}&code_challenge={Challenge}",
            $"/auth/login/dex?redirect_uri={Uri.EscapeDataString(redirect.ToUpperInvariant())}&code_challenge={Challenge}",
            $"/auth/login/dex?redirect_uri={Uri.EscapeDataString(inactive)}&code_challenge={Challenge}",
            $"/auth/login/dex?redirect_uri={Uri.EscapeDataString(redirect)}&code_challenge={Challenge}&client_id={other}",
            $"/auth/login/dex?redirect_uri={Uri.EscapeDataString(redirect)}&code_challenge={Challenge}&client_id=not-a-uuid",
        })
        {
            using var response = await s.Http.GetAsync(uri);
            await AssertHtmlCardAsync(response, 400);
        }
        _ = app;
    }

    [Fact]
    public async Task login_whose_provider_cannot_be_reached_is_an_html_500_card_not_a_redirect()
    {
        var redirect = $"http://app-{Guid.NewGuid():N}.example/cb";
        await SignInScenario.ClientAppAsync(redirect);
        using var response = await s.Http.GetAsync($"/auth/login/dex?redirect_uri={Uri.EscapeDataString(redirect)}&code_challenge={Challenge}&state=xyz");
        await AssertHtmlCardAsync(response, 500);
    }

    [Fact]
    public async Task callback_for_an_unconfigured_provider_or_without_a_started_sign_in_is_an_html_400_card()
    {
        using var unconfigured = await s.Http.GetAsync("/auth/callback/github?code=abc&state=def");
        await AssertHtmlCardAsync(unconfigured, 400);
        using var forged = await s.Http.GetAsync("/auth/callback/dex?code=abc&state=forged");
        await AssertHtmlCardAsync(forged, 400);
        using var empty = await s.Http.GetAsync("/auth/callback/dex");
        await AssertHtmlCardAsync(empty, 400);
    }

    [Fact]
    public async Task admin_login_and_callback_for_an_unconfigured_provider_are_json_400()
    {
        using var login = await s.Http.GetAsync("/auth/admin/login/google");
        await Scenario.AssertErrorAsync(login, 400, "Provider 'google' is not configured", "provider_not_configured");
        using var callback = await s.Http.GetAsync("/auth/admin/callback/google?code=x&state=y");
        await Scenario.AssertErrorAsync(callback, 400, "Provider 'google' is not configured", "provider_not_configured");
        using var forged = await s.Http.GetAsync("/auth/admin/callback/dex?code=x&state=y");
        await Scenario.AssertErrorAsync(forged, 400, "Authentication failed", "authentication_failed");
    }

    [Fact]
    public async Task the_admin_landing_page_navigates_to_the_admin_panel_from_our_own_site()
    {
        using var response = await s.Http.GetAsync("/auth/admin/landing");
        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("http-equiv=\"refresh\" content=\"0;url=http://localhost:9004/\"", html, StringComparison.Ordinal);
    }
}
