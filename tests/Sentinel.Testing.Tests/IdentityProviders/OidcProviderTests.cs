using System.Net;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Sentinel.Testing.IdentityProviders;
using Xunit;
using static Sentinel.Testing.Tests.IdentityProviders.OidcTestHelpers;

namespace Sentinel.Testing.Tests.IdentityProviders;

/// <summary>The node OpenID Connect provider, driven as a relying party would, token checks done by Microsoft.IdentityModel.</summary>
public sealed class OidcProviderTests(OidcProviderFixture provider) : IClassFixture<OidcProviderFixture>
{
    private static readonly OidcClient Client = OidcClient.Test;
    private static readonly string RedirectUri = Client.RedirectUris[0];

    private async Task<(ProviderReturn Return, string Verifier, string State, string Nonce)> SignInWithCodeAsync(
        string login, string? loginHint = null, string? responseMode = null)
    {
        var (verifier, challenge) = NewPkce();
        var state = NewState();
        var nonce = NewState();
        var url = provider.AuthorizeUrl(Client, RedirectUri, state, challenge, nonce, loginHint: loginHint);
        if (responseMode is not null) url = new Uri($"{url}&response_mode={responseMode}");
        using var browser = BrowserlessLogin.CreateBrowser();
        var result = await BrowserlessLogin.SignInForReturnAsync(browser, url, new Uri(provider.Issuer), login);
        return (result, verifier, state, nonce);
    }

