using Sentinel.Grains.Authorization;
using Sentinel.Grains.Directory;
using Sentinel.Web.Tests.Authorization;
using Xunit;

namespace Sentinel.Web.Tests.Admin;

/// <summary><see cref="Actor.Admin"/> on the workspace grain (real PostgreSQL): owner rights without membership, the workspace's rules kept.</summary>
[Collection(WebCollection.Name)]
public sealed class AdminActorTests(SentinelWebApplication app)
{
    private readonly ServiceScenario svc = new(app);
    private readonly AdminDirectoryScenario a = new(app);

    /// <summary>A real admin user: activity rows reference their actor.</summary>
    private async Task<Actor> AdminActorAsync() => Actor.Admin((await a.AdminAsync()).User.Id);

    [Fact]
    public async Task a_platform_admin_acts_as_an_owner_without_being_a_member()
    {
        var ws = await svc.WorkspaceAsync();
        var admin = await AdminActorAsync();
        var grain = svc.Workspace(ws.Id);

        var promoted = await grain.ChangeRoleAsync(admin, ws.Viewer.Id, WorkspaceRole.Owner);
        Assert.True(promoted.IsOk, promoted.Error.ToString());
        var demoted = await grain.ChangeRoleAsync(admin, ws.Owner.Id, WorkspaceRole.Editor);
        Assert.True(demoted.IsOk, demoted.Error.ToString());
        Assert.True((await grain.RemoveMemberAsync(admin, ws.Admin.Id)).IsOk);
        Assert.Null(await grain.GetRoleAsync(admin.UserId));
    }

    [Fact]
    public async Task the_last_owner_rules_still_hold_for_a_platform_admin()
    {
        var ws = await svc.WorkspaceAsync();
        var admin = await AdminActorAsync();
        Assert.Equal(DirectoryError.LastOwnerDemote, (await svc.Workspace(ws.Id).ChangeRoleAsync(admin, ws.Owner.Id, WorkspaceRole.Admin)).Error);
        Assert.Equal(DirectoryError.LastOwnerRemove, (await svc.Workspace(ws.Id).RemoveMemberAsync(admin, ws.Owner.Id)).Error);
    }

    [Fact]
    public async Task the_admin_flag_grants_nothing_in_permission_checks_and_a_bearer_owner_role_needs_membership()
    {
        var service = await svc.ServiceAsync();
        var ws = await svc.WorkspaceAsync();
        var resource = new ResourceRef(service.Name, "doc", Guid.NewGuid());
        await svc.Authorization(ws.Id).RegisterResourceAsync(resource, ws.Owner.Id, AclVisibility.Private);
        var outsider = Guid.NewGuid();

        Assert.Equal([false], await svc.Authorization(ws.Id).CheckPermissionsAsync(Actor.Admin(outsider), [new AclCheck(resource, AclPermission.View)]));
        Assert.Equal(DirectoryError.NotWorkspaceMember, (await svc.Workspace(ws.Id).ChangeRoleAsync(new Actor(outsider, "owner"), ws.Viewer.Id, WorkspaceRole.Admin)).Error);
    }
}
