using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Client.Tests.Authentication;

/// <summary>Authz mode: the IdP token as bearer, the authz token in X-Authz-Token, bound by idp_sub.</summary>
public sealed class AuthzModeTests
{
    private const string Idp = "http://idp.test";
    private static readonly RSA IdpKey = RSA.Create(2048);
    private static readonly Guid User = Guid.NewGuid();
    private static readonly Guid Workspace = Guid.NewGuid();

    private static Task<AuthApp> StartAsync()
    {
        var stub = new StubSentinel();
        stub.Documents[Idp + "/.well-known/openid-configuration"] = () => new JsonObject { ["issuer"] = Idp, ["jwks_uri"] = Idp + "/jwks" }.ToJsonString();
        stub.Documents[Idp + "/jwks"] = () => StubSentinel.JwksOf(IdpKey).ToJsonString();
        return AuthApp.StartAsync(o =>
        {
            o.Mode = SentinelMode.Authz;
            o.IdpMetadataAddress = Idp + "/.well-known/openid-configuration";
        }, stub);
    }

    private static string IdpToken(string sub = "idp|alice", string issuer = Idp) => TestTokens.Sign(new JsonObject
    {
        ["iss"] = issuer, ["sub"] = sub, ["aud"] = "app-client-id", ["email"] = "alice@idp.example", ["name"] = "Alice Idp",
    }, TimeSpan.FromMinutes(10), key: IdpKey);

    private static string AuthzToken(string idpSub = "idp|alice", string svc = StubSentinel.Service, string audience = "sentinel:authz", string type = "authz") => TestTokens.Sign(new JsonObject
    {
        ["iss"] = StubSentinel.BaseUrl, ["sub"] = User.ToString(), ["aud"] = audience, ["type"] = type, ["jti"] = Guid.NewGuid().ToString(),
        ["wid"] = Workspace.ToString(), ["wslug"] = "acme", ["wrole"] = "editor", ["idp_sub"] = idpSub, ["svc"] = svc,
        ["actions"] = new JsonArray("docs.edit", "docs:read"),
    }, TimeSpan.FromMinutes(5));

    [Fact]
    public async Task a_bound_pair_signs_the_user_in_with_identity_from_the_idp_and_workspace_from_sentinel()
    {
        await using var app = await StartAsync();

        using var response = await app.GetAsync("/me", IdpToken(), AuthzToken());

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var me = JsonDocument.Parse(text).RootElement;
        Assert.Equal(User, me.GetProperty("id").GetGuid());
        Assert.Equal("alice@idp.example", me.GetProperty("email").GetString());
        Assert.Equal("Alice Idp", me.GetProperty("name").GetString());
        Assert.Equal(Workspace, me.GetProperty("wid").GetGuid());
        Assert.Equal("Editor", me.GetProperty("wrole").GetString());
        Assert.Empty(me.GetProperty("groups").EnumerateArray());
        Assert.Equal(["docs.edit", "docs:read"], me.GetProperty("actions").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("idp|alice", me.GetProperty("idp_sub").GetString());
    }

    public static TheoryData<string> Broken => ["idp_sub of someone else", "another service", "no authz token", "access audience", "idp token from another issuer", "authz token as bearer"];

    [Theory]
    [MemberData(nameof(Broken))]
    public async Task a_pair_that_does_not_hold_together_is_refused(string why)
    {
        await using var app = await StartAsync();
        var (bearer, authz) = why switch
        {
            "idp_sub of someone else" => (IdpToken(), AuthzToken(idpSub: "idp|mallory")),
            "another service" => (IdpToken(), AuthzToken(svc: "billing")),
            "no authz token" => (IdpToken(), null),
            "access audience" => (IdpToken(), AuthzToken(audience: "sentinel:access")),
            "idp token from another issuer" => (IdpToken(issuer: "http://evil.test"), AuthzToken()),
            _ => (AuthzToken(), AuthzToken()),
        };

        using var response = await app.GetAsync("/me", bearer, authz);

        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{why}: {(int)response.StatusCode}");
    }

    [Fact]
    public async Task action_checks_forward_the_authz_token_not_the_idp_token()
    {
        await using var app = await StartAsync();
        app.Stub.Respond = r => Task.FromResult(r.PathAndQuery == "/roles/check-action"
            ? StubSentinel.Json(200, """{"allowed":true,"roles":["Editors"]}""")
            : StubSentinel.Json(201, "[]"));
        var authz = AuthzToken();

        using var response = await app.GetAsync("/edit", IdpToken(), authz);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Bearer " + authz, Assert.Single(app.Stub.Requests, r => r.PathAndQuery == "/roles/check-action").Header("Authorization"));
    }
}
