using System.Net;
using Sentinel.Grains.Sessions;
using Sentinel.Web.Tests.Authz;
using Xunit;

namespace Sentinel.Web.Tests.Roles;

/// <summary>Every route of the contract's roles table, with authz tokens accepted beside a key of the same service.</summary>
[Collection(WebCollection.Name)]
public sealed class RolesContractTests(SentinelWebApplication app)
{
    private readonly ServiceScenario s = new(app);

    [Fact]
    public async Task register_actions_upserts_existing_first_then_new()
    {
        var service = await s.ServiceAsync();
        using (var first = await s.SendAsync(HttpMethod.Post, "/roles/actions/register", service.Key, null, new
        {
            service_name = service.Name,
            actions = new object[] { new { action = "docs:read", description = "Read" }, new { action = "docs:write" } },
        }))
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
            var rows = (await Scenario.JsonAsync(first)).EnumerateArray().ToArray();
            Assert.Equal(["docs:read", "docs:write"], rows.Select(r => r.GetProperty("action").GetString()));
            Assert.Equal("Read", rows[0].GetProperty("description").GetString());
            Assert.All(rows, r => Assert.Equal(service.Name, r.GetProperty("service_name").GetString()));
            Assert.All(rows, r => Assert.True(r.TryGetProperty("id", out _) && r.TryGetProperty("created_at", out _)));
        }

        // Existing ones first (description replaced only when given), then the new one.
        using var second = await s.SendAsync(HttpMethod.Post, "/roles/actions/register", service.Key, null, new
        {
            service_name = service.Name,
            actions = new object[] { new { action = "docs.admin" }, new { action = "docs:write", description = "<b>Write</b>" }, new { action = "docs:read" } },
        });
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        var again = (await Scenario.JsonAsync(second)).EnumerateArray().ToArray();
        Assert.Equal(["docs:write", "docs:read", "docs.admin"], again.Select(r => r.GetProperty("action").GetString()));
        Assert.Equal("Write", again[0].GetProperty("description").GetString());
        Assert.Equal("Read", again[1].GetProperty("description").GetString());

