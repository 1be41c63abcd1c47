using Xunit;

namespace Sentinel.Client.Tests.Clients;

/// <summary>RoleClient and AuthzClient against the contract.</summary>
public sealed class RoleAndAuthzClientTests : IDisposable
{
    private readonly ClientHost host = new();
    private static readonly Guid Workspace = Guid.Parse("33333333-3333-4333-8333-333333333333");

    [Fact]
    public async Task register_actions_posts_the_service_and_its_actions_with_the_key_only()
    {
        host.SetCurrentToken("must-not-be-sent");
        host.Stub.Respond = _ => Task.FromResult(StubSentinel.Json(201, $$"""
            [{"id":"{{Guid.NewGuid()}}","service_name":"docs-svc","action":"docs.edit","description":"Edit","created_at":"2026-12-07T10:00:00Z"},
             {"id":"{{Guid.NewGuid()}}","service_name":"docs-svc","action":"docs:read","description":null,"created_at":"2026-12-07T10:00:00Z"}]
            """));

        var rows = await host.Get<RoleClient>().RegisterActionsAsync([new("docs.edit", "Edit"), new("docs:read")]);

        var r = Assert.Single(host.Stub.Requests);
        Assert.Equal(HttpMethod.Post, r.Method);
        Assert.Equal("/roles/actions/register", r.PathAndQuery);
        Assert.Equal(StubSentinel.Key, r.Header("X-Service-Key"));
        Assert.Null(r.Header("Authorization"));
        Assert.Equal("""{"service_name":"docs-svc","actions":[{"action":"docs.edit","description":"Edit"},{"action":"docs:read"}]}""", r.Body);
        Assert.Equal(["docs.edit", "docs:read"], rows.Select(a => a.Action));
    }

    [Fact]
    public async Task check_action_posts_with_key_and_strict_bearer_and_reads_allowed_and_roles()
    {
        host.Stub.Respond = _ => Task.FromResult(StubSentinel.Json(200, """{"allowed":true,"roles":["Editors"]}"""));

        var result = await host.Get<RoleClient>().CheckActionAsync("docs.edit", Workspace, "user-token");

        var r = Assert.Single(host.Stub.Requests);
        Assert.Equal(HttpMethod.Post, r.Method);
        Assert.Equal("/roles/check-action", r.PathAndQuery);
        Assert.Equal(StubSentinel.Key, r.Header("X-Service-Key"));
        Assert.Equal("Bearer user-token", r.Header("Authorization"));
        Assert.Equal($$"""{"service_name":"docs-svc","action":"docs.edit","workspace_id":"{{Workspace}}"}""", r.Body);
        Assert.True(result.Allowed);
        Assert.Equal(["Editors"], result.Roles);
    }

    [Fact]
    public async Task user_actions_gets_with_the_query_and_reads_the_actions()
    {
        host.SetCurrentToken("request-token");
        host.Stub.Respond = _ => Task.FromResult(StubSentinel.Json(200, """{"actions":["docs.edit","docs:read"]}"""));

        var actions = await host.Get<RoleClient>().GetUserActionsAsync(Workspace);

        var r = Assert.Single(host.Stub.Requests);
        Assert.Equal(HttpMethod.Get, r.Method);
        Assert.Equal($"/roles/user-actions?workspace_id={Workspace}&service_name=docs-svc", r.PathAndQuery);
        Assert.Equal("Bearer request-token", r.Header("Authorization"));
        Assert.Equal(StubSentinel.Key, r.Header("X-Service-Key"));
        Assert.Null(r.Body);
        Assert.Equal(["docs.edit", "docs:read"], actions);
    }

    [Fact]
    public async Task resolve_posts_the_idp_token_with_the_key_and_reads_the_authz_token()
    {
        host.SetCurrentToken("must-not-be-sent");
        var user = Guid.NewGuid();
        host.Stub.Respond = _ => Task.FromResult(StubSentinel.Json(200, $$"""
            {"user":{"id":"{{user}}","email":"a@example.com","name":"A"},"workspace":{"id":"{{Workspace}}","slug":"ws","role":"editor"},
             "authz_token":"authz.jwt","expires_in":300,"workspaces":null}
            """));

        var resolved = await host.Get<AuthzClient>().ResolveAsync("idp.jwt", "google", Workspace);

        var r = Assert.Single(host.Stub.Requests);
        Assert.Equal(HttpMethod.Post, r.Method);
        Assert.Equal("/authz/resolve", r.PathAndQuery);
        Assert.Equal(StubSentinel.Key, r.Header("X-Service-Key"));
        Assert.Null(r.Header("Authorization"));
        Assert.Equal($$"""{"idp_token":"idp.jwt","provider":"google","workspace_id":"{{Workspace}}"}""", r.Body);
        Assert.Equal("authz.jwt", resolved.AuthzToken);
        Assert.Equal(Role.Editor, resolved.Workspace!.Role);
        Assert.Equal(300, resolved.ExpiresIn);
        Assert.Null(resolved.Workspaces);
    }

    [Fact]
    public async Task resolve_without_a_workspace_lists_the_workspaces_and_sends_no_workspace_id()
    {
        var ws = Guid.NewGuid();
        host.Stub.Respond = _ => Task.FromResult(StubSentinel.Json(200, $$"""
            {"user":{"id":"{{Guid.NewGuid()}}","email":"a@example.com","name":"A"},"workspace":null,"authz_token":null,"expires_in":null,
             "workspaces":[{"id":"{{ws}}","name":"W","slug":"w","role":"owner"}]}
            """));

        var resolved = await host.Get<AuthzClient>().ResolveAsync("idp.jwt", "github");

        Assert.Equal("""{"idp_token":"idp.jwt","provider":"github"}""", Assert.Single(host.Stub.Requests).Body);
        Assert.Null(resolved.AuthzToken);
        Assert.Equal(Role.Owner, Assert.Single(resolved.Workspaces!).Role);
    }

    public void Dispose() => host.Dispose();
}
