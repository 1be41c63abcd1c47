using Sentinel.Grains.Authorization;
using Sentinel.Grains.Directory;
using Sentinel.Grains.Tests.Data;
using Xunit;

namespace Sentinel.Grains.Tests.Authorization;

/// <summary>
/// The service-action registry with its real store: a deletion that cuts across workspaces is in those workspaces'
/// answers when it returns.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class ServiceActionRegistryGrainTests(DatabaseFixture fixture)
{
    private IServiceActionRegistryGrain Registry => fixture.Grains.GetGrain<IServiceActionRegistryGrain>(0);

    private async Task<(IWorkspaceAuthorizationGrain Grain, Guid Id, Guid Owner)> CreateWorkspaceAsync()
    {
        var owner = await fixture.InsertUserAsync();
        var id = Guid.NewGuid();
        Assert.True((await fixture.Grains.GetGrain<IWorkspaceGrain>(id).CreateAsync("WS", $"ws-{Guid.NewGuid():N}", null, owner, default)).IsOk);
        return (fixture.Grains.GetGrain<IWorkspaceAuthorizationGrain>(id), id, owner);
    }

    [Fact]
    public async Task registration_lists_existing_actions_first_then_new_ones_in_request_order_and_refuses_duplicates()
    {
        var service = $"svc-{Guid.NewGuid():N}";
        await Registry.RegisterAsync(service, [new("b", null), new("d", null)], default);

        var again = await Registry.RegisterAsync(service, [new("c", null), new("d", null), new("a", null), new("b", null)], default);

        Assert.Equal(["d", "b", "c", "a"], again.Value!.Select(a => a.Action));
        var duplicate = await Registry.RegisterAsync(service, [new("x", null), new("x", null)], default);
        Assert.Equal((AuthorizationError.DuplicateAction, "x"), (duplicate.Error!.Value, duplicate.Detail));
        Assert.Equal(["a", "b", "c", "d"], (await Registry.ListAsync(service, default)).Select(a => a.Action));
    }

    [Fact]
    public async Task a_deleted_action_is_no_longer_granted_when_the_delete_returns()
    {
        var (workspace, _, owner) = await CreateWorkspaceAsync();
        var service = $"svc-{Guid.NewGuid():N}";
        var action = (await Registry.RegisterAsync(service, [new("publish", null)], default)).Value![0];
        var role = (await workspace.CreateRoleAsync("publishers", null, owner, default)).Value!;
        await workspace.AddRoleActionsAsync(role.Id, [action.Id], owner, default);
        await workspace.AssignUserRoleAsync(role.Id, owner, owner, default);
        Assert.True((await workspace.CheckActionAsync(owner, service, "publish", default)).Allowed);

        Assert.True(await Registry.DeleteAsync(action.Id, new Audit("service_action_deleted", owner), default));

        Assert.False((await workspace.CheckActionAsync(owner, service, "publish", default)).Allowed);
        Assert.Equal(0, Assert.Single(await workspace.ListRolesAsync(default)).ActionCount);
        Assert.False(await Registry.DeleteAsync(action.Id, null, default));
    }

    [Fact]
    public async Task a_purged_service_has_no_acls_in_any_workspace_when_the_purge_returns()
    {
        var service = $"svc-{Guid.NewGuid():N}";
        var resources = new List<(IWorkspaceAuthorizationGrain Grain, ResourceRef Resource)>();
        for (var i = 0; i < 2; i++)
        {
            var (workspace, _, owner) = await CreateWorkspaceAsync();
            var resource = new ResourceRef(service, "doc", Guid.NewGuid());
            Assert.True((await workspace.RegisterResourceAsync(resource, owner, AclVisibility.Workspace, null, default)).IsOk);
            resources.Add((workspace, resource));
        }

        Assert.Equal(2, await Registry.PurgeServicePermissionsAsync(service, null, default));

        foreach (var (workspace, resource) in resources)
            Assert.Null(await workspace.GetResourceAsync(resource, default));
    }
}
