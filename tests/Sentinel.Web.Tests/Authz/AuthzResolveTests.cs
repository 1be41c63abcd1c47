using System.Net;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Npgsql;
using Sentinel.Grains.Directory;
using Sentinel.Testing;
using Sentinel.Testing.IdentityProviders;
using Xunit;

namespace Sentinel.Web.Tests.Authz;

/// <summary><c>POST /authz/resolve</c> against a real OpenID Connect provider and a fake GitHub, on loopback.</summary>
[Collection(AuthzCollection.Name)]
public sealed class AuthzResolveTests(AuthzFixture fx)
{
    private readonly ServiceScenario s = new(fx.App);
    private const string Provider = AuthzFixture.OidcProvider;

    private async Task<OidcUser> OidcUserAsync(bool verified = true)
    {
        var id = Scenario.Unique("idp");
        var user = new OidcUser(id, $"{id}@example.com", verified, "IdP " + id);
        await fx.Oidc.AddUserAsync(user);
        return user;
    }

    private Task<HttpResponseMessage> ResolveAsync(TestService service, string idpToken, Guid? workspaceId = null, string provider = Provider) =>
        s.SendAsync(HttpMethod.Post, "/authz/resolve", service.Key, null,
            workspaceId is null ? new { idp_token = idpToken, provider } : new { idp_token = idpToken, provider, workspace_id = workspaceId });

