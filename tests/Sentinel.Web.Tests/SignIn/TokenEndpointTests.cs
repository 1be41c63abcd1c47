using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sentinel.Grains.Directory;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Web.Tests.SignIn;

/// <summary><c>/auth/workspaces</c> and <c>/auth/token</c>.</summary>
[Collection(SignInCollection.Name)]
public sealed class TokenEndpointTests(SignInWeb web)
{
    private readonly SignInScenario s = new(web.App);

    [Fact]
    public async Task token_endpoint_issues_a_contract_shaped_pair_with_fresh_role_slug_and_groups()
    {
        var (owner, ws) = await s.OwnerAsync();
        var group = await s.Grains.GetGrain<IWorkspaceGrain>(ws).CreateGroupAsync(new Actor(owner.Id, "owner"), "Readers", null);
        await s.Grains.GetGrain<IWorkspaceGrain>(ws).AddGroupMemberAsync(new Actor(owner.Id, "owner"), group.Value!.Id, owner.Id);
        var verifier = SignInScenario.NewVerifier();
        var code = await s.CodeAsync(owner.Id, verifier);

        using var response = await s.TokenAsync(code, ws, verifier);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal("bearer", body.GetProperty("token_type").GetString());
        Assert.Equal(900, body.GetProperty("expires_in").GetInt32());
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());

        var pair = await TokenPair.ReadAsync(response);
        var access = pair.AccessJwt;
        Assert.Equal(TestKeys.Kid, access.Kid);
        Assert.Equal("RS256", access.Alg);
        Assert.Equal(TestTokens.Issuer, access.Issuer);
        Assert.Equal(["sentinel:access"], access.Audiences);
        Assert.Equal("access", access.GetPayloadValue<string>("type"));
        Assert.Equal(owner.Id.ToString(), access.Subject);
        Assert.Equal(owner.Email, access.GetPayloadValue<string>("email"));
        Assert.Equal(owner.Name, access.GetPayloadValue<string>("name"));
        Assert.Equal(ws.ToString(), access.GetPayloadValue<string>("wid"));
        Assert.Equal("owner", access.GetPayloadValue<string>("wrole"));
        Assert.False(string.IsNullOrEmpty(access.GetPayloadValue<string>("wslug")));
        Assert.Equal([group.Value.Id.ToString()], access.GetPayloadValue<string[]>("groups"));
        Assert.Equal(900, access.GetPayloadValue<long>("exp") - access.GetPayloadValue<long>("iat"));

        var refresh = pair.RefreshJwt;
        Assert.Equal(["sentinel:refresh"], refresh.Audiences);
        Assert.Equal("refresh", refresh.GetPayloadValue<string>("type"));
        Assert.True(Guid.TryParse(refresh.GetPayloadValue<string>("fid"), out _));
        Assert.False(refresh.TryGetPayloadValue<string>("wid", out _));
        Assert.False(refresh.TryGetPayloadValue<string>("email", out _));
        Assert.Equal(7 * 24 * 3600, refresh.GetPayloadValue<long>("exp") - refresh.GetPayloadValue<long>("iat"));