    [Fact]
    public async Task discovery_describes_a_loopback_issuer_with_code_pkce_and_the_standard_scopes()
    {
        Assert.StartsWith("http://127.0.0.1:", provider.Issuer, StringComparison.Ordinal);
        var discovery = provider.Discovery;
        Assert.Equal(provider.Issuer, discovery["issuer"]!.GetValue<string>());
        Assert.Contains("S256", discovery["code_challenge_methods_supported"]!.AsArray().Select(n => n!.GetValue<string>()));
        var scopes = discovery["scopes_supported"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        Assert.Contains("openid", scopes);
        Assert.Contains("email", scopes);
        Assert.Contains("profile", scopes);
        var methods = discovery["token_endpoint_auth_methods_supported"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        Assert.Contains("client_secret_basic", methods);
        Assert.Contains("client_secret_post", methods);
        Assert.StartsWith(provider.Issuer, provider.JwksUri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task code_flow_with_pkce_yields_an_id_token_that_verifies_against_the_jwks()
    {
        var (result, verifier, state, nonce) = await SignInWithCodeAsync(OidcUser.Alice.Email);

        Assert.False(result.IsFormPost);
        Assert.StartsWith(RedirectUri + "?", result.Url.ToString(), StringComparison.Ordinal);
        Assert.Equal(state, result.State);
        Assert.Equal(provider.Issuer, result.Parameters["iss"]); // RFC 9207
        Assert.NotNull(result.Code);

        var (status, body) = await ExchangeCodeAsync(provider, Client, result.Code!, RedirectUri, verifier);
        Assert.True(status == 200, body.ToJsonString());
        var idToken = body["id_token"]!.GetValue<string>();

        var validation = await ValidateAsync(provider, idToken, Client.ClientId);
        Assert.True(validation.IsValid, validation.Exception?.ToString());
        var claims = validation.Claims;
        Assert.Equal("alice", claims["sub"]);
        Assert.Equal("alice@example.com", claims["email"]);
        Assert.Equal(true, claims["email_verified"]);
        Assert.Equal("Alice Example", claims["name"]);
        Assert.Equal(nonce, claims["nonce"]);
        Assert.Equal(provider.Issuer, claims["iss"]);
    }

    [Fact]
    public async Task client_secret_basic_is_accepted_as_well_as_client_secret_post()
    {
        var (result, verifier, _, _) = await SignInWithCodeAsync(OidcUser.Bob.Email);

        var (status, body) = await ExchangeCodeAsync(provider, Client, result.Code!, RedirectUri, verifier, basicAuth: true);

        Assert.True(status == 200, body.ToJsonString());
        var validation = await ValidateAsync(provider, body["id_token"]!.GetValue<string>(), Client.ClientId);
        Assert.True(validation.IsValid, validation.Exception?.ToString());
        Assert.Equal("bob@example.com", validation.Claims["email"]);
    }

    [Fact]
    public async Task a_wrong_pkce_verifier_or_client_secret_is_refused()
    {
        var (result, _, _, _) = await SignInWithCodeAsync(OidcUser.Alice.Email);
        var (status, body) = await ExchangeCodeAsync(provider, Client, result.Code!, RedirectUri, NewPkce().Verifier);
        Assert.Equal(400, status);
        Assert.Equal("invalid_grant", body["error"]!.GetValue<string>());

        var (again, verifier, _, _) = await SignInWithCodeAsync(OidcUser.Alice.Email);
        var wrongSecret = Client with { ClientSecret = "not-the-secret" };
        (status, body) = await ExchangeCodeAsync(provider, wrongSecret, again.Code!, RedirectUri, verifier);
        Assert.Equal(401, status);
        Assert.Equal("invalid_client", body["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task an_unverified_users_id_token_says_email_verified_false()
    {
        var (result, verifier, _, _) = await SignInWithCodeAsync(OidcUser.Mallory.Email);
        var (status, body) = await ExchangeCodeAsync(provider, Client, result.Code!, RedirectUri, verifier);
        Assert.True(status == 200, body.ToJsonString());

        var validation = await ValidateAsync(provider, body["id_token"]!.GetValue<string>(), Client.ClientId);
        Assert.True(validation.IsValid, validation.Exception?.ToString());
        Assert.Equal("mallory@example.com", validation.Claims["email"]);
        Assert.Equal(false, validation.Claims["email_verified"]);
    }

    [Fact]
    public async Task login_hint_signs_in_without_showing_the_form()
    {
        var (result, verifier, _, _) = await SignInWithCodeAsync(login: "ignored@example.com", loginHint: OidcUser.Admin.Email);
        var (_, body) = await ExchangeCodeAsync(provider, Client, result.Code!, RedirectUri, verifier);

        var token = new JsonWebToken(body["id_token"]!.GetValue<string>());
        Assert.Equal("admin@example.com", token.GetClaim("email").Value);
    }

    [Fact]
    public async Task the_provider_session_is_kept_by_the_browser_so_a_second_sign_in_needs_no_form()
    {
        using var browser = BrowserlessLogin.CreateBrowser();
        Uri Implicit(string? prompt = null) =>
            provider.AuthorizeUrl(Client, RedirectUri, state: "s", nonce: "n", responseType: "id_token", scope: "openid email", prompt: prompt);
        string EmailOf(Uri back) => new JsonWebToken(new ProviderReturn(back).IdToken!).GetPayloadValue<string>("email");

        var first = await provider.SignInAsync(browser, Implicit(), OidcUser.Bob.Email);
        // The login given now does not matter: the provider remembers Bob, as it would in a browser.
        var second = await provider.SignInAsync(browser, Implicit(), OidcUser.Alice.Email);
        // prompt=login shows the form again, and so allows a change of user.
        var third = await provider.SignInAsync(browser, Implicit(prompt: "login"), OidcUser.Alice.Email);

        Assert.Equal("bob@example.com", EmailOf(first));
        Assert.Equal("bob@example.com", EmailOf(second));
        Assert.Equal("alice@example.com", EmailOf(third));
    }

    [Fact]
    public async Task form_post_response_mode_is_returned_as_a_form_for_the_relying_party()
    {
        var (result, verifier, state, _) = await SignInWithCodeAsync(OidcUser.Alice.Email, responseMode: "form_post");

        Assert.True(result.IsFormPost);
        Assert.Equal(new Uri(RedirectUri), result.Url);
        Assert.Equal(state, result.State);
        var (status, body) = await ExchangeCodeAsync(provider, Client, result.Code!, RedirectUri, verifier);
        Assert.True(status == 200, body.ToJsonString());
    }

    [Fact]
    public async Task cancelling_at_the_provider_returns_access_denied()
    {
        using var browser = BrowserlessLogin.CreateBrowser();
        var result = await BrowserlessLogin.CancelAsync(browser, provider.AuthorizeUrl(Client, RedirectUri, state: "s"), new Uri(provider.Issuer));

        Assert.Equal("access_denied", result.Error);
        Assert.Equal("s", result.State);
    }

    [Fact]
    public async Task an_unknown_login_is_refused_on_the_form()
    {
        using var browser = BrowserlessLogin.CreateBrowser();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            provider.SignInAsync(browser, provider.AuthorizeUrl(Client, RedirectUri), "nobody@example.com"));
        Assert.Contains("Unknown user", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task an_unregistered_redirect_uri_is_refused_by_the_provider()
    {
        using var browser = BrowserlessLogin.CreateBrowser();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            provider.SignInAsync(browser, provider.AuthorizeUrl(Client, "http://127.0.0.1/elsewhere"), OidcUser.Alice.Email));
        Assert.Contains("redirect_uri", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task the_implicit_id_token_flow_returns_a_verifiable_token_in_the_fragment()
    {
        using var browser = BrowserlessLogin.CreateBrowser();
        var url = provider.AuthorizeUrl(Client, RedirectUri, state: "st", nonce: "n-123", responseType: "id_token", scope: "openid email");

        var back = await provider.SignInAsync(browser, url, OidcUser.Alice.Email);

        var result = new ProviderReturn(back);
        Assert.StartsWith("#", back.Fragment, StringComparison.Ordinal);
        var validation = await ValidateAsync(provider, result.IdToken!, Client.ClientId);
        Assert.True(validation.IsValid, validation.Exception?.ToString());
        Assert.Equal("alice@example.com", validation.Claims["email"]);
        Assert.Equal("n-123", validation.Claims["nonce"]);
    }

    [Fact]
    public async Task a_minted_id_token_verifies_against_the_jwks_with_the_requested_audience()
    {
        var token = await provider.MintIdTokenAsync("bob@example.com", "my-service-audience");

        var validation = await ValidateAsync(provider, token, "my-service-audience");
        Assert.True(validation.IsValid, validation.Exception?.ToString());
        Assert.Equal("bob", validation.Claims["sub"]);
        Assert.Equal("bob@example.com", validation.Claims["email"]);
        Assert.Equal(true, validation.Claims["email_verified"]);

        var otherAudience = await ValidateAsync(provider, token, "someone-else");
        Assert.False(otherAudience.IsValid);
        Assert.IsType<SecurityTokenInvalidAudienceException>(otherAudience.Exception);
    }

    [Fact]
    public async Task minted_tokens_can_be_expired_unverified_or_signed_with_an_untrusted_key()
    {
        var expired = await provider.MintIdTokenAsync("alice@example.com", "aud-1", lifetime: TimeSpan.FromMinutes(-5));
        var expiredResult = await ValidateAsync(provider, expired, "aud-1");
        Assert.IsType<SecurityTokenExpiredException>(expiredResult.Exception);

        var unverified = await provider.MintIdTokenAsync("mallory@example.com", "aud-1");
        var unverifiedResult = await ValidateAsync(provider, unverified, "aud-1");
        Assert.True(unverifiedResult.IsValid);
        Assert.Equal(false, unverifiedResult.Claims["email_verified"]);

        var overridden = await provider.MintIdTokenAsync("alice@example.com", "aud-1",
            extraClaims: new Dictionary<string, object?> { ["email_verified"] = false, ["picture"] = "https://example.com/a.png" });
        var overriddenResult = await ValidateAsync(provider, overridden, "aud-1");
        Assert.Equal(false, overriddenResult.Claims["email_verified"]);
        Assert.Equal("https://example.com/a.png", overriddenResult.Claims["picture"]);

        var forged = await provider.MintIdTokenAsync("alice@example.com", "aud-1", untrustedKey: true);
        var forgedResult = await ValidateAsync(provider, forged, "aud-1");
        Assert.False(forgedResult.IsValid);
        Assert.IsType<SecurityTokenInvalidSignatureException>(forgedResult.Exception);
    }

    [Fact]
    public void sentinel_environment_names_the_dex_provider_or_a_generic_one()
    {
        var dex = provider.SentinelEnvironment();
        Assert.Equal(Client.ClientId, dex["DEX_CLIENT_ID"]);
        Assert.Equal(Client.ClientSecret, dex["DEX_CLIENT_SECRET"]);
        Assert.Equal($"{provider.Issuer}/.well-known/openid-configuration", dex["DEX_SERVER_METADATA_URL"]);

        var generic = provider.SentinelEnvironment("my-idp");
        Assert.Equal("my-idp", generic["OIDC_PROVIDERS"]);
        Assert.Equal(provider.MetadataUrl, generic["OIDC_MY_IDP_METADATA_URL"]);
    }
}

/// <summary>Users that are not configured up front.</summary>
public sealed class OidcProviderUserTests
{
    [Fact]
    public async Task users_added_at_run_time_and_unknown_users_when_allowed_can_sign_in()
    {
        await using var provider = await OidcProviderFixture.StartAsync(new OidcProviderOptions { AllowUnknownUsers = true });

        await provider.AddUserAsync(new OidcUser("carol-1", "carol@example.com", false, "Carol", "https://example.com/carol.png"));
        using (var browser = BrowserlessLogin.CreateBrowser())
        {
            var back = await provider.SignInAsync(browser, provider.AuthorizeUrl(OidcClient.Test, OidcClient.Test.RedirectUris[0], responseType: "id_token", nonce: "n", scope: "openid email profile"), "carol@example.com");
            var claims = new JsonWebToken(new ProviderReturn(back).IdToken!);
            Assert.Equal("carol-1", claims.Subject);
            Assert.False(claims.GetPayloadValue<bool>("email_verified"));
            Assert.Equal("https://example.com/carol.png", claims.GetPayloadValue<string>("picture"));
        }

        using (var browser = BrowserlessLogin.CreateBrowser())
        {
            var back = await provider.SignInAsync(browser, provider.AuthorizeUrl(OidcClient.Test, OidcClient.Test.RedirectUris[0], responseType: "id_token", nonce: "n"), "Dave.New@Example.com");
            var claims = new JsonWebToken(new ProviderReturn(back).IdToken!);
            Assert.Equal("Dave.New@Example.com", claims.GetPayloadValue<string>("email"));
            Assert.True(claims.GetPayloadValue<bool>("email_verified"));
            Assert.StartsWith("u-", claims.Subject, StringComparison.Ordinal);
        }

        // The minted token of a user created on the fly has the same stable subject.
        var minted = new JsonWebToken(await provider.MintIdTokenAsync("dave.new@example.com", "x"));
        using var http = new HttpClient();
        var users = JsonNode.Parse(await http.GetStringAsync($"{provider.Issuer}/test/users"))!.AsArray();
        Assert.Contains(users, u => u!["sub"]!.GetValue<string>() == minted.Subject);
    }

    [Fact]
    public async Task test_endpoints_are_off_unless_asked_for_and_the_process_stops_on_dispose()
    {
        var provider = await OidcProviderFixture.StartAsync(new OidcProviderOptions { TestEndpoints = false });
        var pid = provider.ProcessId!.Value;
        using (var http = new HttpClient())
        {
            using var response = await http.PostAsync($"{provider.Issuer}/test/id-token", new StringContent("{}"));
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        await provider.DisposeAsync();

        Assert.Throws<ArgumentException>(() => System.Diagnostics.Process.GetProcessById(pid));
    }
}
