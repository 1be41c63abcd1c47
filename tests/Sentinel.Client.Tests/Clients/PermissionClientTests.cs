using System.Text.Json.Nodes;
using Xunit;

namespace Sentinel.Client.Tests.Clients;

/// <summary>Each PermissionClient call against the contract: method, path, headers and body.</summary>
public sealed class PermissionClientTests : IDisposable
{
    private readonly ClientHost host = new();
    private PermissionClient Client => host.Get<PermissionClient>();

    private static readonly Guid Resource = Guid.Parse("11111111-1111-4111-8111-111111111111");
    private static readonly Guid Acl = Guid.Parse("22222222-2222-4222-8222-222222222222");
    private static readonly Guid Workspace = Guid.Parse("33333333-3333-4333-8333-333333333333");
    private static readonly Guid Owner = Guid.Parse("44444444-4444-4444-8444-444444444444");

    private static string AclJson(string visibility = "private") => new JsonObject
    {
        ["id"] = Acl.ToString(), ["service_name"] = StubSentinel.Service, ["resource_type"] = "doc", ["resource_id"] = Resource.ToString(),
        ["workspace_id"] = Workspace.ToString(), ["owner_id"] = Owner.ToString(), ["visibility"] = visibility,
        ["created_at"] = "2026-12-07T10:00:00.123456Z",
        ["shares"] = new JsonArray(new JsonObject
        {
            ["id"] = Guid.NewGuid().ToString(), ["grantee_type"] = "group", ["grantee_id"] = Guid.NewGuid().ToString(), ["permission"] = "edit",
            ["granted_by"] = null, ["granted_at"] = "2026-12-07T10:00:01Z",
        }),
    }.ToJsonString();

    private static void AssertKeyOnly(RecordedRequest r)
    {
        Assert.Equal(StubSentinel.Key, r.Header("X-Service-Key"));
        Assert.Null(r.Header("Authorization"));
    }

    [Fact]
    public async Task check_posts_the_items_with_key_and_bearer_and_reads_the_results_in_order()
    {
        host.Stub.Respond = _ => Task.FromResult(StubSentinel.Json(200, $$"""
            {"results":[{"service_name":"docs-svc","resource_type":"doc","resource_id":"{{Resource}}","action":"edit","allowed":true},
                        {"service_name":"other","resource_type":"doc","resource_id":"{{Resource}}","action":"view","allowed":false}]}
            """));

        var results = await Client.CheckAsync([new PermissionCheck("doc", Resource, PermissionAction.Edit), new PermissionCheck("doc", Resource, PermissionAction.View, "other")], bearer: "caller-token");

        var r = Assert.Single(host.Stub.Requests);
        Assert.Equal(HttpMethod.Post, r.Method);
        Assert.Equal(StubSentinel.BaseUrl + "/permissions/check", r.Uri.ToString());
        Assert.Equal(StubSentinel.Key, r.Header("X-Service-Key"));
        Assert.Equal("Bearer caller-token", r.Header("Authorization"));
        Assert.StartsWith("application/json", r.Header("Content-Type"), StringComparison.Ordinal);
        Assert.Equal($$"""{"checks":[{"service_name":"docs-svc","resource_type":"doc","resource_id":"{{Resource}}","action":"edit"},{"service_name":"other","resource_type":"doc","resource_id":"{{Resource}}","action":"view"}]}""", r.Body);
        Assert.Equal([true, false], results.Select(x => x.Allowed));
        Assert.Equal(PermissionAction.Edit, results[0].Action);
    }

    [Fact]
    public async Task without_an_explicit_bearer_the_current_requests_sentinel_token_is_forwarded()
    {
        host.SetCurrentToken("the-request-token");
        host.Stub.Respond = _ => Task.FromResult(StubSentinel.Json(200, $$"""{"results":[{"service_name":"docs-svc","resource_type":"doc","resource_id":"{{Resource}}","action":"view","allowed":true}]}"""));

        Assert.True(await Client.CanAsync("doc", Resource, PermissionAction.View));

        Assert.Equal("Bearer the-request-token", Assert.Single(host.Stub.Requests).Header("Authorization"));
    }

    [Fact]
    public async Task register_posts_the_acl_with_the_key_only_and_reads_it_back()
    {
        host.SetCurrentToken("must-not-be-sent");
        host.Stub.Respond = _ => Task.FromResult(StubSentinel.Json(201, AclJson()));

        var acl = await Client.RegisterAsync("doc", Resource, Workspace, Owner, ResourceVisibility.Private);

        var r = Assert.Single(host.Stub.Requests);
        Assert.Equal(HttpMethod.Post, r.Method);
        Assert.Equal("/permissions/register", r.PathAndQuery);
        AssertKeyOnly(r);
        Assert.Equal($$"""{"service_name":"docs-svc","resource_type":"doc","resource_id":"{{Resource}}","workspace_id":"{{Workspace}}","owner_id":"{{Owner}}","visibility":"private"}""", r.Body);
        Assert.Equal(Acl, acl.Id);
        Assert.Equal(ResourceVisibility.Private, acl.Visibility);
        Assert.Equal(GranteeType.Group, Assert.Single(acl.Shares).GranteeType);
        Assert.Null(acl.Shares[0].GrantedBy);
    }