    [Fact]
    public async Task resolve_without_workspace_creates_user_once_and_lists_workspaces_with_all_five_keys()
    {
        var service = await s.ServiceAsync();
        var person = await OidcUserAsync();
        var token = await fx.Oidc.MintIdTokenAsync(person.Email, fx.ClientId);

        using var first = await ResolveAsync(service, token);
        var body = await Scenario.JsonAsync(first);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(["authz_token", "expires_in", "user", "workspace", "workspaces"], body.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("workspace").ValueKind);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("authz_token").ValueKind);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("expires_in").ValueKind);
        Assert.Empty(body.GetProperty("workspaces").EnumerateArray());
        Assert.Equal(person.Email, body.GetProperty("user").GetProperty("email").GetString());
        Assert.Equal(person.Name, body.GetProperty("user").GetProperty("name").GetString());
        var userId = body.GetProperty("user").GetProperty("id").GetGuid();

        // The second sign-in finds the same user, now with a workspace.
        var owner = await s.S.UserAsync();
        var ws = await s.S.WorkspaceAsync(owner);
        var profile = await s.Grains.GetGrain<IUserGrain>(userId).GetAsync();
        await s.S.AddMemberAsync(ws, profile!, WorkspaceRole.Editor);
        using var second = await ResolveAsync(service, await fx.Oidc.MintIdTokenAsync(person.Email, fx.ClientId));
        var again = await Scenario.JsonAsync(second);
        Assert.Equal(userId, again.GetProperty("user").GetProperty("id").GetGuid());
        var listed = again.GetProperty("workspaces").EnumerateArray().Single();
        Assert.Equal(ws, listed.GetProperty("id").GetGuid());
        Assert.Equal("editor", listed.GetProperty("role").GetString());
        Assert.True(listed.TryGetProperty("name", out _) && listed.TryGetProperty("slug", out _));
    }

    [Fact]
    public async Task resolve_with_workspace_mints_authz_token_that_identitymodel_verifies_against_jwks()
    {
        var service = await s.ServiceAsync();
        var person = await OidcUserAsync();
        var userId = (await Scenario.JsonAsync(await ResolveAsync(service, await fx.Oidc.MintIdTokenAsync(person.Email, fx.ClientId))))
            .GetProperty("user").GetProperty("id").GetGuid();
        var owner = await s.S.UserAsync();
        var ws = await s.S.WorkspaceAsync(owner);
        var profile = (await s.Grains.GetGrain<IUserGrain>(userId).GetAsync())!;
        await s.S.AddMemberAsync(ws, profile, WorkspaceRole.Viewer);
        var role = await s.RoleAsync(ws, service, "docs:read", "docs:write");
        Assert.True((await s.Authorization(ws).AssignUserRoleAsync(role.Id, userId, null)).IsOk);
        var otherService = await s.ServiceAsync();
        await s.RoleAsync(ws, otherService, "billing:pay");

        using var response = await ResolveAsync(service, await fx.Oidc.MintIdTokenAsync(person.Email, fx.ClientId), ws);
        var body = await Scenario.JsonAsync(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(300, body.GetProperty("expires_in").GetInt32());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("workspaces").ValueKind);
        Assert.Equal(ws, body.GetProperty("workspace").GetProperty("id").GetGuid());
        Assert.Equal("viewer", body.GetProperty("workspace").GetProperty("role").GetString());
        var authz = body.GetProperty("authz_token").GetString()!;

        // Verified independently of Sentinel's TokenService: IdentityModel with the published JWKS document.
        var jwks = new JsonWebKeySet(await s.Http.GetStringAsync("/.well-known/jwks.json"));
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(authz, new TokenValidationParameters
        {
            ValidIssuer = TestTokens.Issuer,
            ValidAudience = "sentinel:authz",
            IssuerSigningKeys = jwks.GetSigningKeys(),
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            ClockSkew = TimeSpan.Zero,
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        var jwt = (JsonWebToken)result.SecurityToken;
        Assert.Equal(jwks.Keys[0].Kid, jwt.Kid);
        Assert.Equal(userId.ToString(), jwt.Subject);
        Assert.Equal("authz", jwt.GetPayloadValue<string>("type"));
        Assert.Equal(ws.ToString(), jwt.GetPayloadValue<string>("wid"));
        Assert.Equal("viewer", jwt.GetPayloadValue<string>("wrole"));
        Assert.False(string.IsNullOrEmpty(jwt.GetPayloadValue<string>("wslug")));
        Assert.Equal(person.Sub, jwt.GetPayloadValue<string>("idp_sub"));
        Assert.Equal(service.Name, jwt.GetPayloadValue<string>("svc"));
        Assert.Equal(["docs:read", "docs:write"], jwt.GetPayloadValue<string[]>("actions").Order());
        Assert.True(Guid.TryParse(jwt.Id, out _));
        Assert.Equal(300, jwt.GetPayloadValue<long>("exp") - jwt.GetPayloadValue<long>("iat"));
        Assert.False(jwt.TryGetPayloadValue<object>("groups", out _));
        Assert.False(jwt.TryGetPayloadValue<object>("email", out _));

        // And by node jose (the JS SDKs' verifier) against the same JWKS document.
        var jwksPath = Path.Combine(Directory.CreateTempSubdirectory("jwks-").FullName, "jwks.json");
        await File.WriteAllTextAsync(jwksPath, await s.Http.GetStringAsync("/.well-known/jwks.json"));
        var jose = await Tokens.IndependentVerifierTests.JoseAsync(jwksPath, authz, "sentinel:authz");
        Assert.True(jose.ExitCode == 0, jose.Output);
        var joseClaims = JsonDocument.Parse(jose.Output).RootElement.GetProperty("payload");
        Assert.Equal(service.Name, joseClaims.GetProperty("svc").GetString());
        Assert.Equal(person.Sub, joseClaims.GetProperty("idp_sub").GetString());
        Assert.NotEqual(0, (await Tokens.IndependentVerifierTests.JoseAsync(jwksPath, authz, "sentinel:access")).ExitCode);

        // The token works on the dual-auth routes with its own service's key, and not with another's (an authz token is bound to its svc).
        using (var check = await s.SendAsync(HttpMethod.Post, "/roles/check-action", service.Key, authz, new { service_name = service.Name, action = "docs:write", workspace_id = ws }))
            Assert.True((await Scenario.JsonAsync(check)).GetProperty("allowed").GetBoolean());
        using (var replay = await s.SendAsync(HttpMethod.Post, "/permissions/accessible", otherService.Key, authz,
            new { service_name = otherService.Name, resource_type = "doc", action = "view", workspace_id = ws }))
            await Scenario.AssertErrorAsync(replay, 401, "Invalid or expired token", "invalid_token");
    }

    [Fact]
    public async Task idp_audience_defaults_to_the_provider_client_id()
    {
        var service = await s.ServiceAsync();
        var person = await OidcUserAsync();
        using (var ok = await ResolveAsync(service, await fx.Oidc.MintIdTokenAsync(person.Email, fx.ClientId)))
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        using var wrong = await ResolveAsync(service, await fx.Oidc.MintIdTokenAsync(person.Email, "someone-elses-client"));
        await Scenario.AssertErrorAsync(wrong, 400, "Invalid token: audience is not allowed for this service", "idp_token_invalid");
    }

    [Fact]
    public async Task idp_audience_is_bound_to_the_calling_service_allowed_idp_audiences()
    {
        var spa = Scenario.Unique("spa");
        var service = await s.ServiceAsync(audiences: [spa, "another-spa"]);
        var person = await OidcUserAsync();
        using (var ok = await ResolveAsync(service, await fx.Oidc.MintIdTokenAsync(person.Email, spa)))
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        // With a list, the provider's own client id no longer applies to this service.
        using (var providerAudience = await ResolveAsync(service, await fx.Oidc.MintIdTokenAsync(person.Email, fx.ClientId)))
            await Scenario.AssertErrorAsync(providerAudience, 400, "Invalid token: audience is not allowed for this service", "idp_token_invalid");
        // And another service does not accept this service's audience.
        var other = await s.ServiceAsync();
        using (var crossService = await ResolveAsync(other, await fx.Oidc.MintIdTokenAsync(person.Email, spa)))
            await Scenario.AssertErrorAsync(crossService, 400, null, "idp_token_invalid");
    }

    [Fact]
    public async Task idp_token_failures_have_contract_details()
    {
        var service = await s.ServiceAsync();
        var person = await OidcUserAsync();
        using (var expired = await ResolveAsync(service, await fx.Oidc.MintIdTokenAsync(person.Email, fx.ClientId, lifetime: TimeSpan.FromMinutes(-10))))
            await Scenario.AssertErrorAsync(expired, 400, "Token expired", "idp_token_expired");
        using (var forged = await ResolveAsync(service, await fx.Oidc.MintIdTokenAsync(person.Email, fx.ClientId, untrustedKey: true)))
            await Scenario.AssertErrorAsync(forged, 400, "Invalid token: signature verification failed", "idp_token_invalid");
        using (var issuer = await ResolveAsync(service, await fx.Oidc.MintIdTokenAsync(person.Email, fx.ClientId,
            extraClaims: new Dictionary<string, object?> { ["iss"] = "https://evil.example" })))
            await Scenario.AssertErrorAsync(issuer, 400, "Invalid token: issuer does not match the provider", "idp_token_invalid");
        using (var garbage = await ResolveAsync(service, "not.a.jwt"))
            await Scenario.AssertErrorAsync(garbage, 400, null, "idp_token_invalid");
        var unverified = await OidcUserAsync(verified: false);
        using (var notVerified = await ResolveAsync(service, await fx.Oidc.MintIdTokenAsync(unverified.Email, fx.ClientId)))
            await Scenario.AssertErrorAsync(notVerified, 400, "Email not verified", "email_not_verified");
        using (var unsupported = await ResolveAsync(service, "x", provider: "myspace"))
            await Scenario.AssertErrorAsync(unsupported, 400, "Unsupported provider: myspace", "unsupported_provider");
    }

    [Fact]
    public async Task non_member_workspace_and_inactive_user_are_refused()
    {
        var service = await s.ServiceAsync();
        var person = await OidcUserAsync();
        using (var notMember = await ResolveAsync(service, await fx.Oidc.MintIdTokenAsync(person.Email, fx.ClientId), Guid.NewGuid()))
            await Scenario.AssertErrorAsync(notMember, 403, "User is not a member of this workspace", "not_workspace_member");

        await using (var db = NpgsqlDataSource.Create(TestConnection.ConnectionString()))
        await using (var cmd = db.CreateCommand("UPDATE users SET is_active = false WHERE lower(email) = lower(@email)"))
        {
            cmd.Parameters.AddWithValue("email", person.Email);
            Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
        }
        using var inactive = await ResolveAsync(service, await fx.Oidc.MintIdTokenAsync(person.Email, fx.ClientId));
        await Scenario.AssertErrorAsync(inactive, 403, "User account is inactive", "user_inactive");
    }

    [Fact]
    public async Task service_context_by_key_or_registered_origin_with_deterministic_duplicates()
    {
        var origin = $"https://{Scenario.Unique("app")}.example";
        var first = await s.ServiceAsync(origins: [origin]);
        var second = await s.ServiceAsync(origins: [origin]);
        var person = await OidcUserAsync();
        var owner = await s.S.UserAsync();
        var ws = await s.S.WorkspaceAsync(owner);
        var userId = (await Scenario.JsonAsync(await ResolveAsync(first, await fx.Oidc.MintIdTokenAsync(person.Email, fx.ClientId)))).GetProperty("user").GetProperty("id").GetGuid();
        await s.S.AddMemberAsync(ws, (await s.Grains.GetGrain<IUserGrain>(userId).GetAsync())!, WorkspaceRole.Viewer);

        // Browser traffic: no key, the Origin of an active service app. Both apps list it: the oldest wins, so duplicates resolve the same way every time.
        for (var i = 0; i < 3; i++)
        {
            using var byOrigin = await s.SendAsync(HttpMethod.Post, "/authz/resolve", null, null,
                new { idp_token = await fx.Oidc.MintIdTokenAsync(person.Email, fx.ClientId), provider = Provider, workspace_id = ws }, origin: origin);
            var body = await Scenario.JsonAsync(byOrigin);
            Assert.Equal(HttpStatusCode.OK, byOrigin.StatusCode);
            Assert.Equal(first.Name, new JsonWebToken(body.GetProperty("authz_token").GetString()).GetPayloadValue<string>("svc"));
        }
        Assert.NotEqual(first.Name, second.Name);

        var token = await fx.Oidc.MintIdTokenAsync(person.Email, fx.ClientId);
        using (var unknownOrigin = await s.SendAsync(HttpMethod.Post, "/authz/resolve", null, null, new { idp_token = token, provider = Provider }, origin: "https://unknown.example"))
            await Scenario.AssertErrorAsync(unknownOrigin, 401, "Missing service API key or unregistered origin", "missing_service_key");
        using (var badKey = await s.SendAsync(HttpMethod.Post, "/authz/resolve", "sk_bad", null, new { idp_token = token, provider = Provider }, origin: origin))
            await Scenario.AssertErrorAsync(badKey, 401, "Invalid or missing service API key", "invalid_service_key");
        // An origin is not a key: key-only routes refuse it.
        using (var keyOnly = await s.SendAsync(HttpMethod.Post, "/roles/actions/register", null, null, new { service_name = first.Name, actions = Array.Empty<object>() }, origin: origin))
            await Scenario.AssertErrorAsync(keyOnly, 401, "Service key required", "service_key_required");
    }

    [Fact]
    public async Task resolve_validates_its_body()
    {
        var service = await s.ServiceAsync();
        using (var missing = await s.SendAsync(HttpMethod.Post, "/authz/resolve", service.Key, null, new { provider = Provider }))
            await Scenario.AssertValidationAsync(missing, "idp_token", "missing");
        using (var badWorkspace = await s.SendAsync(HttpMethod.Post, "/authz/resolve", service.Key, null, new { idp_token = "x", provider = Provider, workspace_id = "nope" }))
            await Scenario.AssertValidationAsync(badWorkspace, "workspace_id", "uuid_parsing");
        using (var huge = await s.SendAsync(HttpMethod.Post, "/authz/resolve", service.Key, null, new { idp_token = new string('a', 20_000), provider = Provider }))
            await Scenario.AssertValidationAsync(huge, "idp_token", "string_too_long");
        using (var noContext = await s.SendAsync(HttpMethod.Post, "/authz/resolve", null, null, new { idp_token = "x", provider = Provider }))
            await Scenario.AssertErrorAsync(noContext, 401, "Missing service API key or unregistered origin", "missing_service_key");
    }

    [Fact]
    public async Task github_tokens_are_accepted_only_when_issued_to_our_app()
    {
        var service = await s.ServiceAsync();
        var id = Random.Shared.NextInt64(10_000_000, 99_999_999);
        var login = Scenario.Unique("gh");
        fx.GitHub.AddUser(new GitHubUser(id, login, null, [new GitHubEmail($"{login}@example.com", true, true)]));

        using (var ok = await ResolveAsync(service, fx.GitHub.IssueAccessToken(login), provider: "github"))
        {
            var body = await Scenario.JsonAsync(ok);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal($"{login}@example.com", body.GetProperty("user").GetProperty("email").GetString());
            Assert.Equal(login, body.GetProperty("user").GetProperty("name").GetString());
        }
        // Only tokens of our OAuth app: GitHub itself would accept this token on /user, but it was minted for another OAuth app.
        using (var foreignApp = await ResolveAsync(service, fx.GitHub.IssueAccessToken(login, clientId: "someone-elses-app"), provider: "github"))
            await Scenario.AssertErrorAsync(foreignApp, 400, "Invalid GitHub token", "github_token_invalid");
        var revoked = fx.GitHub.IssueAccessToken(login);
        fx.GitHub.RevokeAccessToken(revoked);
        using (var dead = await ResolveAsync(service, revoked, provider: "github"))
            await Scenario.AssertErrorAsync(dead, 400, "Invalid GitHub token", "github_token_invalid");
        using (var noEmailScope = await ResolveAsync(service, fx.GitHub.IssueAccessToken(login, scope: "read:user"), provider: "github"))
            await Scenario.AssertErrorAsync(noEmailScope, 400, "Could not fetch GitHub emails", "github_emails_unavailable");
        using (var unverified = await ResolveAsync(service, fx.GitHub.IssueAccessToken(GitHubUser.Mallory.Login), provider: "github"))
            await Scenario.AssertErrorAsync(unverified, 400, "Email not verified", "email_not_verified");

        // The authz token's idp_sub is the canonical GitHub subject.
        var owner = await s.S.UserAsync();
        var ws = await s.S.WorkspaceAsync(owner);
        var userId = (await Scenario.JsonAsync(await ResolveAsync(service, fx.GitHub.IssueAccessToken(login), provider: "github"))).GetProperty("user").GetProperty("id").GetGuid();
        await s.S.AddMemberAsync(ws, (await s.Grains.GetGrain<IUserGrain>(userId).GetAsync())!, WorkspaceRole.Viewer);
        using var withWs = await ResolveAsync(service, fx.GitHub.IssueAccessToken(login), ws, provider: "github");
        var authz = new JsonWebToken((await Scenario.JsonAsync(withWs)).GetProperty("authz_token").GetString());
        Assert.Equal($"github|{id}", authz.GetPayloadValue<string>("idp_sub"));
    }
}
