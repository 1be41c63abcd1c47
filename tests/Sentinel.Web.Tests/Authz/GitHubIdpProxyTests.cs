using System.Net;
using Microsoft.AspNetCore.WebUtilities;
using Xunit;

namespace Sentinel.Web.Tests.Authz;

/// <summary><c>/authz/idp/github/login</c> and <c>/callback</c> against the fake GitHub (allowed redirect origins, state bound to the browser).</summary>
[Collection(AuthzCollection.Name)]
public sealed class GitHubIdpProxyTests(AuthzFixture fx) : IDisposable
{
    private readonly ServiceScenario s = new(fx.App);
    private readonly HttpClient github = new(new HttpClientHandler { AllowAutoRedirect = false });

    public void Dispose() => github.Dispose();

    private async Task<(TestService Service, string RedirectUri)> AppAsync()
    {
        var origin = $"https://{Scenario.Unique("spa")}.example";
        return (await s.ServiceAsync(origins: [origin]), origin + "/auth/github");
    }

    private static string Login(string redirectUri, string nonce) =>
        QueryHelpers.AddQueryString("/authz/idp/github/login", new Dictionary<string, string?> { ["redirect_uri"] = redirectUri, ["nonce"] = nonce });

    /// <summary>Login, then GitHub's authorize (which signs in at once and redirects back); returns the callback path and query.</summary>
    private async Task<Uri> ToCallbackAsync(string redirectUri, string nonce, string? login = null)
    {
        using var start = await s.Http.GetAsync(Login(redirectUri, nonce));
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        var authorize = start.Headers.Location!;
        if (login is not null) authorize = new Uri(QueryHelpers.AddQueryString(authorize.ToString(), "login", login));
        using var back = await github.GetAsync(authorize);
        Assert.Equal(HttpStatusCode.Redirect, back.StatusCode);
        return back.Headers.Location!;
    }

    [Fact]
    public async Task round_trip_returns_an_encoded_token_and_the_bound_nonce_in_the_fragment()
    {
        var (service, redirectUri) = await AppAsync();
        var nonce = "n0nce with spaces&=";

        using var start = await s.Http.GetAsync(Login(redirectUri, nonce));
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        var authorize = start.Headers.Location!;
        Assert.StartsWith(fx.GitHub.OAuthBaseUrl + "/login/oauth/authorize?", authorize.ToString());
        var query = QueryHelpers.ParseQuery(authorize.Query);
        Assert.Equal(fx.GitHub.ClientId, query["client_id"]);
        Assert.Equal("http://localhost:9003/authz/idp/github/callback", query["redirect_uri"]);
        Assert.Equal("read:user user:email", query["scope"]);
        Assert.True(query["state"].ToString().Length >= 43);
        Assert.Contains("scope=read%3Auser%20user%3Aemail", authorize.OriginalString);
        var cookie = start.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(Sentinel.Web.Authz.GitHubIdpProxy.CookieName + "=", StringComparison.Ordinal));
        Assert.Contains("path=/authz/idp/github", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(redirectUri, cookie);

        using var back = await github.GetAsync(authorize);
        var callback = back.Headers.Location!;
        using var done = await s.Http.GetAsync(callback.PathAndQuery);
        Assert.Equal(HttpStatusCode.Redirect, done.StatusCode);
        var target = done.Headers.Location!.ToString();
        Assert.StartsWith(redirectUri + "#id_token=", target);
        var fragment = QueryHelpers.ParseQuery(target[(target.IndexOf('#') + 1)..]);
        Assert.Equal(nonce, fragment["nonce"]);
        var githubToken = fragment["id_token"].ToString();

        // The token the browser gets resolves in authz mode (it was minted for our app).
        using var resolved = await s.SendAsync(HttpMethod.Post, "/authz/resolve", service.Key, null, new { idp_token = githubToken, provider = "github" });
        Assert.Equal(HttpStatusCode.OK, resolved.StatusCode);

        // The login session is single use.
        using var replay = await s.Http.GetAsync(callback.PathAndQuery);
        await Scenario.AssertErrorAsync(replay, 400, "No redirect_uri in session — start from /authz/idp/{provider}/login", "idp_session_missing");
    }

