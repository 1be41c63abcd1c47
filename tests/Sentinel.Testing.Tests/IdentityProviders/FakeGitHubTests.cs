using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;
using Sentinel.Testing.IdentityProviders;
using Xunit;

namespace Sentinel.Testing.Tests.IdentityProviders;

public sealed class FakeGitHubTests(FakeGitHub github) : IClassFixture<FakeGitHub>, IDisposable
{
    private const string RedirectUri = "http://127.0.0.1:9/auth/callback/github";
    private readonly HttpClient http = CreateClient();

    private static HttpClient CreateClient()
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.UserAgent.ParseAdd("Sentinel-Tests/1.0");
        return client;
    }

    public void Dispose() => http.Dispose();

    private async Task<Dictionary<string, string>> AuthorizeAsync(string? login = null, string scope = "read:user user:email", string? challenge = null, string? extra = null)
    {
        var query = new Dictionary<string, string?>
        {
            ["client_id"] = github.ClientId,
            ["redirect_uri"] = RedirectUri,
            ["scope"] = scope,
            ["state"] = "st-1",
        };
        if (login is not null) query["login"] = login;
        if (challenge is not null)
        {
            query["code_challenge"] = challenge;
            query["code_challenge_method"] = "S256";
        }
        var url = QueryHelpers.AddQueryString($"{github.OAuthBaseUrl}/login/oauth/authorize", query) + extra;
        using var response = await http.GetAsync(url);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.StartsWith(RedirectUri + "?", location.ToString(), StringComparison.Ordinal);
        return QueryHelpers.ParseQuery(location.Query).ToDictionary(p => p.Key, p => p.Value.ToString());
    }

    private async Task<JsonObject> ExchangeAsync(string code, string? secret = null, string? verifier = null)
    {
        var form = new Dictionary<string, string>
        {
            ["client_id"] = github.ClientId,
            ["client_secret"] = secret ?? github.ClientSecret,
            ["code"] = code,
            ["redirect_uri"] = RedirectUri,
        };
        if (verifier is not null) form["code_verifier"] = verifier;
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{github.OAuthBaseUrl}/login/oauth/access_token") { Content = new FormUrlEncodedContent(form) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // GitHub answers 200 even for errors
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    private async Task<(HttpStatusCode Status, JsonNode? Body)> ApiAsync(string path, string? token, bool userAgent = true)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{github.ApiBaseUrl}{path}");
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.github+json"));
        using var client = new HttpClient();
        if (userAgent) client.DefaultRequestHeaders.UserAgent.ParseAdd("Sentinel-Tests/1.0");
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType == "application/json" ? JsonNode.Parse(text) : null);
    }

    [Fact]
    public async Task full_flow_authorize_token_user_and_emails_gives_the_primary_verified_email()
    {
        var back = await AuthorizeAsync(login: "alice");
        Assert.Equal("st-1", back["state"]);

        var token = await ExchangeAsync(back["code"]);
        Assert.Equal("bearer", token["token_type"]!.GetValue<string>());
        Assert.Equal("read:user,user:email", token["scope"]!.GetValue<string>());
        var accessToken = token["access_token"]!.GetValue<string>();

        var (status, user) = await ApiAsync("/user", accessToken);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1001, user!["id"]!.GetValue<long>());
        Assert.Equal("alice", user["login"]!.GetValue<string>());
        Assert.Equal("Alice Example", user["name"]!.GetValue<string>());

        var (emailsStatus, emails) = await ApiAsync("/user/emails", accessToken);
        Assert.Equal(HttpStatusCode.OK, emailsStatus);
        var primary = emails!.AsArray().Single(e => e!["primary"]!.GetValue<bool>());
        Assert.Equal("alice@example.com", primary!["email"]!.GetValue<string>());
        Assert.True(primary["verified"]!.GetValue<bool>());
    }

    [Fact]
    public async Task users_without_a_verified_primary_email_or_a_name_are_served_as_github_does()
    {
        var mallory = (await ExchangeAsync((await AuthorizeAsync(login: "mallory"))["code"]))["access_token"]!.GetValue<string>();
        var (_, emails) = await ApiAsync("/user/emails", mallory);
        var primary = emails!.AsArray().Single(e => e!["primary"]!.GetValue<bool>())!;
        Assert.Equal("mallory@example.com", primary["email"]!.GetValue<string>());
        Assert.False(primary["verified"]!.GetValue<bool>());
        Assert.Contains(emails.AsArray(), e => !e!["primary"]!.GetValue<bool>() && e["verified"]!.GetValue<bool>());

        var nameless = github.IssueAccessToken("nameless");
        var (_, user) = await ApiAsync("/user", nameless);
        Assert.Null(user!["name"]);
        Assert.Equal("nameless", user["login"]!.GetValue<string>());
    }

    [Fact]
    public async Task the_default_login_signs_in_when_the_request_names_nobody()
    {
        var back = await AuthorizeAsync();
        var token = (await ExchangeAsync(back["code"]))["access_token"]!.GetValue<string>();
        var (_, user) = await ApiAsync("/user", token);
        Assert.Equal(github.DefaultLogin, user!["login"]!.GetValue<string>());
    }

    [Fact]
    public async Task the_token_endpoint_takes_json_or_basic_auth_and_answers_form_encoded_without_accept_json()
    {
        var code = (await AuthorizeAsync(login: "admin"))["code"];
        using var json = new HttpRequestMessage(HttpMethod.Post, $"{github.OAuthBaseUrl}/login/oauth/access_token")
        {
            Content = JsonContent.Create(new { client_id = github.ClientId, client_secret = github.ClientSecret, code }),
        };
        using var jsonResponse = await http.SendAsync(json);
        Assert.Equal("application/x-www-form-urlencoded", jsonResponse.Content.Headers.ContentType!.MediaType);
        var form = QueryHelpers.ParseQuery("?" + await jsonResponse.Content.ReadAsStringAsync());
        Assert.StartsWith("gho_", form["access_token"].ToString(), StringComparison.Ordinal);
        Assert.Equal("bearer", form["token_type"].ToString());

        code = (await AuthorizeAsync(login: "admin"))["code"];
        using var basic = new HttpRequestMessage(HttpMethod.Post, $"{github.OAuthBaseUrl}/login/oauth/access_token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["code"] = code }),
        };
        basic.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{github.ClientId}:{github.ClientSecret}")));
        basic.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var basicResponse = await http.SendAsync(basic);
        var body = JsonNode.Parse(await basicResponse.Content.ReadAsStringAsync())!;
        Assert.NotNull(body["access_token"]);
    }

    [Fact]
    public async Task wrong_secrets_reused_codes_and_other_redirect_uris_get_github_errors()
    {
        var code = (await AuthorizeAsync(login: "alice"))["code"];
        Assert.Equal("incorrect_client_credentials", (await ExchangeAsync(code, secret: "wrong"))["error"]!.GetValue<string>());

        code = (await AuthorizeAsync(login: "alice"))["code"];
        Assert.NotNull((await ExchangeAsync(code))["access_token"]);
        Assert.Equal("bad_verification_code", (await ExchangeAsync(code))["error"]!.GetValue<string>());

        code = (await AuthorizeAsync(login: "alice"))["code"];
        var form = new Dictionary<string, string>
        {
            ["client_id"] = github.ClientId,
            ["client_secret"] = github.ClientSecret,
            ["code"] = code,
            ["redirect_uri"] = "http://127.0.0.1:9/elsewhere",
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{github.OAuthBaseUrl}/login/oauth/access_token") { Content = new FormUrlEncodedContent(form) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await http.SendAsync(request);
        Assert.Equal("redirect_uri_mismatch", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task pkce_is_checked_when_a_challenge_was_sent()
    {
        var (verifier, challenge) = OidcTestHelpers.NewPkce();
        var code = (await AuthorizeAsync(login: "alice", challenge: challenge))["code"];
        Assert.Equal("bad_verification_code", (await ExchangeAsync(code, verifier: OidcTestHelpers.NewPkce().Verifier))["error"]!.GetValue<string>());

        code = (await AuthorizeAsync(login: "alice", challenge: challenge))["code"];
        Assert.NotNull((await ExchangeAsync(code, verifier: verifier))["access_token"]);
    }

    [Fact]
    public async Task the_api_wants_a_user_agent_a_valid_token_and_the_email_scope()
    {
        var token = github.IssueAccessToken("alice");
        Assert.Equal(HttpStatusCode.Forbidden, (await ApiAsync("/user", token, userAgent: false)).Status);

        var (status, body) = await ApiAsync("/user", "gho_not-a-token");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("Bad credentials", body!["message"]!.GetValue<string>());

        var narrow = github.IssueAccessToken("alice", scope: "read:user");
        Assert.Equal(HttpStatusCode.OK, (await ApiAsync("/user", narrow)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await ApiAsync("/user/emails", narrow)).Status);

        github.RevokeAccessToken(token);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ApiAsync("/user", token)).Status);
    }

    [Fact]
    public async Task denial_and_unknown_clients_are_answered_like_github()
    {
        var denied = await AuthorizeAsync(login: "alice", extra: "&deny=1");
        Assert.Equal("access_denied", denied["error"]);
        Assert.Equal("st-1", denied["state"]);

        using var response = await http.GetAsync($"{github.OAuthBaseUrl}/login/oauth/authorize?client_id=other&redirect_uri={Uri.EscapeDataString(RedirectUri)}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public void sentinel_environment_points_both_base_urls_at_the_fake()
    {
        var env = github.SentinelEnvironment();
        Assert.Equal(github.OAuthBaseUrl, env["GITHUB_OAUTH_BASE_URL"]);
        Assert.Equal(github.OAuthBaseUrl + "/api", env["GITHUB_API_BASE_URL"]);
        Assert.StartsWith("http://127.0.0.1:", github.OAuthBaseUrl, StringComparison.Ordinal);
    }
}
