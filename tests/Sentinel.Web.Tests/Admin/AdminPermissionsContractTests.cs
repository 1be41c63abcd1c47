using System.Net;
using Sentinel.Grains.Admin;
using Sentinel.Grains.Authorization;
using Sentinel.Web.Tests.Authz;
using Xunit;

namespace Sentinel.Web.Tests.Admin;

/// <summary>ACLs and service actions of the admin API: writes reach the workspace grain that decides checks.</summary>
[Collection(WebCollection.Name)]
public sealed class AdminPermissionsContractTests(SentinelWebApplication app)
{
    private readonly AdminDirectoryScenario a = new(app);
    private readonly ServiceScenario svc = new(app);

    private static readonly string[] ListFields =
        ["id", "service_name", "resource_type", "resource_id", "workspace_id", "owner_id", "visibility", "created_at", "owner_email", "share_count"];

    private async Task<AclInfo> RegisterAsync(TestWorkspace ws, string service, Guid owner, AclVisibility visibility = AclVisibility.Workspace)
    {
        var result = await svc.Authorization(ws.Id).RegisterResourceAsync(new ResourceRef(service, "doc", Guid.NewGuid()), owner, visibility);
        Assert.True(result.IsOk, result.Error.ToString());
        return result.Value!;
    }

    private Task<IReadOnlyList<bool>> CanAsync(TestWorkspace ws, Sentinel.Grains.Directory.UserProfile user, string role, AclInfo acl, AclPermission action) =>
        svc.Authorization(ws.Id).CheckPermissionsAsync(new Sentinel.Grains.Directory.Actor(user.Id, role), [new AclCheck(new ResourceRef(acl.ServiceName, acl.ResourceType, acl.ResourceId), action)]);

