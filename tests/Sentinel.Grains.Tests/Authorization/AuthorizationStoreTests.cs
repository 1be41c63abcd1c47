using Npgsql;
using Sentinel.Grains.Authorization;
using Sentinel.Grains.Tests.Data;
using Xunit;

namespace Sentinel.Grains.Tests.Authorization;

/// <summary>The workspace authorization SQL against the real test database.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class AuthorizationStoreTests(DatabaseFixture fixture)
{
    private readonly AuthorizationStore store = fixture.Create<AuthorizationStore>();

    private static ResourceRef NewResource() => new($"svc-{Guid.NewGuid():N}", "doc", Guid.NewGuid());

    private Task<object?> CountAsync(string sql, Guid id) => fixture.ScalarAsync(sql, ("id", id));

    /// <summary>A workspace and a user (the actor and owner); an ACL registered without an audit.</summary>
    private async Task<(Guid Workspace, Guid User, Guid Permission, ResourceRef Resource)> RegisterAsync()
    {
        var (ws, _) = await fixture.InsertWorkspaceAsync();
        var user = await fixture.InsertUserAsync();
        var (permission, resource) = (Guid.NewGuid(), NewResource());
        Assert.True((await store.RegisterResourceAsync(ws, permission, resource, user, AclVisibility.Private, null, default)).IsOk);
        return (ws, user, permission, resource);
    }

    private async Task<Guid> InsertServiceActionAsync(string service, string action)
    {
        var id = Guid.NewGuid();
        await fixture.ScalarAsync("INSERT INTO service_actions (id, service_name, action) VALUES (@id, @s, @a)", ("id", id), ("s", service), ("a", action));
        return id;
    }

    [Fact]
    public async Task register_writes_the_acl_and_records_only_when_audited()
    {
        var (ws, _) = await fixture.InsertWorkspaceAsync();
        var owner = await fixture.InsertUserAsync();
        var (quiet, audited) = (Guid.NewGuid(), Guid.NewGuid());

        var first = await store.RegisterResourceAsync(ws, quiet, NewResource(), owner, AclVisibility.Workspace, null, default);
        var second = await store.RegisterResourceAsync(ws, audited, NewResource(), owner, AclVisibility.Private, new Audit("permission_registered", owner), default);

        Assert.True(first.IsOk && second.IsOk);
        Assert.Equal("workspace", await fixture.ScalarAsync("SELECT visibility FROM resource_permissions WHERE id = @id", ("id", quiet)));
        Assert.Equal(ws, await fixture.ScalarAsync("SELECT workspace_id FROM resource_permissions WHERE id = @id", ("id", audited)));
        Assert.Empty(await fixture.ActivityAsync(quiet));
        var row = Assert.Single(await fixture.ActivityAsync(audited));
        Assert.Equal(("permission_registered", (Guid?)owner, "resource_permission", (Guid?)ws), (row.Action, row.ActorId, row.TargetType, row.WorkspaceId));
        Assert.Equal("doc", row.Detail!.Value.GetProperty("resource_type").GetString());
    }

    [Fact]
    public async Task a_registered_resource_is_a_conflict_and_an_unknown_owner_is_owner_not_found_and_neither_records()
    {
        var (ws, user, _, resource) = await RegisterAsync();
        var (again, orphan) = (Guid.NewGuid(), Guid.NewGuid());
        var audit = new Audit("permission_registered", user);

        var conflict = await store.RegisterResourceAsync(ws, again, resource, user, AclVisibility.Private, audit, default);
        var unknown = await store.RegisterResourceAsync(ws, orphan, NewResource(), Guid.NewGuid(), AclVisibility.Private, audit, default);

        Assert.Equal(AuthorizationError.ResourceConflict, conflict.Error);
        Assert.Equal(AuthorizationError.OwnerNotFound, unknown.Error);
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM resource_permissions WHERE id = @id", orphan));
        Assert.Empty(await fixture.ActivityAsync(again));
        Assert.Empty(await fixture.ActivityAsync(orphan));
    }

    [Fact]
    public async Task share_changes_an_existing_level_and_unshare_reports_a_missing_share()
    {
        var (ws, user, permission, _) = await RegisterAsync();
        var grantee = await fixture.InsertUserAsync();
        var audit = new Audit("permission_shared", user);

        var view = await store.ShareAsync(ws, permission, GranteeType.User, grantee, AclPermission.View, user, audit, default);
        var edit = await store.ShareAsync(ws, permission, GranteeType.User, grantee, AclPermission.Edit, user, null, default);

        Assert.Equal(view.Id, edit.Id);
        Assert.Equal("edit", await fixture.ScalarAsync("SELECT permission FROM resource_shares WHERE id = @id", ("id", view.Id)));
        Assert.True(await store.UnshareAsync(ws, permission, GranteeType.User, grantee, new Audit("permission_revoked", user), default));
        Assert.False(await store.UnshareAsync(ws, permission, GranteeType.User, grantee, new Audit("permission_revoked", user), default));
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM resource_shares WHERE resource_permission_id = @id", permission));
        // One row for the audited share, one for the unshare that removed something; none for the quiet share or the miss.
        Assert.Equal(["permission_shared", "permission_revoked"], (await fixture.ActivityAsync(permission)).Select(r => r.Action));
    }

    [Fact]
    public async Task visibility_and_delete_reach_the_table_and_delete_takes_the_shares()
    {
        var (ws, user, permission, resource) = await RegisterAsync();
        await store.ShareAsync(ws, permission, GranteeType.User, user, AclPermission.View, user, null, default);

        await store.SetVisibilityAsync(ws, permission, AclVisibility.Workspace, new Audit("permission_visibility_changed", user), default);
        Assert.Equal("workspace", await fixture.ScalarAsync("SELECT visibility FROM resource_permissions WHERE id = @id", ("id", permission)));
        await store.DeleteResourceAsync(ws, permission, resource, null, default);

        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM resource_permissions WHERE id = @id", permission));
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM resource_shares WHERE resource_permission_id = @id", permission));
        Assert.Equal("permission_visibility_changed", Assert.Single(await fixture.ActivityAsync(permission)).Action);
    }

    [Fact]
    public async Task a_taken_role_name_is_null_and_records_nothing_and_role_changes_record_their_rows()
    {
        var (ws, _) = await fixture.InsertWorkspaceAsync();
        var actor = await fixture.InsertUserAsync();
        var (role, taken) = (Guid.NewGuid(), Guid.NewGuid());

        Assert.NotNull(await store.CreateRoleAsync(ws, role, "editors", "d", actor, default));
        Assert.Null(await store.CreateRoleAsync(ws, taken, "editors", null, actor, default));
        await store.UpdateRoleAsync(ws, role, "writers", null, descriptionSet: true, "writers", actor, default);

        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM roles WHERE id = @id", taken));
        Assert.Empty(await fixture.ActivityAsync(taken));
        Assert.Equal("writers", await fixture.ScalarAsync("SELECT name FROM roles WHERE id = @id", ("id", role)));
        Assert.Null(await fixture.ScalarAsync("SELECT description FROM roles WHERE id = @id", ("id", role)));
        await store.DeleteRoleAsync(ws, role, "writers", null, default);
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM roles WHERE id = @id", role));
        Assert.Equal(["role_created", "role_updated", "role_deleted"], (await fixture.ActivityAsync(role)).Select(r => r.Action));
    }

    [Fact]
    public async Task adding_role_actions_is_all_or_nothing_with_one_row_per_action()
    {
        var (ws, _) = await fixture.InsertWorkspaceAsync();
        var role = Guid.NewGuid();
        await store.CreateRoleAsync(ws, role, "r", null, null, default);
        var service = $"svc-{Guid.NewGuid():N}";
        var (read, write, missing) = (await InsertServiceActionAsync(service, "read"), await InsertServiceActionAsync(service, "write"), Guid.NewGuid());

        var refused = await store.AddRoleActionsAsync(ws, role, [read, missing], null, default);
        Assert.Equal((AuthorizationError.ServiceActionNotFound, missing.ToString()), (refused.Error!.Value, refused.Detail));
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM role_actions WHERE role_id = @id", role));

        var added = await store.AddRoleActionsAsync(ws, role, [read, write], null, default);

        Assert.Equal((service, "write"), added.Value![write]);
        Assert.Equal(2L, await CountAsync("SELECT count(*) FROM role_actions WHERE role_id = @id", role));
        Assert.Equal(2, (await fixture.ActivityAsync(role)).Count(r => r.Action == "role_action_added"));
        await store.RemoveRoleActionAsync(ws, role, read, null, default);
        Assert.Equal(1L, await CountAsync("SELECT count(*) FROM role_actions WHERE role_id = @id", role));
    }

    [Fact]
    public async Task load_reads_one_workspaces_acls_shares_roles_and_holders()
    {
        var (ws, user, permission, resource) = await RegisterAsync();
        var (other, _) = await fixture.InsertWorkspaceAsync();
        await store.RegisterResourceAsync(other, Guid.NewGuid(), NewResource(), user, AclVisibility.Private, null, default);
        var group = await fixture.InsertNamedAsync("groups", ws, "g");
        await store.ShareAsync(ws, permission, GranteeType.Group, group, AclPermission.Edit, user, null, default);
        var role = Guid.NewGuid();
        await store.CreateRoleAsync(ws, role, "r", null, null, default);
        var service = $"svc-{Guid.NewGuid():N}";
        await store.AddRoleActionsAsync(ws, role, [await InsertServiceActionAsync(service, "read")], null, default);
        await store.AssignRoleAsync(ws, role, GranteeType.User, user, null, default);
        await store.AssignRoleAsync(ws, role, GranteeType.Group, group, null, default);

        var loaded = await store.LoadAsync(ws, default);

        var acl = loaded.Acls.ToInfo(loaded.Acls.Find(resource)!, ws);
        Assert.Equal((permission, (Guid?)user, AclVisibility.Private), (acl.Id, acl.OwnerId, acl.Visibility));
        Assert.Equal((GranteeType.Group, group, AclPermission.Edit), (acl.Shares[0].GranteeType, acl.Shares[0].GranteeId, acl.Shares[0].Permission));
        Assert.Equal(1, loaded.Acls.Count);
        Assert.Equal(["r"], loaded.Roles.Check(user, [], service, "read").Roles);
        Assert.True(loaded.Roles.Check(Guid.NewGuid(), [group], service, "read").Allowed);

        await store.UnassignRoleAsync(ws, role, GranteeType.User, user, null, default);
        await store.UnassignRoleAsync(ws, role, GranteeType.Group, group, null, default);
        var reloaded = await store.LoadAsync(ws, default);
        Assert.False(reloaded.Roles.Check(user, [group], service, "read").Allowed);
        var holders = (await fixture.ActivityAsync(role)).Where(r => r.Action.StartsWith("role_member") || r.Action.StartsWith("role_group")).ToList();
        Assert.Equal(["role_member_added", "role_group_added", "role_member_removed", "role_group_removed"], holders.Select(r => r.Action));
        Assert.Equal(user, holders[0].Detail!.Value.GetProperty("user_id").GetGuid());
        Assert.Equal(group, holders[3].Detail!.Value.GetProperty("group_id").GetGuid());
    }

    [Fact]
    public async Task find_users_names_the_known_ids_only()
    {
        var user = await fixture.InsertUserAsync();

        var found = await store.FindUsersAsync([user, Guid.NewGuid()], default);

        Assert.Equal($"{user:N}@stores.test", Assert.Single(found).Value.Email);
    }

    [Fact]
    public async Task a_failed_activity_row_rolls_the_change_back()
    {
        var (ws, _, permission, _) = await RegisterAsync();

        // activity_logs.actor_id references users: an unknown actor fails the row, and the share goes with it.
        await Assert.ThrowsAsync<PostgresException>(() =>
            store.ShareAsync(ws, permission, GranteeType.Group, Guid.NewGuid(), AclPermission.View, null, new Audit("permission_shared", Guid.NewGuid()), default));

        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM resource_shares WHERE resource_permission_id = @id", permission));
    }
}
