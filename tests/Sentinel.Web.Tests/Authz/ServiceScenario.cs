using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Sentinel.Grains.Authorization;
using Sentinel.Grains.Directory;
using Sentinel.Grains.ServiceApps;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Web.Tests.Authz;

/// <summary>A service app with its key, as tests use it.</summary>
public sealed record TestService(ServiceAppInfo App, string Key)
{
    public string Name => App.ServiceName;
}

/// <summary>A workspace with a few members in known roles, built through the real grains.</summary>
public sealed record TestWorkspace(Guid Id, UserProfile Owner, UserProfile Admin, UserProfile Editor, UserProfile Viewer, UserProfile Viewer2)
{
    public string Token(UserProfile user, string role, IEnumerable<Guid>? groups = null) => Scenario.Token(user, Id, role, groups);
}

/// <summary>Service apps, keys, workspaces and requests that carry <c>X-Service-Key</c> beside a bearer.</summary>
public sealed class ServiceScenario(SentinelWebApplication app)
{
    public Scenario S { get; } = new(app);

    public IGrainFactory Grains => app.Cluster.GrainFactory;

    public HttpClient Http => S.Http;

    public async Task<TestService> ServiceAsync(IReadOnlyList<string>? origins = null, IReadOnlyList<string>? audiences = null)
    {
        var name = Scenario.Unique("svc");
        var created = await Grains.GetGrain<IServiceAppGrain>(Guid.NewGuid()).CreateAsync("App " + name, name, origins ?? [], audiences ?? [], null);
        Assert.True(created.IsOk, created.Error.ToString());
        return new TestService(created.Value!.App, created.Value.ApiKey);
    }

    public async Task<TestWorkspace> WorkspaceAsync()
    {
        var owner = await S.UserAsync();
        var id = await S.WorkspaceAsync(owner);
        var admin = await S.UserAsync();
        var editor = await S.UserAsync();
        var viewer = await S.UserAsync();
        var viewer2 = await S.UserAsync();
        await S.AddMemberAsync(id, admin, WorkspaceRole.Admin);
        await S.AddMemberAsync(id, editor, WorkspaceRole.Editor);
        await S.AddMemberAsync(id, viewer, WorkspaceRole.Viewer);
        await S.AddMemberAsync(id, viewer2, WorkspaceRole.Viewer);
        return new TestWorkspace(id, owner, admin, editor, viewer, viewer2);
    }

    public IWorkspaceGrain Workspace(Guid id) => Grains.GetGrain<IWorkspaceGrain>(id);

    public IWorkspaceAuthorizationGrain Authorization(Guid id) => Grains.GetGrain<IWorkspaceAuthorizationGrain>(id);

    public async Task<Guid> GroupAsync(TestWorkspace ws, params UserProfile[] members)
    {
        var actor = new Actor(ws.Owner.Id, "owner");
        var group = await Workspace(ws.Id).CreateGroupAsync(actor, Scenario.Unique("group"), null);
        Assert.True(group.IsOk, group.Error.ToString());
        foreach (var member in members)
        {
            var added = await Workspace(ws.Id).AddGroupMemberAsync(actor, group.Value!.Id, member.Id);
            Assert.True(added.IsOk, added.Error.ToString());
        }
        return group.Value!.Id;
    }

    public async Task<AclInfo> RegisterAsync(TestService service, Guid workspaceId, Guid ownerId, AclVisibility visibility, string type = "doc")
    {
        var result = await Authorization(workspaceId).RegisterResourceAsync(new ResourceRef(service.Name, type, Guid.NewGuid()), ownerId, visibility);
        Assert.True(result.IsOk, result.Error.ToString());
        return result.Value!;
    }

    public async Task ShareAsync(AclInfo acl, GranteeType type, Guid grantee, AclPermission permission)
    {
        var result = await Authorization(acl.WorkspaceId).ShareAsync(acl.Id, null, type, grantee, permission);
        Assert.True(result.IsOk, result.Error.ToString());
    }

    /// <summary>A role in the workspace granting <paramref name="actions"/> of the service (registered first).</summary>
    public async Task<RoleInfo> RoleAsync(Guid workspaceId, TestService service, params string[] actions)
    {
        var registered = await Grains.GetGrain<IServiceActionRegistryGrain>(0).RegisterAsync(service.Name, actions.Select(a => new ActionDefinition(a, null)).ToArray());
        Assert.True(registered.IsOk);
        var role = await Authorization(workspaceId).CreateRoleAsync(Scenario.Unique("role"), null, null);
        Assert.True(role.IsOk, role.Error.ToString());
        var added = await Authorization(workspaceId).AddRoleActionsAsync(role.Value!.Id, registered.Value!.Select(a => a.Id).ToArray(), null);
        Assert.True(added.IsOk, added.Error.ToString());
        return role.Value!;
    }

    /// <summary>An authz token as <c>/authz/resolve</c> mints it (no email, name or groups), signed with the test key.</summary>
    public static string AuthzToken(UserProfile user, Guid workspaceId, string role, string service, IEnumerable<string>? actions = null, TimeSpan? lifetime = null) =>
        TestTokens.Sign(new JsonObject
        {
            ["iss"] = TestTokens.Issuer,
            ["sub"] = user.Id.ToString(),
            ["aud"] = "sentinel:authz",
            ["type"] = "authz",
            ["jti"] = Guid.NewGuid().ToString(),
            ["wid"] = workspaceId.ToString(),
            ["wslug"] = "ws",
            ["wrole"] = role,
            ["idp_sub"] = "idp-" + user.Id,
            ["svc"] = service,
            ["actions"] = new JsonArray((actions ?? []).Select(a => (JsonNode?)a).ToArray()),
        }, lifetime ?? TimeSpan.FromMinutes(5));

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? key, string? bearer, object? body = null, string? origin = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (key is not null) request.Headers.Add("X-Service-Key", key);
        if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        if (origin is not null) request.Headers.Add("Origin", origin);
        if (body is not null) request.Content = JsonContent.Create(body);
        return await Http.SendAsync(request);
    }

    public async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string path, string? key, string? bearer, string json)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        if (key is not null) request.Headers.Add("X-Service-Key", key);
        if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return await Http.SendAsync(request);
    }

    /// <summary><c>/permissions/check</c> for one item; asserts 200 and returns <c>allowed</c>.</summary>
    public async Task<bool> AllowedAsync(TestService service, string bearer, AclInfo acl, string action)
    {
        using var response = await SendAsync(HttpMethod.Post, "/permissions/check", service.Key, bearer, new
        {
            checks = new[] { new { service_name = acl.ServiceName, resource_type = acl.ResourceType, resource_id = acl.ResourceId, action } },
        });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return System.Text.Json.JsonDocument.Parse(text).RootElement.GetProperty("results")[0].GetProperty("allowed").GetBoolean();
    }
}
