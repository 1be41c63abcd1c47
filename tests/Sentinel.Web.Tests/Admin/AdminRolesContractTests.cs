using System.Net;
using Sentinel.Grains.Authorization;
using Sentinel.Web.Tests.Authz;
using Xunit;

namespace Sentinel.Web.Tests.Admin;

/// <summary>RBAC roles of the admin API: every change is visible to the next <c>check-action</c>.</summary>
[Collection(WebCollection.Name)]
public sealed class AdminRolesContractTests(SentinelWebApplication app)
{
    private readonly AdminDirectoryScenario a = new(app);
    private readonly ServiceScenario svc = new(app);

    [Fact]
    public async Task role_lifecycle_with_actions_and_members()
    {
        var (admin, cookie) = await a.AdminAsync();
        var service = await svc.ServiceAsync();
        var ws = await svc.WorkspaceAsync();
        var actions = (await a.Grains.GetGrain<IServiceActionRegistryGrain>(0).RegisterAsync(service.Name, [new ActionDefinition("reports.export", null)])).Value!;
        var export = actions[0];
        var name = Scenario.Unique("role");

        using var created = await a.SendAsync(HttpMethod.Post, $"/admin/workspaces/{ws.Id}/roles", cookie, new { name, description = "exports" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var role = await Scenario.JsonAsync(created);
        AdminDirectoryScenario.AssertShape(role, "id", "workspace_id", "name", "description", "created_by", "created_at", "action_count", "member_count");
        Assert.Equal(admin.Id, role.GetProperty("created_by").GetGuid());
        var rid = role.GetProperty("id").GetGuid();

        using (var dup = await a.SendAsync(HttpMethod.Post, $"/admin/workspaces/{ws.Id}/roles", cookie, new { name }))
            await Scenario.AssertErrorAsync(dup, 409, null, "role_name_taken");
        using (var noWs = await a.SendAsync(HttpMethod.Post, $"/admin/workspaces/{Guid.NewGuid()}/roles", cookie, new { name }))
            await Scenario.AssertErrorAsync(noWs, 404, "Workspace not found", "workspace_not_found");
        using (var noName = await a.SendAsync(HttpMethod.Post, $"/admin/workspaces/{ws.Id}/roles", cookie, new { description = "x" }))
            await Scenario.AssertValidationAsync(noName, "name", "missing");

        using (var add = await a.SendAsync(HttpMethod.Post, $"/admin/roles/{rid}/actions", cookie, new { service_action_ids = new[] { export.Id } }))
        {
            Assert.Equal(HttpStatusCode.Created, add.StatusCode);
            Assert.Equal("ok", (await Scenario.JsonAsync(add)).GetProperty("status").GetString());
        }
        using (var addTwice = await a.SendAsync(HttpMethod.Post, $"/admin/roles/{rid}/actions", cookie, new { service_action_ids = new[] { export.Id } }))
            await Scenario.AssertErrorAsync(addTwice, 409, null, "role_action_exists");
        var unknownAction = Guid.NewGuid();
        using (var addUnknown = await a.SendAsync(HttpMethod.Post, $"/admin/roles/{rid}/actions", cookie, new { service_action_ids = new[] { unknownAction } }))
            await Scenario.AssertErrorAsync(addUnknown, 404, $"Service action {unknownAction} not found", "service_action_not_found");
        using (var addBad = await a.SendAsync(HttpMethod.Post, $"/admin/roles/{rid}/actions", cookie, new { service_action_ids = new[] { "nope" } }))
            await Scenario.AssertValidationAsync(addBad, "0", "uuid_parsing");
        using (var list = await a.SendAsync(HttpMethod.Get, $"/admin/roles/{rid}/actions", cookie))
        {
            var item = Assert.Single((await Scenario.JsonAsync(list)).EnumerateArray());
            AdminDirectoryScenario.AssertShape(item, "id", "service_name", "action", "description", "created_at");
            Assert.Equal(export.Id, item.GetProperty("id").GetGuid());
        }

        var outsider = await a.S.UserAsync();
        using (var assign = await a.SendAsync(HttpMethod.Post, $"/admin/roles/{rid}/members/{ws.Viewer.Id}", cookie))
            Assert.Equal(HttpStatusCode.Created, assign.StatusCode);
        Assert.True((await svc.Authorization(ws.Id).CheckActionAsync(ws.Viewer.Id, service.Name, "reports.export")).Allowed);
        using (var assignTwice = await a.SendAsync(HttpMethod.Post, $"/admin/roles/{rid}/members/{ws.Viewer.Id}", cookie))
            await Scenario.AssertErrorAsync(assignTwice, 409, "Failed to assign role", "user_role_exists");
        using (var assignOutsider = await a.SendAsync(HttpMethod.Post, $"/admin/roles/{rid}/members/{outsider.Id}", cookie))
            await Scenario.AssertErrorAsync(assignOutsider, 400, "Failed to assign role", "user_not_member");
        using (var members = await a.SendAsync(HttpMethod.Get, $"/admin/roles/{rid}/members", cookie))
        {
            var item = Assert.Single((await Scenario.JsonAsync(members)).EnumerateArray());
            AdminDirectoryScenario.AssertShape(item, "user_id", "email", "name", "assigned_at", "assigned_by");
            Assert.Equal(admin.Id, item.GetProperty("assigned_by").GetGuid());
        }
        using (var listRoles = await a.SendAsync(HttpMethod.Get, $"/admin/workspaces/{ws.Id}/roles", cookie))
        {
            var item = Assert.Single((await Scenario.JsonAsync(listRoles)).EnumerateArray());
            Assert.Equal(1, item.GetProperty("action_count").GetInt32());
            Assert.Equal(1, item.GetProperty("member_count").GetInt32());
        }
        using (var patch = await a.SendAsync(HttpMethod.Patch, $"/admin/roles/{rid}", cookie, new { name = name + "x" }))
            Assert.Equal(name + "x", (await Scenario.JsonAsync(patch)).GetProperty("name").GetString());

        using (var removeAction = await a.SendAsync(HttpMethod.Delete, $"/admin/roles/{rid}/actions/{export.Id}", cookie))
            Assert.Equal(HttpStatusCode.NoContent, removeAction.StatusCode);
        Assert.False((await svc.Authorization(ws.Id).CheckActionAsync(ws.Viewer.Id, service.Name, "reports.export")).Allowed);
        using (var removeActionAgain = await a.SendAsync(HttpMethod.Delete, $"/admin/roles/{rid}/actions/{export.Id}", cookie))
            await Scenario.AssertErrorAsync(removeActionAgain, 404, "Role action not found", "role_action_not_found");
        using (var unassign = await a.SendAsync(HttpMethod.Delete, $"/admin/roles/{rid}/members/{ws.Viewer.Id}", cookie))
            Assert.Equal(HttpStatusCode.NoContent, unassign.StatusCode);
        using (var unassignAgain = await a.SendAsync(HttpMethod.Delete, $"/admin/roles/{rid}/members/{ws.Viewer.Id}", cookie))
            await Scenario.AssertErrorAsync(unassignAgain, 404, "User role not found", "user_role_not_found");

        using (var delete = await a.SendAsync(HttpMethod.Delete, $"/admin/roles/{rid}", cookie))
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        foreach (var (method, path) in new[] { ("PATCH", $"/admin/roles/{rid}"), ("DELETE", $"/admin/roles/{rid}"), ("GET", $"/admin/roles/{rid}/actions"), ("GET", $"/admin/roles/{rid}/members"), ("POST", $"/admin/roles/{rid}/members/{ws.Viewer.Id}") })
        {
            using var gone = await a.SendAsync(new HttpMethod(method), path, cookie, method == "PATCH" ? new { name = "z" } : null);
            await Scenario.AssertErrorAsync(gone, 404, "Role not found", "role_not_found");
        }
    }
}
