using Sentinel.Grains.Admin;
using Sentinel.Grains.Tests.Data;
using Xunit;

namespace Sentinel.Grains.Tests.Admin;

[Collection(DatabaseCollection.Name)]
public sealed class AdminDirectoryQueryStoreTests(DatabaseFixture fixture)
{
    private readonly AdminDirectoryQueryStore store = fixture.Create<AdminDirectoryQueryStore>();

    [Fact]
    public async Task group_and_role_resolve_to_their_workspace()
    {
        var (ws, _) = await fixture.InsertWorkspaceAsync();
        var group = await fixture.InsertNamedAsync("groups", ws, "g");
        var role = await fixture.InsertNamedAsync("roles", ws, "r");

        Assert.Equal(ws, await store.FindGroupWorkspaceAsync(group, default));
        Assert.Equal(ws, await store.FindRoleWorkspaceAsync(role, default));
        Assert.Null(await store.FindGroupWorkspaceAsync(role, default));
    }

    [Fact]
    public async Task role_members_and_actions_are_null_for_an_unknown_role_and_listed_otherwise()
    {
        var (ws, _) = await fixture.InsertWorkspaceAsync();
        var role = await fixture.InsertNamedAsync("roles", ws, "r");
        var user = await fixture.InsertUserAsync();
        await fixture.ScalarAsync("INSERT INTO user_roles (id, user_id, role_id) VALUES (@id, @user, @role)", ("id", Guid.NewGuid()), ("user", user), ("role", role));

        Assert.Null(await store.ListRoleMembersAsync(Guid.NewGuid(), default));
        Assert.Null(await store.ListRoleActionsAsync(Guid.NewGuid(), default));
        Assert.Equal(user, Assert.Single((await store.ListRoleMembersAsync(role, default))!).UserId);
        Assert.Empty((await store.ListRoleActionsAsync(role, default))!);
    }

    [Fact]
    public async Task permissions_filter_by_workspace_and_owner_email_literally_with_share_counts()
    {
        var (ws, _) = await fixture.InsertWorkspaceAsync();
        var owner = await fixture.InsertUserAsync($"owner_{Guid.NewGuid():N}@acl.test");
        var acl = Guid.NewGuid();
        await fixture.ScalarAsync("INSERT INTO resource_permissions (id, service_name, resource_type, resource_id, workspace_id, owner_id) VALUES (@id, 'svc', 'doc', @rid, @ws, @owner)",
            ("id", acl), ("rid", Guid.NewGuid()), ("ws", ws), ("owner", owner));
        await fixture.ScalarAsync("INSERT INTO resource_shares (id, resource_permission_id, grantee_type, grantee_id, permission) VALUES (@id, @acl, 'user', @user, 'view')",
            ("id", Guid.NewGuid()), ("acl", acl), ("user", owner));

        var page = await store.ListPermissionsAsync(new PermissionFilter(1, 10, ws, null, null, "owner_", false, true), default);
        var wildcard = await store.ListPermissionsAsync(new PermissionFilter(1, 10, ws, null, null, "owner%", false, true), default);

        var row = Assert.Single(page.Items);
        Assert.Equal((acl, 1, 1L), (row.Acl.Id, row.ShareCount, page.Total));
        Assert.Equal(row, await store.GetPermissionSummaryAsync(acl, default));
        Assert.Empty(wildcard.Items);
    }
}
