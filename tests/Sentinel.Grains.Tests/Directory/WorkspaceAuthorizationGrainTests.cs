using Sentinel.Grains.Authorization;
using Sentinel.Grains.Directory;
using Sentinel.Grains.Sessions;
using Sentinel.Grains.Storage;
using Sentinel.Grains.Tests.Data;
using Xunit;

namespace Sentinel.Grains.Tests.Directory;

/// <summary>
/// The workspace grain's authorization answers with its real stores on the test database: a directory change or an
/// ACL or role change is in the next check's answer, with no reload in between (one activation holds them all).
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class WorkspaceAuthorizationGrainTests(DatabaseFixture fixture)
{
    private sealed record Workspace(Guid Id, IWorkspaceGrain Directory, IWorkspaceAuthorizationGrain Authorization, Guid Owner, Actor OwnerActor);

    private async Task<Workspace> CreateAsync()
    {
        var owner = await fixture.InsertUserAsync();
        var id = Guid.NewGuid();
        var directory = fixture.Grains.GetGrain<IWorkspaceGrain>(id);
        Assert.True((await directory.CreateAsync("WS", $"ws-{Guid.NewGuid():N}", null, owner, default)).IsOk);
        return new Workspace(id, directory, fixture.Grains.GetGrain<IWorkspaceAuthorizationGrain>(id), owner, new Actor(owner, "owner"));
    }

    private async Task<Guid> AddMemberAsync(Workspace ws, WorkspaceRole role)
    {
        var user = await fixture.InsertUserAsync();
        Assert.True((await ws.Directory.AddMemberAsync(ws.OwnerActor, user, role, default)).IsOk);
        return user;
    }

    private static async Task<(ResourceRef Resource, Guid Permission)> RegisterAsync(Workspace ws, AclVisibility visibility)
    {
        var resource = new ResourceRef($"svc-{Guid.NewGuid():N}", "doc", Guid.NewGuid());
        var registered = await ws.Authorization.RegisterResourceAsync(resource, ws.Owner, visibility, null, default);
        return (resource, registered.Value!.Id);
    }

    private static async Task<(bool View, bool Edit)> CheckAsync(Workspace ws, Actor actor, ResourceRef resource)
    {
        var answers = await ws.Authorization.CheckPermissionsAsync(actor, [new AclCheck(resource, AclPermission.View), new AclCheck(resource, AclPermission.Edit)], default);
        return (answers[0], answers[1]);
    }

    /// <summary>A token with no session id, minted at <paramref name="issuedAt"/>: checked against the user's revocation cut-off.</summary>
    private static CheckCaller Caller(Guid user, string role, DateTimeOffset issuedAt) => new(user, role, new TokenRef(Guid.NewGuid(), issuedAt, null));

    [Fact]
    public async Task a_removed_member_is_denied_at_once_even_with_a_token_the_session_still_accepts()
    {
        var ws = await CreateAsync();
        var user = await AddMemberAsync(ws, WorkspaceRole.Editor);
        var (resource, permission) = await RegisterAsync(ws, AclVisibility.Private);
        Assert.True((await ws.Authorization.ShareAsync(permission, ws.OwnerActor, GranteeType.User, user, AclPermission.Edit, null, default)).IsOk);
        var before = DatabaseFixture.Time.GetUtcNow().AddMinutes(-1);
        var allowed = await ws.Authorization.CheckPermissionsForTokenAsync(Caller(user, "editor", before), [new AclCheck(resource, AclPermission.Edit)], default);
        Assert.Equal([true], allowed.Value!);

        Assert.True((await ws.Directory.RemoveMemberAsync(ws.OwnerActor, user, default)).IsOk);

        Assert.Equal((false, false), await CheckAsync(ws, new Actor(user, "editor"), resource));
        // The token from before the removal is revoked; one the session grain would still accept gets the workspace's
        // own answer, which no longer grants anything: the share went with the membership.
        Assert.Equal(ServiceCallRefusal.TokenRevoked, (await ws.Authorization.CheckPermissionsForTokenAsync(Caller(user, "editor", before), [new AclCheck(resource, AclPermission.Edit)], default)).Error);
        var later = await ws.Authorization.CheckPermissionsForTokenAsync(Caller(user, "editor", DateTimeOffset.UtcNow.AddYears(10)), [new AclCheck(resource, AclPermission.Edit)], default);
        Assert.Equal([false], later.Value!);
        Assert.Empty((await ws.Authorization.GetPermissionAsync(permission, default))!.Shares);
        Assert.Equal(0L, await fixture.ScalarAsync("SELECT count(*) FROM resource_shares WHERE resource_permission_id = @id", ("id", permission)));
    }

    [Fact]
    public async Task a_demoted_member_is_checked_with_the_new_role_whatever_the_token_says()
    {
        var ws = await CreateAsync();
        var user = await AddMemberAsync(ws, WorkspaceRole.Editor);
        var (resource, _) = await RegisterAsync(ws, AclVisibility.Workspace);
        var token = new Actor(user, "editor");
        Assert.Equal((true, true), await CheckAsync(ws, token, resource));

        Assert.True((await ws.Directory.ChangeRoleAsync(ws.OwnerActor, user, WorkspaceRole.Viewer, default)).IsOk);

        Assert.Equal((true, false), await CheckAsync(ws, token, resource));
        // Promotion takes the stricter of token and membership too: an admin membership with an editor token is an editor.
        Assert.True((await ws.Directory.ChangeRoleAsync(ws.OwnerActor, user, WorkspaceRole.Admin, default)).IsOk);
        var (privateResource, _) = await RegisterAsync(ws, AclVisibility.Private);
        Assert.Equal((false, false), await CheckAsync(ws, token, privateResource));
        Assert.Equal((true, true), await CheckAsync(ws, new Actor(user, "admin"), privateResource));
    }

    [Fact]
    public async Task share_and_unshare_change_the_next_answer()
    {
        var ws = await CreateAsync();
        var user = await AddMemberAsync(ws, WorkspaceRole.Viewer);
        var actor = new Actor(user, "viewer");
        var (resource, permission) = await RegisterAsync(ws, AclVisibility.Private);
        Assert.Equal((false, false), await CheckAsync(ws, actor, resource));

        await ws.Authorization.ShareAsync(permission, ws.OwnerActor, GranteeType.User, user, AclPermission.View, null, default);
        Assert.Equal((true, false), await CheckAsync(ws, actor, resource));

        await ws.Authorization.ShareAsync(permission, ws.OwnerActor, GranteeType.User, user, AclPermission.Edit, null, default);
        Assert.Equal((true, true), await CheckAsync(ws, actor, resource));

        Assert.True((await ws.Authorization.UnshareAsync(permission, GranteeType.User, user, null, default)).IsOk);
        Assert.Equal((false, false), await CheckAsync(ws, actor, resource));
        Assert.Equal(AuthorizationError.ShareNotFound, (await ws.Authorization.UnshareAsync(permission, GranteeType.User, user, null, default)).Error);
    }

    [Fact]
    public async Task a_group_share_follows_group_membership_and_goes_with_the_group()
    {
        var ws = await CreateAsync();
        var user = await AddMemberAsync(ws, WorkspaceRole.Viewer);
        var actor = new Actor(user, "viewer");
        var group = (await ws.Directory.CreateGroupAsync(ws.OwnerActor, "team", null, default)).Value!;
        var (resource, permission) = await RegisterAsync(ws, AclVisibility.Private);
        await ws.Authorization.ShareAsync(permission, ws.OwnerActor, GranteeType.Group, group.Id, AclPermission.Edit, null, default);
        Assert.Equal((false, false), await CheckAsync(ws, actor, resource));

        await ws.Directory.AddGroupMemberAsync(ws.OwnerActor, group.Id, user, default);
        Assert.Equal((true, true), await CheckAsync(ws, actor, resource));

        await ws.Directory.RemoveGroupMemberAsync(ws.OwnerActor, group.Id, user, default);
        Assert.Equal((false, false), await CheckAsync(ws, actor, resource));

        await ws.Directory.AddGroupMemberAsync(ws.OwnerActor, group.Id, user, default);
        await ws.Directory.DeleteGroupAsync(ws.OwnerActor, group.Id, default);
        Assert.Equal((false, false), await CheckAsync(ws, actor, resource));
        Assert.Empty((await ws.Authorization.GetPermissionAsync(permission, default))!.Shares);
    }

    [Fact]
    public async Task a_role_grants_its_actions_to_holders_directly_and_through_groups_until_they_leave()
    {
        var ws = await CreateAsync();
        var user = await AddMemberAsync(ws, WorkspaceRole.Viewer);
        var service = $"svc-{Guid.NewGuid():N}";
        var action = (await fixture.Grains.GetGrain<IServiceActionRegistryGrain>(0).RegisterAsync(service, [new ActionDefinition("publish", null)], default)).Value![0];
        var role = (await ws.Authorization.CreateRoleAsync("publishers", null, ws.Owner, default)).Value!;
        Assert.True((await ws.Authorization.AddRoleActionsAsync(role.Id, [action.Id], ws.Owner, default)).IsOk);
        var group = (await ws.Directory.CreateGroupAsync(ws.OwnerActor, "team", null, default)).Value!;
        await ws.Directory.AddGroupMemberAsync(ws.OwnerActor, group.Id, user, default);
        Assert.False((await ws.Authorization.CheckActionAsync(user, service, "publish", default)).Allowed);

        await ws.Authorization.AssignGroupRoleAsync(role.Id, group.Id, ws.Owner, default);
        Assert.Equal(["publishers"], (await ws.Authorization.CheckActionAsync(user, service, "publish", default)).Roles);

        await ws.Directory.RemoveGroupMemberAsync(ws.OwnerActor, group.Id, user, default);
        Assert.False((await ws.Authorization.CheckActionAsync(user, service, "publish", default)).Allowed);

        await ws.Authorization.AssignUserRoleAsync(role.Id, user, ws.Owner, default);
        Assert.Equal(["publish"], await ws.Authorization.GetUserActionsAsync(user, service, default));

        await ws.Directory.RemoveMemberAsync(ws.OwnerActor, user, default);
        Assert.False((await ws.Authorization.CheckActionAsync(user, service, "publish", default)).Allowed);
        Assert.Equal(0, Assert.Single(await ws.Authorization.ListRolesAsync(default)).MemberCount);
        Assert.Equal(AuthorizationError.UserNotMember, (await ws.Authorization.AssignUserRoleAsync(role.Id, user, ws.Owner, default)).Error);
    }

    [Fact]
    public async Task a_removed_sharer_can_no_longer_share()
    {
        var ws = await CreateAsync();
        var admin = await AddMemberAsync(ws, WorkspaceRole.Admin);
        var grantee = await AddMemberAsync(ws, WorkspaceRole.Viewer);
        var (_, permission) = await RegisterAsync(ws, AclVisibility.Private);
        Assert.True((await ws.Authorization.ShareAsync(permission, new Actor(admin, "admin"), GranteeType.User, grantee, AclPermission.View, null, default)).IsOk);

        await ws.Directory.RemoveMemberAsync(ws.OwnerActor, admin, default);

        Assert.Equal(AuthorizationError.NotOwnerOrAdmin,
            (await ws.Authorization.ShareAsync(permission, new Actor(admin, "admin"), GranteeType.User, grantee, AclPermission.Edit, null, default)).Error);
    }

    [Fact]
    public async Task reload_picks_up_acls_written_outside_the_grain_and_the_enriched_view_names_people()
    {
        var ws = await CreateAsync();
        var user = await AddMemberAsync(ws, WorkspaceRole.Viewer);
        var (resource, permission) = await RegisterAsync(ws, AclVisibility.Private);
        await fixture.ScalarAsync("INSERT INTO resource_shares (id, resource_permission_id, grantee_type, grantee_id, permission) VALUES (@id, @p, 'user', @u, 'view')",
            ("id", Guid.NewGuid()), ("p", permission), ("u", user));
        Assert.Equal((false, false), await CheckAsync(ws, new Actor(user, "viewer"), resource));

        await ws.Authorization.ReloadAuthorizationAsync(default);

        Assert.Equal((true, false), await CheckAsync(ws, new Actor(user, "viewer"), resource));
        var enriched = (await ws.Authorization.GetEnrichedResourceAsync(resource, default))!;
        Assert.Equal(new[] { ws.Owner, user }.Order(), enriched.Users.Keys.Order());
        Assert.Equal($"{user:N}@stores.test", enriched.Users[user].Email);
        Assert.Equal(1, (await ws.Authorization.GetFootprintAsync(default)).Resources);
    }

    [Fact]
    public async Task a_share_whose_activity_row_fails_is_rolled_back_and_never_granted()
    {
        var ws = await CreateAsync();
        var user = await AddMemberAsync(ws, WorkspaceRole.Viewer);
        var (resource, permission) = await RegisterAsync(ws, AclVisibility.Private);

        // activity_logs.actor_id references users: an unknown actor fails the row after the share's statement ran.
        await Assert.ThrowsAnyAsync<Exception>(() =>
            ws.Authorization.ShareAsync(permission, null, GranteeType.User, user, AclPermission.View, new Audit("permission_shared", Guid.NewGuid()), default));

        Assert.Equal(0L, await fixture.ScalarAsync("SELECT count(*) FROM resource_shares WHERE resource_permission_id = @id", ("id", permission)));
        // Memory is untrusted after such a failure: a check fails closed until a new activation has reloaded, and
        // then answers from the table. It never grants the rolled-back share.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        (bool, bool)? answer = null;
        while (answer is null && DateTime.UtcNow < deadline)
        {
            try
            {
                answer = await CheckAsync(ws, new Actor(user, "viewer"), resource);
            }
            catch (StorageUnavailableException)
            {
                await Task.Delay(50);
            }
        }
        Assert.Equal((false, false), answer);
    }

    [Fact]
    public async Task a_deleted_workspace_answers_nothing()
    {
        var ws = await CreateAsync();
        var (resource, _) = await RegisterAsync(ws, AclVisibility.Workspace);
        Assert.Equal((true, true), await CheckAsync(ws, ws.OwnerActor, resource));

        Assert.True((await ws.Directory.DeleteAsync(ws.OwnerActor, default)).IsOk);

        Assert.Equal((false, false), await CheckAsync(ws, ws.OwnerActor, resource));
        Assert.Null(await ws.Authorization.GetResourceAsync(resource, default));
        Assert.Equal(AuthorizationError.WorkspaceNotFound, (await ws.Authorization.CreateRoleAsync("r", null, ws.Owner, default)).Error);
    }
}