    [Fact]
    public async Task list_filters_sorts_and_pages_and_detail_shows_shares()
    {
        var (_, cookie) = await a.AdminAsync();
        var service = await svc.ServiceAsync();
        var ws = await svc.WorkspaceAsync();
        var first = await RegisterAsync(ws, service.Name, ws.Owner.Id);
        var second = await RegisterAsync(ws, service.Name, ws.Editor.Id);
        await svc.Authorization(ws.Id).ShareAsync(second.Id, null, GranteeType.User, ws.Viewer.Id, AclPermission.View);
        await svc.Authorization(ws.Id).ShareAsync(second.Id, null, GranteeType.User, ws.Viewer2.Id, AclPermission.Edit);

        using (var list = await a.SendAsync(HttpMethod.Get, $"/admin/permissions?service_name={service.Name}&sort_by=shares&page_size=10", cookie))
        {
            var page = await Scenario.JsonAsync(list);
            Assert.Equal(2, page.GetProperty("total").GetInt64());
            var items = page.GetProperty("items").EnumerateArray().ToArray();
            AdminDirectoryScenario.AssertShape(items[0], ListFields);
            Assert.Equal([second.Id, first.Id], items.Select(i => i.GetProperty("id").GetGuid()));
            Assert.Equal(2, items[0].GetProperty("share_count").GetInt32());
            Assert.Equal(ws.Editor.Email, items[0].GetProperty("owner_email").GetString());
        }
        using (var asc = await a.SendAsync(HttpMethod.Get, $"/admin/permissions?service_name={service.Name}&sort_by=shares&sort_order=asc", cookie))
            Assert.Equal(first.Id, (await Scenario.JsonAsync(asc)).GetProperty("items")[0].GetProperty("id").GetGuid());
        var prefix = second.ResourceId.ToString()[..8];
        using (var byId = await a.SendAsync(HttpMethod.Get, $"/admin/permissions?resource_id={prefix}&workspace_id={ws.Id}", cookie))
            Assert.Equal([second.Id], (await Scenario.JsonAsync(byId)).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()));
        var ownerPart = ws.Owner.Email.Split('@')[0].ToUpperInvariant();
        using (var byOwner = await a.SendAsync(HttpMethod.Get, $"/admin/permissions?owner={ownerPart}&service_name={service.Name}", cookie))
            Assert.Equal([first.Id], (await Scenario.JsonAsync(byOwner)).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()));
        using (var paged = await a.SendAsync(HttpMethod.Get, $"/admin/permissions?service_name={service.Name}&page=2&page_size=1", cookie))
        {
            var page = await Scenario.JsonAsync(paged);
            Assert.Equal(2, page.GetProperty("page").GetInt32());
            Assert.Equal([first.Id], page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()));
        }
        using (var badSort = await a.SendAsync(HttpMethod.Get, "/admin/permissions?sort_by=owner", cookie))
            await Scenario.AssertValidationAsync(badSort, "sort_by");
        using (var badWs = await a.SendAsync(HttpMethod.Get, "/admin/permissions?workspace_id=nope", cookie))
            await Scenario.AssertValidationAsync(badWs, "workspace_id", "uuid_parsing");

        using (var detail = await a.SendAsync(HttpMethod.Get, $"/admin/permissions/{second.Id}", cookie))
        {
            var body = await Scenario.JsonAsync(detail);
            AdminDirectoryScenario.AssertShape(body, [.. ListFields, "shares"]);
            var shares = body.GetProperty("shares").EnumerateArray().ToArray();
            Assert.Equal(2, shares.Length);
            AdminDirectoryScenario.AssertShape(shares[0], "id", "grantee_type", "grantee_id", "permission", "granted_by", "granted_at");
        }
        using (var missing = await a.SendAsync(HttpMethod.Get, $"/admin/permissions/{Guid.NewGuid()}", cookie))
            await Scenario.AssertErrorAsync(missing, 404, "Permission not found", "permission_not_found");
    }

    [Fact]
    public async Task visibility_share_and_unshare_apply_to_the_next_check_and_write_activity()
    {
        var (admin, cookie) = await a.AdminAsync();
        var service = await svc.ServiceAsync();
        var ws = await svc.WorkspaceAsync();
        var acl = await RegisterAsync(ws, service.Name, ws.Editor.Id);
        var group = await svc.GroupAsync(ws, ws.Viewer2);
        Assert.Equal([true], await CanAsync(ws, ws.Viewer, "viewer", acl, AclPermission.View));

        using (var vis = await a.SendAsync(HttpMethod.Patch, $"/admin/permissions/{acl.Id}/visibility", cookie, new { visibility = "private" }))
        {
            var body = await Scenario.JsonAsync(vis);
            AdminDirectoryScenario.AssertShape(body, "status", "visibility");
            Assert.Equal("private", body.GetProperty("visibility").GetString());
        }
        Assert.Equal([false], await CanAsync(ws, ws.Viewer, "viewer", acl, AclPermission.View));
        using (var visMissing = await a.SendAsync(HttpMethod.Patch, $"/admin/permissions/{Guid.NewGuid()}/visibility", cookie, new { visibility = "private" }))
            await Scenario.AssertErrorAsync(visMissing, 404, "Resource permission not found", "permission_not_found");
        using (var visBad = await a.SendAsync(HttpMethod.Patch, $"/admin/permissions/{acl.Id}/visibility", cookie, new { visibility = "public" }))
            await Scenario.AssertValidationAsync(visBad, "visibility");

        using (var share = await a.SendAsync(HttpMethod.Post, $"/admin/permissions/{acl.Id}/share", cookie, new { grantee_type = "user", grantee_id = ws.Viewer.Id, permission = "edit" }))
        {
            Assert.Equal(HttpStatusCode.Created, share.StatusCode);
            Assert.Equal("ok", (await Scenario.JsonAsync(share)).GetProperty("status").GetString());
        }
        Assert.Equal([true], await CanAsync(ws, ws.Viewer, "viewer", acl, AclPermission.Edit));
        using (var groupShare = await a.SendAsync(HttpMethod.Post, $"/admin/permissions/{acl.Id}/share", cookie, new { grantee_type = "group", grantee_id = group, permission = "view" }))
            Assert.Equal(HttpStatusCode.Created, groupShare.StatusCode);
        var outsider = await a.S.UserAsync();
        using (var notMember = await a.SendAsync(HttpMethod.Post, $"/admin/permissions/{acl.Id}/share", cookie, new { grantee_type = "user", grantee_id = outsider.Id, permission = "view" }))
            await Scenario.AssertErrorAsync(notMember, 400, "Grantee user is not a member of the resource's workspace", "grantee_not_member");
        using (var foreignGroup = await a.SendAsync(HttpMethod.Post, $"/admin/permissions/{acl.Id}/share", cookie, new { grantee_type = "group", grantee_id = Guid.NewGuid(), permission = "view" }))
            await Scenario.AssertErrorAsync(foreignGroup, 400, "Grantee group does not belong to the resource's workspace", "group_not_in_workspace");
        using (var shareMissing = await a.SendAsync(HttpMethod.Post, $"/admin/permissions/{Guid.NewGuid()}/share", cookie, new { grantee_type = "user", grantee_id = ws.Viewer.Id, permission = "view" }))
            await Scenario.AssertErrorAsync(shareMissing, 404, "Permission not found", "permission_not_found");

        using (var unshare = await a.SendAsync(HttpMethod.Delete, $"/admin/permissions/{acl.Id}/share?grantee_type=user&grantee_id={ws.Viewer.Id}", cookie))
        {
            Assert.Equal(HttpStatusCode.OK, unshare.StatusCode);
            Assert.Equal("ok", (await Scenario.JsonAsync(unshare)).GetProperty("status").GetString());
        }
        Assert.Equal([false], await CanAsync(ws, ws.Viewer, "viewer", acl, AclPermission.View));
        using (var unshareAgain = await a.SendAsync(HttpMethod.Delete, $"/admin/permissions/{acl.Id}/share?grantee_type=user&grantee_id={ws.Viewer.Id}", cookie))
            await Scenario.AssertErrorAsync(unshareAgain, 404, "Share not found", "share_not_found");
        using (var unshareBad = await a.SendAsync(HttpMethod.Delete, $"/admin/permissions/{acl.Id}/share?grantee_type=robot&grantee_id={ws.Viewer.Id}", cookie))
            await Scenario.AssertValidationAsync(unshareBad, "grantee_type");

        var activity = await a.Grains.GetGrain<IAdminQueryGrain>(0).ListActivityAsync(new ActivityFilter(1, 20, null, null, null, admin.Id, null, null));
        Assert.Equal(["permission_revoked", "permission_shared", "permission_shared", "permission_visibility_changed"], activity.Items.Select(i => i.Action));
        Assert.All(activity.Items, i => Assert.Equal(acl.Id, i.TargetId));
    }

    [Fact]
    public async Task purge_deletes_every_acl_of_the_service_and_reports_the_count()
    {
        var (admin, cookie) = await a.AdminAsync();
        var service = await svc.ServiceAsync();
        var other = await svc.ServiceAsync();
        var ws1 = await svc.WorkspaceAsync();
        var ws2 = await svc.WorkspaceAsync();
        var acl1 = await RegisterAsync(ws1, service.Name, ws1.Owner.Id);
        await RegisterAsync(ws1, service.Name, ws1.Owner.Id);
        await RegisterAsync(ws2, service.Name, ws2.Owner.Id);
        var kept = await RegisterAsync(ws1, other.Name, ws1.Owner.Id);

        using (var purge = await a.SendAsync(HttpMethod.Delete, $"/admin/permissions/service/{service.Name}", cookie))
        {
            var body = await Scenario.JsonAsync(purge);
            AdminDirectoryScenario.AssertShape(body, "status", "deleted_count");
            Assert.Equal(3, body.GetProperty("deleted_count").GetInt32());
        }
        // The workspace grains reloaded before the answer: no check sees a purged ACL.
        Assert.Null(await svc.Authorization(ws1.Id).GetPermissionAsync(acl1.Id));
        Assert.Equal([false], await CanAsync(ws1, ws1.Owner, "owner", acl1, AclPermission.View));
        Assert.NotNull(await svc.Authorization(ws1.Id).GetPermissionAsync(kept.Id));
        using (var again = await a.SendAsync(HttpMethod.Delete, $"/admin/permissions/service/{service.Name}", cookie))
            Assert.Equal(0, (await Scenario.JsonAsync(again)).GetProperty("deleted_count").GetInt32());

        var activity = await a.Grains.GetGrain<IAdminQueryGrain>(0).ListActivityAsync(new ActivityFilter(1, 5, "permissions_purged", null, null, admin.Id, null, null));
        Assert.Equal(2, activity.Total);
        Assert.All(activity.Items, i => { Assert.Equal("service", i.TargetType); Assert.Equal(Guid.Empty, i.TargetId); });
    }

    [Fact]
    public async Task service_actions_list_by_service_and_delete_takes_the_action_from_roles_at_once()
    {
        var (_, cookie) = await a.AdminAsync();
        var service = await svc.ServiceAsync();
        var ws = await svc.WorkspaceAsync();
        var registered = await a.Grains.GetGrain<IServiceActionRegistryGrain>(0).RegisterAsync(service.Name, [new ActionDefinition("docs.write", "w"), new ActionDefinition("docs.read", null)]);
        var actions = registered.Value!;
        var role = (await svc.Authorization(ws.Id).CreateRoleAsync(Scenario.Unique("r"), null, null)).Value!;
        await svc.Authorization(ws.Id).AddRoleActionsAsync(role.Id, actions.Select(x => x.Id).ToArray(), null);
        await svc.Authorization(ws.Id).AssignUserRoleAsync(role.Id, ws.Viewer.Id, null);
        Assert.True((await svc.Authorization(ws.Id).CheckActionAsync(ws.Viewer.Id, service.Name, "docs.write")).Allowed);

        using (var list = await a.SendAsync(HttpMethod.Get, $"/admin/service-actions?service_name={service.Name}", cookie))
        {
            var items = (await Scenario.JsonAsync(list)).EnumerateArray().ToArray();
            Assert.Equal(["docs.read", "docs.write"], items.Select(i => i.GetProperty("action").GetString()));
            AdminDirectoryScenario.AssertShape(items[0], "id", "service_name", "action", "description", "created_at");
        }
        var write = actions.Single(x => x.Action == "docs.write");
        using (var delete = await a.SendAsync(HttpMethod.Delete, $"/admin/service-actions/{write.Id}", cookie))
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.False((await svc.Authorization(ws.Id).CheckActionAsync(ws.Viewer.Id, service.Name, "docs.write")).Allowed);
        using (var again = await a.SendAsync(HttpMethod.Delete, $"/admin/service-actions/{write.Id}", cookie))
            await Scenario.AssertErrorAsync(again, 404, "Service action not found", "service_action_not_found");
    }
}