        using (var duplicate = await s.SendAsync(HttpMethod.Post, "/roles/actions/register", service.Key, null, new
        {
            service_name = service.Name, actions = new object[] { new { action = "x" }, new { action = "x" } },
        }))
            await Scenario.AssertErrorAsync(duplicate, 409, "Duplicate action in request: 'x'", "duplicate_action");
        using (var badPattern = await s.SendAsync(HttpMethod.Post, "/roles/actions/register", service.Key, null, new { service_name = service.Name, actions = new[] { new { action = "Docs Read" } } }))
            await Scenario.AssertValidationAsync(badPattern, "action", "string_pattern_mismatch");
        using (var missing = await s.SendAsync(HttpMethod.Post, "/roles/actions/register", service.Key, null, new { service_name = service.Name }))
            await Scenario.AssertValidationAsync(missing, "actions", "missing");
        using (var noKey = await s.SendAsync(HttpMethod.Post, "/roles/actions/register", null, null, new { service_name = service.Name, actions = Array.Empty<object>() }))
            await Scenario.AssertErrorAsync(noKey, 401, "Missing service API key or unregistered origin", "missing_service_key");
        using (var foreign = await s.SendAsync(HttpMethod.Post, "/roles/actions/register", service.Key, null, new { service_name = "billing", actions = Array.Empty<object>() }))
            await Scenario.AssertErrorAsync(foreign, 403, "Service key is not authorized for service 'billing'", "service_not_authorized");
    }

    [Fact]
    public async Task check_action_answers_allowed_and_role_names_for_access_and_authz_tokens()
    {
        var service = await s.ServiceAsync();
        var ws = await s.WorkspaceAsync();
        var role = await s.RoleAsync(ws.Id, service, "docs:write");
        Assert.True((await s.Authorization(ws.Id).AssignUserRoleAsync(role.Id, ws.Viewer.Id, null)).IsOk);
        object Body(string action, Guid? workspace = null) => new { service_name = service.Name, action, workspace_id = workspace ?? ws.Id };

        using (var allowed = await s.SendAsync(HttpMethod.Post, "/roles/check-action", service.Key, ws.Token(ws.Viewer, "viewer"), Body("docs:write")))
        {
            var json = await Scenario.JsonAsync(allowed);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            Assert.True(json.GetProperty("allowed").GetBoolean());
            Assert.Equal([role.Name], json.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        }
        // Workspace roles confer no RBAC actions: the owner has none here.
        using (var owner = await s.SendAsync(HttpMethod.Post, "/roles/check-action", service.Key, ws.Token(ws.Owner, "owner"), Body("docs:write")))
        {
            var json = await Scenario.JsonAsync(owner);
            Assert.False(json.GetProperty("allowed").GetBoolean());
            Assert.Empty(json.GetProperty("roles").EnumerateArray());
        }

        // An authz token of the same service is accepted with its key; of another service, it is not.
        var authz = ServiceScenario.AuthzToken(ws.Viewer, ws.Id, "viewer", service.Name);
        using (var viaAuthz = await s.SendAsync(HttpMethod.Post, "/roles/check-action", service.Key, authz, Body("docs:write")))
            Assert.True((await Scenario.JsonAsync(viaAuthz)).GetProperty("allowed").GetBoolean());
        var other = await s.ServiceAsync();
        var foreignAuthz = ServiceScenario.AuthzToken(ws.Viewer, ws.Id, "viewer", other.Name);
        using (var replay = await s.SendAsync(HttpMethod.Post, "/roles/check-action", service.Key, foreignAuthz, Body("docs:write")))
            await Scenario.AssertErrorAsync(replay, 401, "Invalid or expired token", "invalid_token");
        using (var refresh = await s.SendAsync(HttpMethod.Post, "/roles/check-action", service.Key,
            Testing.TestTokens.Access(ws.Viewer.Id, ws.Id, "viewer", type: "refresh", audience: "sentinel:access"), Body("docs:write")))
            await Scenario.AssertErrorAsync(refresh, 401, "Invalid token type", "invalid_token_type");

        // Authz tokens are checked against deactivation too (the original did not).
        var deactivated = await s.S.UserAsync();
        await s.S.AddMemberAsync(ws.Id, deactivated, Grains.Directory.WorkspaceRole.Viewer);
        await s.Grains.GetGrain<IUserSessionGrain>(deactivated.Id).SetDeactivatedAsync(true);
        using (var blocked = await s.SendAsync(HttpMethod.Post, "/roles/check-action", service.Key, ServiceScenario.AuthzToken(deactivated, ws.Id, "viewer", service.Name), Body("docs:write")))
            await Scenario.AssertErrorAsync(blocked, 401, "User account is deactivated", "user_deactivated");

        using (var cross = await s.SendAsync(HttpMethod.Post, "/roles/check-action", service.Key, ws.Token(ws.Viewer, "viewer"), Body("docs:write", Guid.NewGuid())))
            await Scenario.AssertErrorAsync(cross, 403, "Cross-workspace check not allowed", "cross_workspace");
        using (var foreign = await s.SendAsync(HttpMethod.Post, "/roles/check-action", service.Key, ws.Token(ws.Viewer, "viewer"), new { service_name = other.Name, action = "docs:write", workspace_id = ws.Id }))
            await Scenario.AssertErrorAsync(foreign, 403, $"Service key is not authorized for service '{other.Name}'", "service_not_authorized");
        using (var noBearer = await s.SendAsync(HttpMethod.Post, "/roles/check-action", service.Key, null, Body("docs:write")))
            await Scenario.AssertErrorAsync(noBearer, 401, "Missing Bearer token", "missing_token");
        using (var noKey = await s.SendAsync(HttpMethod.Post, "/roles/check-action", null, ws.Token(ws.Viewer, "viewer"), Body("docs:write")))
            await Scenario.AssertErrorAsync(noKey, 401, "Missing service API key or unregistered origin", "missing_service_key");
        using (var invalid = await s.SendAsync(HttpMethod.Post, "/roles/check-action", service.Key, ws.Token(ws.Viewer, "viewer"), new { service_name = service.Name, action = "Write!", workspace_id = "nope" }))
        {
            await Scenario.AssertValidationAsync(invalid, "action", "string_pattern_mismatch");
        }
    }

    [Fact]
    public async Task user_actions_lists_distinct_actions_of_direct_and_group_roles()
    {
        var service = await s.ServiceAsync();
        var ws = await s.WorkspaceAsync();
        var reader = await s.RoleAsync(ws.Id, service, "docs:read");
        var writer = await s.RoleAsync(ws.Id, service, "docs:read", "docs:write");
        var group = await s.GroupAsync(ws, ws.Viewer);
        var grain = s.Authorization(ws.Id);
        Assert.True((await grain.AssignUserRoleAsync(reader.Id, ws.Viewer.Id, null)).IsOk);
        Assert.True((await grain.AssignGroupRoleAsync(writer.Id, group, null)).IsOk);
        var path = $"/roles/user-actions?workspace_id={ws.Id}&service_name={service.Name}";

        using (var ok = await s.SendAsync(HttpMethod.Get, path, service.Key, ws.Token(ws.Viewer, "viewer")))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            var actions = (await Scenario.JsonAsync(ok)).GetProperty("actions").EnumerateArray().Select(a => a.GetString()!).Order().ToArray();
            Assert.Equal(["docs:read", "docs:write"], actions);
        }
        using (var viaAuthz = await s.SendAsync(HttpMethod.Get, path, service.Key, ServiceScenario.AuthzToken(ws.Viewer, ws.Id, "viewer", service.Name)))
            Assert.Equal(2, (await Scenario.JsonAsync(viaAuthz)).GetProperty("actions").GetArrayLength());
        using (var none = await s.SendAsync(HttpMethod.Get, path, service.Key, ws.Token(ws.Editor, "editor")))
            Assert.Empty((await Scenario.JsonAsync(none)).GetProperty("actions").EnumerateArray());

        using (var cross = await s.SendAsync(HttpMethod.Get, $"/roles/user-actions?workspace_id={Guid.NewGuid()}&service_name={service.Name}", service.Key, ws.Token(ws.Viewer, "viewer")))
            await Scenario.AssertErrorAsync(cross, 403, "Cross-workspace lookup not allowed", "cross_workspace");
        using (var foreign = await s.SendAsync(HttpMethod.Get, $"/roles/user-actions?workspace_id={ws.Id}&service_name=billing", service.Key, ws.Token(ws.Viewer, "viewer")))
            await Scenario.AssertErrorAsync(foreign, 403, "Service key is not authorized for service 'billing'", "service_not_authorized");
        using (var missing = await s.SendAsync(HttpMethod.Get, $"/roles/user-actions?workspace_id={ws.Id}", service.Key, ws.Token(ws.Viewer, "viewer")))
            await Scenario.AssertValidationAsync(missing, "service_name", "missing");
        using (var badId = await s.SendAsync(HttpMethod.Get, $"/roles/user-actions?workspace_id=x&service_name={service.Name}", service.Key, ws.Token(ws.Viewer, "viewer")))
            await Scenario.AssertValidationAsync(badId, "workspace_id", "uuid_parsing");
        using (var noBearer = await s.SendAsync(HttpMethod.Get, path, service.Key, null))
            await Scenario.AssertErrorAsync(noBearer, 401, "Missing Bearer token", "missing_token");
    }
}
