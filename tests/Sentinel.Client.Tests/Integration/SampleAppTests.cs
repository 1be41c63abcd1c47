using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Sentinel.Grains.ServiceApps;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Client.Tests.Integration;

/// <summary>
/// The sample app against a real Sentinel (silo and web processes, PostgreSQL, Redis), with access tokens issued to
/// users who signed in through the local OpenID Connect provider.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SampleAppTests(ClientCluster c, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<ClientCluster>
{
    /// <summary>Writes a request and its answer to the test output (the transcript the README's sample section shows).</summary>
    private async Task LogAsync(string who, HttpMethod method, string path, HttpResponseMessage response) =>
        output.WriteLine($"{method} {path} as {who} -> {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string path, string? bearer, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        if (body is not null) request.Content = JsonContent.Create(body);
        return await http.SendAsync(request);
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    [Fact]
    public async Task a_sentinel_access_token_signs_the_user_in_and_anything_else_is_refused()
    {
        await using var sample = c.Sample();
        using var http = sample.CreateClient();

        using var me = await SendAsync(http, HttpMethod.Get, "/me", c.Erin.AccessToken);
        var body = await JsonAsync(me);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal(c.Erin.Id, body.GetProperty("id").GetGuid());
        Assert.Equal(c.WorkspaceId, body.GetProperty("workspace_id").GetGuid());
        Assert.Equal("Editor", body.GetProperty("role").GetString());

        var forged = TestTokens.Access(c.Erin.Id, c.WorkspaceId, "owner", c.BaseUrl, key: System.Security.Cryptography.RSA.Create(2048));
        using (var refused = await SendAsync(http, HttpMethod.Get, "/me", forged)) Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        using (var none = await SendAsync(http, HttpMethod.Get, "/me", null)) Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
    }

    [Fact]
    public async Task an_editor_is_allowed_and_a_viewer_refused_by_RequireSentinelAction()
    {
        await using var sample = c.Sample();
        using var http = sample.CreateClient();

        // Start-up registration reached Sentinel (the action named on the endpoint and the configured one are the same here).
        var registered = await sample.Services.GetRequiredService<SentinelActionRegistration>().Registered.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains(registered, a => a.Action == "docs.edit" && a.ServiceName == c.ServiceName);

        using var editor = await SendAsync(http, HttpMethod.Post, "/docs", c.Erin.AccessToken, new { title = "Plan", body = "..." });
        await LogAsync("editor", HttpMethod.Post, "/docs", editor);
        Assert.True(editor.StatusCode == HttpStatusCode.Created, await editor.Content.ReadAsStringAsync());

        using var viewer = await SendAsync(http, HttpMethod.Post, "/docs", c.Victor.AccessToken, new { title = "Nope", body = "..." });
        await LogAsync("viewer", HttpMethod.Post, "/docs", viewer);
        Assert.Equal(HttpStatusCode.Forbidden, viewer.StatusCode);
        Assert.Equal("action_not_allowed", (await JsonAsync(viewer)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task a_private_document_is_refused_to_a_viewer_until_its_owner_shares_it()
    {
        await using var sample = c.Sample();
        using var http = sample.CreateClient();
        using var created = await SendAsync(http, HttpMethod.Post, "/docs", c.Erin.AccessToken, new { title = "Secret", body = "42" });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var id = (await JsonAsync(created)).GetProperty("id").GetGuid();

        using (var owner = await SendAsync(http, HttpMethod.Get, $"/docs/{id}", c.Erin.AccessToken)) Assert.Equal(HttpStatusCode.OK, owner.StatusCode);
        using (var before = await SendAsync(http, HttpMethod.Get, $"/docs/{id}", c.Victor.AccessToken))
        {
            await LogAsync("viewer", HttpMethod.Get, $"/docs/{id}", before);
            Assert.Equal(HttpStatusCode.Forbidden, before.StatusCode);
        }

        // A viewer may not share what is not theirs: Sentinel's refusal comes back with its status.
        using (var notOwner = await SendAsync(http, HttpMethod.Post, $"/docs/{id}/share", c.Victor.AccessToken, new { user_id = c.Victor.Id, permission = "view" }))
            Assert.Equal(HttpStatusCode.Forbidden, notOwner.StatusCode);

        using (var share = await SendAsync(http, HttpMethod.Post, $"/docs/{id}/share", c.Erin.AccessToken, new { user_id = c.Victor.Id, permission = "view" }))
        {
            await LogAsync("owner", HttpMethod.Post, $"/docs/{id}/share", share);
            Assert.True(share.StatusCode == HttpStatusCode.NoContent, await share.Content.ReadAsStringAsync());
        }

        using var after = await SendAsync(http, HttpMethod.Get, $"/docs/{id}", c.Victor.AccessToken);
        await LogAsync("viewer", HttpMethod.Get, $"/docs/{id}", after);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal("Secret", (await JsonAsync(after)).GetProperty("title").GetString());

        // The clients read the real ACL back in the contract's shapes.
        var permissions = sample.Services.GetRequiredService<PermissionClient>();
        var acl = await permissions.EnrichedAsync("document", id);
        Assert.Equal(c.Erin.Id, acl.OwnerId);
        Assert.Equal(ResourceVisibility.Private, acl.Visibility);
        var share1 = Assert.Single(acl.Shares);
        Assert.Equal((GranteeType.User, c.Victor.Id, PermissionAction.View), (share1.GranteeType, share1.GranteeId, share1.Permission));
        var accessible = await permissions.AccessibleAsync("document", PermissionAction.View, c.WorkspaceId, bearer: c.Victor.AccessToken);
        Assert.Contains(id, accessible.ResourceIds);
        Assert.Equal(["docs.edit"], await sample.Services.GetRequiredService<RoleClient>().GetUserActionsAsync(c.WorkspaceId, c.Erin.AccessToken));
    }

    [Fact]
    public async Task a_signing_key_rotation_on_sentinel_is_picked_up_by_the_running_app()
    {
        await using var sample = c.Sample();
        using var http = sample.CreateClient();
        using (var before = await SendAsync(http, HttpMethod.Get, "/me", c.Erin.AccessToken)) Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        // Promote a new key (runbook step 3): it signs, the old one stays as previous. The app is not restarted.
        var next = TestKeys.NewKeyPair();
        var previous = Path.Combine(Directory.CreateTempSubdirectory("sentinel-prev-").FullName, "public.pem");
        await File.WriteAllTextAsync(previous, TestKeys.Rsa.ExportSubjectPublicKeyInfoPem());
        await c.RestartWebAsync(new Dictionary<string, string> { ["JWT_PRIVATE_KEY_PATH"] = next.PrivatePath, ["JWT_PREVIOUS_PUBLIC_KEY_PATHS"] = previous });
        var rotated = await c.SignInAgainAsync(c.Erin.Id);
        Assert.Equal(next.Kid, new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(rotated).Kid);

        // The unknown kid makes the app fetch the JWKS again (in the background: the first request may still be refused).
        await ClusterHarness.WaitUntilAsync(async () =>
        {
            using var response = await SendAsync(http, HttpMethod.Get, "/me", rotated);
            return response.StatusCode == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(20), "the app to accept a token signed with the new key", c.Harness.AllOutput);
        using var old = await SendAsync(http, HttpMethod.Get, "/me", c.Erin.AccessToken);
        Assert.Equal(HttpStatusCode.OK, old.StatusCode);
    }

    [Fact]
    public async Task a_revoked_service_key_makes_the_clients_fail_cleanly()
    {
        var (appId, name, key) = await c.ServiceAppAsync("revoked");
        await using var sample = c.Sample(name, key);
        using var http = sample.CreateClient();
        var roles = sample.Services.GetRequiredService<RoleClient>();
        Assert.False((await roles.CheckActionAsync("docs.edit", c.WorkspaceId, c.Erin.AccessToken)).Allowed);

        // The operator rotates the key: the old one dies at once.
        Assert.True((await c.Orleans.Client.GetGrain<IServiceAppGrain>(appId).RotateKeyAsync(null)).IsOk);

        var ex = await Assert.ThrowsAsync<SentinelException>(() => roles.CheckActionAsync("docs.edit", c.WorkspaceId, c.Erin.AccessToken));
        Assert.Equal(401, ex.StatusCode);
        Assert.False(ex.IsTransportFailure);
        Assert.NotNull(ex.Code);

        using var route = await SendAsync(http, HttpMethod.Post, "/docs", c.Erin.AccessToken, new { title = "x", body = "y" });
        Assert.Equal(HttpStatusCode.Unauthorized, route.StatusCode);
        Assert.Equal(ex.Code, (await JsonAsync(route)).GetProperty("code").GetString());
    }
}