        // The access token works on a strict-bearer route.
        using var me = await s.GetAsync("/users/me/sessions", pair.Access);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
    }

    [Fact]
    public async Task the_code_is_consumed_first_so_a_failed_pkce_check_burns_it()
    {
        var (owner, ws) = await s.OwnerAsync();
        var verifier = SignInScenario.NewVerifier();
        var code = await s.CodeAsync(owner.Id, verifier);

        using var wrong = await s.TokenAsync(code, ws, SignInScenario.NewVerifier());
        await Scenario.AssertErrorAsync(wrong, 400, "PKCE verification failed", "pkce_failed");
        using var right = await s.TokenAsync(code, ws, verifier);
        await Scenario.AssertErrorAsync(right, 400, "Invalid or expired authorization code", "invalid_authorization_code");
    }

    [Fact]
    public async Task a_code_is_single_use()
    {
        var (owner, ws) = await s.OwnerAsync();
        var verifier = SignInScenario.NewVerifier();
        var code = await s.CodeAsync(owner.Id, verifier);

        using var first = await s.TokenAsync(code, ws, verifier);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        using var second = await s.TokenAsync(code, ws, verifier);
        await Scenario.AssertErrorAsync(second, 400, "Invalid or expired authorization code", "invalid_authorization_code");
    }

    [Fact]
    public async Task token_refusals_follow_the_contract_order_and_wording()
    {
        var (owner, ws) = await s.OwnerAsync();
        var (_, foreign) = await s.OwnerAsync();
        var verifier = SignInScenario.NewVerifier();

        using var unknownCode = await s.TokenAsync("not-a-code", ws, verifier);
        await Scenario.AssertErrorAsync(unknownCode, 400, "Invalid or expired authorization code", "invalid_authorization_code");
        using var unconfigured = await s.TokenAsync(await s.CodeAsync(owner.Id, verifier, provider: "google"), ws, verifier);
        await Scenario.AssertErrorAsync(unconfigured, 400, "Invalid authorization code", "invalid_authorization_code");
        using var noChallenge = await s.TokenAsync(await s.CodeAsync(owner.Id, verifier, withChallenge: false), ws, verifier);
        await Scenario.AssertErrorAsync(noChallenge, 400, "Authorization code missing PKCE challenge", "pkce_required");
        using var notMember = await s.TokenAsync(await s.CodeAsync(owner.Id, verifier), foreign, verifier);
        await Scenario.AssertErrorAsync(notMember, 403, "Cannot issue tokens for this workspace", "cannot_issue_tokens");
        using var noWorkspace = await s.TokenAsync(await s.CodeAsync(owner.Id, verifier), Guid.NewGuid(), verifier);
        await Scenario.AssertErrorAsync(noWorkspace, 404, "Workspace not found", "workspace_not_found");
        using var noUser = await s.TokenAsync(await s.CodeAsync(Guid.NewGuid(), verifier), ws, verifier);
        await Scenario.AssertErrorAsync(noUser, 404, "User not found", "user_not_found");
    }

    [Fact]
    public async Task token_request_fields_are_validated_with_the_422_list()
    {
        using var missing = await s.Http.PostAsJsonAsync("/auth/token", new { workspace_id = Guid.NewGuid(), code_verifier = SignInScenario.NewVerifier() });
        await Scenario.AssertValidationAsync(missing, "code", "missing");
        using var shortVerifier = await s.Http.PostAsJsonAsync("/auth/token", new { code = "x", workspace_id = Guid.NewGuid(), code_verifier = "short" });
        await Scenario.AssertValidationAsync(shortVerifier, "code_verifier", "string_too_short");
        using var badUuid = await s.Http.PostAsJsonAsync("/auth/token", new { code = "x", workspace_id = "nope", code_verifier = SignInScenario.NewVerifier() });
        await Scenario.AssertValidationAsync(badUuid, "workspace_id");
    }

    [Fact]
    public async Task workspaces_get_lists_without_consuming_the_code_and_post_also_checks_the_verifier()
    {
        var (owner, ws) = await s.OwnerAsync();
        var verifier = SignInScenario.NewVerifier();
        var code = await s.CodeAsync(owner.Id, verifier);

        using var list = await s.Http.GetAsync($"/auth/workspaces?code={Uri.EscapeDataString(code)}");
        var items = (await Scenario.JsonAsync(list)).EnumerateArray().ToArray();
        var entry = Assert.Single(items);
        Assert.Equal(ws, entry.GetProperty("id").GetGuid());
        Assert.Equal("owner", entry.GetProperty("role").GetString());
        Assert.True(entry.TryGetProperty("name", out _) && entry.TryGetProperty("slug", out _));

        using var wrongVerifier = await s.Http.PostAsJsonAsync("/auth/workspaces", new { code, code_verifier = SignInScenario.NewVerifier() });
        await Scenario.AssertErrorAsync(wrongVerifier, 400, "PKCE verification failed", "pkce_failed");
        using var withVerifier = await s.Http.PostAsJsonAsync("/auth/workspaces", new { code, code_verifier = verifier });
        Assert.Single((await Scenario.JsonAsync(withVerifier)).EnumerateArray());

        // Neither form consumed it.
        using var token = await s.TokenAsync(code, ws, verifier);
        Assert.Equal(HttpStatusCode.OK, token.StatusCode);
        using var after = await s.Http.GetAsync($"/auth/workspaces?code={Uri.EscapeDataString(code)}");
        await Scenario.AssertErrorAsync(after, 400, "Invalid or expired authorization code", "invalid_authorization_code");
        using var missing = await s.Http.GetAsync("/auth/workspaces");
        await Scenario.AssertValidationAsync(missing, "code", "missing");
    }

    [Fact]
    public async Task providers_lists_the_configured_ids_in_an_object()
    {
        using var response = await s.Http.GetAsync("/auth/providers");
        var body = await Scenario.JsonAsync(response);
        Assert.Equal(["dex"], body.GetProperty("providers").EnumerateArray().Select(p => p.GetString()));
    }
}