    [Fact]
    public async Task login_refuses_redirects_off_the_allowlist_and_other_providers()
    {
        var (_, redirectUri) = await AppAsync();
        using (var offList = await s.Http.GetAsync(Login("https://attacker.example/steal", "n")))
            await Scenario.AssertErrorAsync(offList, 400, "Redirect URI is not allowed", "redirect_not_allowed");
        using (var withFragment = await s.Http.GetAsync(Login(redirectUri + "#x", "n")))
            await Scenario.AssertErrorAsync(withFragment, 400, "Redirect URI is not allowed", "redirect_not_allowed");
        using (var userInfo = await s.Http.GetAsync(Login(redirectUri.Replace("https://", "https://me@", StringComparison.Ordinal), "n")))
            await Scenario.AssertErrorAsync(userInfo, 400, "Redirect URI is not allowed", "redirect_not_allowed");
        using (var google = await s.Http.GetAsync("/authz/idp/google/login?redirect_uri=https%3A%2F%2Fa.example&nonce=n"))
            await Scenario.AssertErrorAsync(google, 400, "Proxy login not supported for google", "proxy_not_supported");
        using (var noNonce = await s.Http.GetAsync("/authz/idp/github/login?redirect_uri=" + Uri.EscapeDataString(redirectUri)))
            await Scenario.AssertValidationAsync(noNonce, "nonce", "missing");
        using (var googleCallback = await s.Http.GetAsync("/authz/idp/google/callback?code=x"))
            await Scenario.AssertErrorAsync(googleCallback, 400, "Proxy callback not supported for google", "proxy_not_supported");
    }

    [Fact]
    public async Task callback_checks_state_session_and_github_errors()
    {
        var (_, redirectUri) = await AppAsync();

        // A forged or mixed-up state is refused (login CSRF), and the session is consumed.
        var callback = await ToCallbackAsync(redirectUri, "n1");
        var query = QueryHelpers.ParseQuery(callback.Query);
        using (var forged = await s.Http.GetAsync($"/authz/idp/github/callback?code={query["code"]}&state=forged-state"))
            await Scenario.AssertErrorAsync(forged, 400, "Invalid OAuth state", "idp_state_mismatch");
        using (var afterForgery = await s.Http.GetAsync(callback.PathAndQuery))
            await Scenario.AssertErrorAsync(afterForgery, 400, null, "idp_session_missing");

        // The user denied access on GitHub.
        using (var start = await s.Http.GetAsync(Login(redirectUri, "n2")))
        {
            var denied = new Uri(QueryHelpers.AddQueryString(start.Headers.Location!.ToString(), "deny", "1"));
            using var back = await github.GetAsync(denied);
            using var response = await s.Http.GetAsync(back.Headers.Location!.PathAndQuery);
            await Scenario.AssertErrorAsync(response, 400, "GitHub OAuth error: access_denied", "github_oauth_error");
        }

        // A code GitHub does not recognise.
        var another = await ToCallbackAsync(redirectUri, "n3");
        var state = QueryHelpers.ParseQuery(another.Query)["state"];
        using (var badCode = await s.Http.GetAsync($"/authz/idp/github/callback?code=wrong&state={Uri.EscapeDataString(state!)}"))
            await Scenario.AssertErrorAsync(badCode, 400, "GitHub OAuth error: The code passed is incorrect or expired.", "github_oauth_error");

        // No login started in this browser.
        using var fresh = fx.App.CreateClient(new() { AllowAutoRedirect = false });
        using (var noSession = await fresh.GetAsync("/authz/idp/github/callback?code=x&state=y"))
            await Scenario.AssertErrorAsync(noSession, 400, "No redirect_uri in session — start from /authz/idp/{provider}/login", "idp_session_missing");
    }
}
