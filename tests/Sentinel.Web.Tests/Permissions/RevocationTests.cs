using Npgsql;
using Sentinel.Grains.Authorization;
using Sentinel.Grains.Directory;
using Sentinel.Testing;
using Sentinel.Web.Tests.Authz;
using Xunit;

namespace Sentinel.Web.Tests.Permissions;

/// <summary>
/// Writes go through the workspace grain, which commits to PostgreSQL and updates memory before returning: no check
/// that starts after a write returns may see the old grant, and the tables always agree with memory.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class RevocationTests(SentinelWebApplication app)
{
    private readonly ServiceScenario s = new(app);

    private static AclCheck Check(AclInfo acl, AclPermission action) => new(new ResourceRef(acl.ServiceName, acl.ResourceType, acl.ResourceId), action);

    [Fact]
    public async Task no_check_sees_a_stale_grant_after_a_write_returns_under_concurrent_checks()
    {
        var service = await s.ServiceAsync();
        var ws = await s.WorkspaceAsync();
        var doc = await s.RegisterAsync(service, ws.Id, ws.Owner.Id, AclVisibility.Private);
        var grain = s.Authorization(ws.Id);
        var viewer = new Actor(ws.Viewer.Id, "viewer");
        var check = new[] { Check(doc, AclPermission.Edit) };

        // Readers hammer the grain the whole time, so writes interleave with checks.
        using var stop = new CancellationTokenSource();
        var readers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            var count = 0;
            while (!stop.IsCancellationRequested)
            {
                await grain.CheckPermissionsAsync(viewer, check);
                count++;
            }
            return count;
        })).ToArray();

        for (var i = 0; i < 40; i++)
        {
            var shared = await grain.ShareAsync(doc.Id, null, GranteeType.User, ws.Viewer.Id, AclPermission.Edit);
            Assert.True(shared.IsOk);
            Assert.True((await grain.CheckPermissionsAsync(viewer, check))[0], $"grant visible after write {i}");
            var downgraded = await grain.ShareAsync(doc.Id, null, GranteeType.User, ws.Viewer.Id, AclPermission.View);
            Assert.True(downgraded.IsOk);
            Assert.False((await grain.CheckPermissionsAsync(viewer, check))[0], $"edit gone after downgrade {i}");
            var unshared = await grain.UnshareAsync(doc.Id, GranteeType.User, ws.Viewer.Id);
            Assert.True(unshared.IsOk);
            Assert.False((await grain.CheckPermissionsAsync(viewer, [Check(doc, AclPermission.View)]))[0], $"view gone after unshare {i}");
        }
        stop.Cancel();
        var reads = (await Task.WhenAll(readers)).Sum();
        Assert.True(reads > 0);
    }

    [Fact]
    public async Task role_removal_and_group_role_removal_take_effect_at_once_over_http()
    {
        var service = await s.ServiceAsync();
        var ws = await s.WorkspaceAsync();
        var direct = await s.RoleAsync(ws.Id, service, "docs:write");
        var viaGroup = await s.RoleAsync(ws.Id, service, "docs:publish");
        var group = await s.GroupAsync(ws, ws.Viewer);
        var grain = s.Authorization(ws.Id);
        Assert.True((await grain.AssignUserRoleAsync(direct.Id, ws.Viewer.Id, ws.Owner.Id)).IsOk);
        Assert.True((await grain.AssignGroupRoleAsync(viaGroup.Id, group, ws.Owner.Id)).IsOk);
        var token = ws.Token(ws.Viewer, "viewer");

        Assert.True(await AllowedActionAsync("docs:write"));
        Assert.True(await AllowedActionAsync("docs:publish"));

        Assert.True((await grain.UnassignUserRoleAsync(direct.Id, ws.Viewer.Id, ws.Owner.Id)).IsOk);
        Assert.False(await AllowedActionAsync("docs:write"));

        // Leaving the group takes the group's roles away at once (the session revocation follows for tokens).
        Assert.True((await s.Workspace(ws.Id).RemoveGroupMemberAsync(new Actor(ws.Owner.Id, "owner"), group, ws.Viewer.Id)).IsOk);
        Assert.False((await grain.CheckActionAsync(ws.Viewer.Id, service.Name, "docs:publish")).Allowed);
        Assert.True((await s.Workspace(ws.Id).AddGroupMemberAsync(new Actor(ws.Owner.Id, "owner"), group, ws.Viewer.Id)).IsOk);
        Assert.True((await grain.CheckActionAsync(ws.Viewer.Id, service.Name, "docs:publish")).Allowed);
        Assert.True((await grain.UnassignGroupRoleAsync(viaGroup.Id, group, ws.Owner.Id)).IsOk);
        Assert.False((await grain.CheckActionAsync(ws.Viewer.Id, service.Name, "docs:publish")).Allowed);

        async Task<bool> AllowedActionAsync(string action)
        {
            using var response = await s.SendAsync(HttpMethod.Post, "/roles/check-action", service.Key, token, new { service_name = service.Name, action, workspace_id = ws.Id });
            return (await Scenario.JsonAsync(response)).GetProperty("allowed").GetBoolean();
        }
    }

    [Fact]
    public async Task member_removal_drops_their_shares_and_roles_in_memory_and_tables()
    {
        var service = await s.ServiceAsync();
        var ws = await s.WorkspaceAsync();
        var doc = await s.RegisterAsync(service, ws.Id, ws.Owner.Id, AclVisibility.Private);
        await s.ShareAsync(doc, GranteeType.User, ws.Viewer.Id, AclPermission.Edit);
        var role = await s.RoleAsync(ws.Id, service, "docs:write");
        var grain = s.Authorization(ws.Id);
        Assert.True((await grain.AssignUserRoleAsync(role.Id, ws.Viewer.Id, null)).IsOk);

        Assert.True((await s.Workspace(ws.Id).RemoveMemberAsync(new Actor(ws.Owner.Id, "owner"), ws.Viewer.Id)).IsOk);
        // Back in the workspace, nothing from before comes back (a removed member's shares and roles are gone for good).
        await s.S.AddMemberAsync(ws.Id, ws.Viewer, WorkspaceRole.Viewer);
        Assert.False((await grain.CheckPermissionsAsync(new Actor(ws.Viewer.Id, "viewer"), [Check(doc, AclPermission.View)]))[0]);
        Assert.False((await grain.CheckActionAsync(ws.Viewer.Id, service.Name, "docs:write")).Allowed);
        Assert.Empty((await grain.GetPermissionAsync(doc.Id))!.Shares);
        Assert.Equal(0, (await grain.ListRolesAsync()).Single(r => r.Id == role.Id).MemberCount);

        await using var db = NpgsqlDataSource.Create(TestConnection.ConnectionString());
        await using var cmd = db.CreateCommand("SELECT (SELECT count(*) FROM resource_shares WHERE resource_permission_id = @p) + (SELECT count(*) FROM user_roles WHERE role_id = @r)");
        cmd.Parameters.AddWithValue("p", doc.Id);
        cmd.Parameters.AddWithValue("r", role.Id);
        Assert.Equal(0L, await cmd.ExecuteScalarAsync());
    }

    [Fact]
    public async Task group_deletion_drops_group_shares_and_group_roles()
    {
        var service = await s.ServiceAsync();
        var ws = await s.WorkspaceAsync();
        var group = await s.GroupAsync(ws, ws.Viewer);
        var doc = await s.RegisterAsync(service, ws.Id, ws.Owner.Id, AclVisibility.Private);
        await s.ShareAsync(doc, GranteeType.Group, group, AclPermission.View);
        var role = await s.RoleAsync(ws.Id, service, "docs:read");
        var grain = s.Authorization(ws.Id);
        Assert.True((await grain.AssignGroupRoleAsync(role.Id, group, null)).IsOk);
        Assert.True((await grain.CheckActionAsync(ws.Viewer.Id, service.Name, "docs:read")).Allowed);

        Assert.True((await s.Workspace(ws.Id).DeleteGroupAsync(new Actor(ws.Owner.Id, "owner"), group)).IsOk);
        Assert.False((await grain.CheckPermissionsAsync(new Actor(ws.Viewer.Id, "viewer"), [Check(doc, AclPermission.View)]))[0]);
        Assert.False((await grain.CheckActionAsync(ws.Viewer.Id, service.Name, "docs:read")).Allowed);
        Assert.Equal(0, (await grain.GetFootprintAsync()).GroupRoleAssignments);
    }

    [Fact]
    public async Task service_action_deletion_and_service_purge_take_effect_at_once()
    {
        var service = await s.ServiceAsync();
        var ws = await s.WorkspaceAsync();
        var other = await s.WorkspaceAsync();
        var role = await s.RoleAsync(ws.Id, service, "docs:read", "docs:write");
        Assert.True((await s.Authorization(ws.Id).AssignUserRoleAsync(role.Id, ws.Viewer.Id, null)).IsOk);
        var doc = await s.RegisterAsync(service, ws.Id, ws.Owner.Id, AclVisibility.Workspace);
        var otherDoc = await s.RegisterAsync(service, other.Id, other.Owner.Id, AclVisibility.Workspace);
        var registry = s.Grains.GetGrain<IServiceActionRegistryGrain>(0);
        var write = (await registry.ListAsync(service.Name)).Single(a => a.Action == "docs:write");

        Assert.True(await registry.DeleteAsync(write.Id, new Audit("service_action_deleted", ws.Owner.Id)));
        Assert.False(await registry.DeleteAsync(write.Id));
        Assert.False((await s.Authorization(ws.Id).CheckActionAsync(ws.Viewer.Id, service.Name, "docs:write")).Allowed);
        Assert.True((await s.Authorization(ws.Id).CheckActionAsync(ws.Viewer.Id, service.Name, "docs:read")).Allowed);

        Assert.Equal(2, await registry.PurgeServicePermissionsAsync(service.Name));
        Assert.False((await s.Authorization(ws.Id).CheckPermissionsAsync(new Actor(ws.Viewer.Id, "viewer"), [Check(doc, AclPermission.View)]))[0]);
        Assert.False((await s.Authorization(other.Id).CheckPermissionsAsync(new Actor(other.Viewer.Id, "viewer"), [Check(otherDoc, AclPermission.View)]))[0]);
        Assert.Null(await s.Authorization(ws.Id).GetPermissionAsync(doc.Id));
    }

    [Fact]
    public async Task state_reloaded_from_postgres_matches_memory_after_writes()
    {
        var service = await s.ServiceAsync();
        var ws = await s.WorkspaceAsync();
        var group = await s.GroupAsync(ws, ws.Viewer2);
        var grain = s.Authorization(ws.Id);
        var docs = new List<AclInfo>();
        for (var i = 0; i < 6; i++) docs.Add(await s.RegisterAsync(service, ws.Id, i % 2 == 0 ? ws.Owner.Id : ws.Editor.Id, i % 3 == 0 ? AclVisibility.Workspace : AclVisibility.Private));
        await s.ShareAsync(docs[1], GranteeType.User, ws.Viewer.Id, AclPermission.Edit);
        await s.ShareAsync(docs[2], GranteeType.Group, group, AclPermission.View);
        await s.ShareAsync(docs[4], GranteeType.User, ws.Viewer.Id, AclPermission.View);
        Assert.True((await grain.UnshareAsync(docs[4].Id, GranteeType.User, ws.Viewer.Id)).IsOk);
        Assert.True((await grain.SetVisibilityAsync(docs[5].Id, AclVisibility.Workspace)).IsOk);
        Assert.True((await grain.DeleteResourceAsync(new ResourceRef(docs[3].ServiceName, docs[3].ResourceType, docs[3].ResourceId))).IsOk);
        var role = await s.RoleAsync(ws.Id, service, "docs:read", "docs:write");
        Assert.True((await grain.AssignUserRoleAsync(role.Id, ws.Viewer.Id, null)).IsOk);
        Assert.True((await grain.AssignGroupRoleAsync(role.Id, group, null)).IsOk);

        var callers = new[] { ws.Owner, ws.Admin, ws.Editor, ws.Viewer, ws.Viewer2 };
        var checks = docs.SelectMany(d => new[] { Check(d, AclPermission.View), Check(d, AclPermission.Edit) }).ToArray();
        async Task<string> SnapshotAsync()
        {
            var parts = new List<string> { (await grain.GetFootprintAsync() with { LoadTime = TimeSpan.Zero }).ToString() };
            foreach (var caller in callers)
            {
                var role = (await s.Workspace(ws.Id).GetRoleAsync(caller.Id))!.Value.ToName();
                parts.Add(string.Concat((await grain.CheckPermissionsAsync(new Actor(caller.Id, role), checks)).Select(b => b ? '1' : '0')));
                parts.Add(string.Join(',', await grain.GetUserActionsAsync(caller.Id, service.Name)));
            }
            return string.Join('|', parts);
        }

        var before = await SnapshotAsync();
        await grain.ReloadAuthorizationAsync();
        Assert.Equal(before, await SnapshotAsync());
    }
}