    [Fact]
    public async Task accessible_sends_no_limit_key_when_none_is_given_and_the_limit_when_it_is()
    {
        host.Stub.Respond = _ => Task.FromResult(StubSentinel.Json(200, $$"""{"resource_ids":["{{Resource}}"],"has_full_access":false}"""));

        var all = await Client.AccessibleAsync("doc", PermissionAction.Edit, Workspace, bearer: "t");
        await Client.AccessibleAsync("doc", PermissionAction.View, Workspace, limit: 10, bearer: "t");

        var (first, second) = (host.Stub.Requests[0], host.Stub.Requests[1]);
        Assert.Equal(HttpMethod.Post, first.Method);
        Assert.Equal("/permissions/accessible", first.PathAndQuery);
        Assert.Equal("Bearer t", first.Header("Authorization"));
        Assert.Equal($$"""{"service_name":"docs-svc","resource_type":"doc","action":"edit","workspace_id":"{{Workspace}}"}""", first.Body);
        Assert.Equal(10, second.Json!["limit"]!.GetValue<int>());
        Assert.Equal([Resource], all.ResourceIds);
        Assert.False(all.HasFullAccess);
    }

    [Fact]
    public async Task share_looks_the_acl_up_with_the_key_then_posts_the_share_with_the_callers_bearer()
    {
        host.Stub.Respond = r => Task.FromResult(r.Method == HttpMethod.Get ? StubSentinel.Json(200, AclJson()) : StubSentinel.Json(201, """{"status":"ok"}"""));
        var grantee = Guid.NewGuid();

        await Client.ShareAsync("doc", Resource, GranteeType.User, grantee, PermissionAction.Edit, bearer: "owner-token");

        Assert.Collection(host.Stub.Requests,
            get =>
            {
                Assert.Equal(HttpMethod.Get, get.Method);
                Assert.Equal($"/permissions/resource/docs-svc/doc/{Resource}", get.PathAndQuery);
                AssertKeyOnly(get);
            },
            post =>
            {
                Assert.Equal(HttpMethod.Post, post.Method);
                Assert.Equal($"/permissions/{Acl}/share", post.PathAndQuery);
                Assert.Equal(StubSentinel.Key, post.Header("X-Service-Key"));
                Assert.Equal("Bearer owner-token", post.Header("Authorization"));
                Assert.Equal($$"""{"grantee_type":"user","grantee_id":"{{grantee}}","permission":"edit"}""", post.Body);
            });
    }

    [Fact]
    public async Task unshare_sends_delete_with_a_json_body_and_the_key_only()
    {
        host.SetCurrentToken("must-not-be-sent");
        host.Stub.Respond = r => Task.FromResult(r.Method == HttpMethod.Get ? StubSentinel.Json(200, AclJson()) : StubSentinel.Json(200, """{"status":"ok"}"""));
        var grantee = Guid.NewGuid();

        await Client.UnshareAsync("doc", Resource, GranteeType.Group, grantee, PermissionAction.View);

        var delete = host.Stub.Requests[1];
        Assert.Equal(HttpMethod.Delete, delete.Method);
        Assert.Equal($"/permissions/{Acl}/share", delete.PathAndQuery);
        AssertKeyOnly(delete);
        Assert.Equal($$"""{"grantee_type":"group","grantee_id":"{{grantee}}","permission":"view"}""", delete.Body);
    }

    [Fact]
    public async Task visibility_patches_the_acl_found_by_resource()
    {
        host.Stub.Respond = r => Task.FromResult(StubSentinel.Json(200, AclJson(r.Method == HttpMethod.Get ? "private" : "workspace")));

        var acl = await Client.SetVisibilityAsync("doc", Resource, ResourceVisibility.Workspace);

        var patch = host.Stub.Requests[1];
        Assert.Equal(HttpMethod.Patch, patch.Method);
        Assert.Equal($"/permissions/{Acl}/visibility", patch.PathAndQuery);
        AssertKeyOnly(patch);
        Assert.Equal("""{"visibility":"workspace"}""", patch.Body);
        Assert.Equal(ResourceVisibility.Workspace, acl.Visibility);
    }

    [Fact]
    public async Task enriched_gets_the_acl_with_names()
    {
        host.Stub.Respond = _ => Task.FromResult(StubSentinel.Json(200, $$"""
            {"id":"{{Acl}}","service_name":"docs-svc","resource_type":"doc","resource_id":"{{Resource}}","workspace_id":"{{Workspace}}",
             "owner_id":"{{Owner}}","visibility":"workspace","created_at":"2026-12-07T10:00:00Z","owner_name":"Olive","owner_email":"olive@example.com",
             "shares":[{"id":"{{Guid.NewGuid()}}","grantee_type":"user","grantee_id":"{{Guid.NewGuid()}}","permission":"view","granted_by":"{{Owner}}",
                        "granted_at":"2026-12-07T10:00:00Z","grantee_name":"Gus","grantee_email":"gus@example.com","granted_by_name":"Olive"}]}
            """));

        var acl = await Client.EnrichedAsync("doc", Resource);

        var r = Assert.Single(host.Stub.Requests);
        Assert.Equal(HttpMethod.Get, r.Method);
        Assert.Equal($"/permissions/resource/docs-svc/doc/{Resource}/enriched", r.PathAndQuery);
        AssertKeyOnly(r);
        Assert.Equal("Olive", acl.OwnerName);
        Assert.Equal("Gus", Assert.Single(acl.Shares).GranteeName);
    }

    [Fact]
    public async Task delete_removes_the_resource_with_the_key_only()
    {
        host.Stub.Respond = _ => Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.NoContent));

        await Client.DeleteAsync("doc", Resource);

        var r = Assert.Single(host.Stub.Requests);
        Assert.Equal(HttpMethod.Delete, r.Method);
        Assert.Equal($"/permissions/resource/docs-svc/doc/{Resource}", r.PathAndQuery);
        AssertKeyOnly(r);
        Assert.Null(r.Body);
    }

    public void Dispose() => host.Dispose();
}
