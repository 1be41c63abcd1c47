using Sentinel.Grains.Authorization;
using Sentinel.Grains.Directory;
using Sentinel.Grains.Tests.Data;
using Xunit;

namespace Sentinel.Grains.Tests.Authorization;

/// <summary>The authorization lookup grain with its real store: it routes an ACL registered by a workspace grain.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class AuthorizationLookupGrainTests(DatabaseFixture fixture)
{
    [Fact]
    public async Task the_lookup_grain_routes_an_acl_to_its_workspace()
    {
        var owner = await fixture.InsertUserAsync();
        var id = Guid.NewGuid();
        Assert.True((await fixture.Grains.GetGrain<IWorkspaceGrain>(id).CreateAsync("WS", $"ws-{Guid.NewGuid():N}", null, owner, default)).IsOk);
        var workspace = fixture.Grains.GetGrain<IWorkspaceAuthorizationGrain>(id);
        var resource = new ResourceRef($"svc-{Guid.NewGuid():N}", "doc", Guid.NewGuid());
        var permission = (await workspace.RegisterResourceAsync(resource, owner, AclVisibility.Private, null, default)).Value!.Id;
        var lookup = fixture.Grains.GetGrain<IAuthorizationLookupGrain>(0);

        Assert.Equal(new ResourceLocation(permission, id, resource.ServiceName), await lookup.FindResourceAsync(resource, default));
        Assert.Equal(id, (await lookup.FindPermissionAsync(permission, default))!.WorkspaceId);
        Assert.Null(await lookup.FindPermissionAsync(Guid.NewGuid(), default));
        var origin = $"https://{Guid.NewGuid():N}.lookup.test";
        var app = await AuthorizationLookupStoreTests.InsertServiceAppAsync(fixture, [origin]);
        Assert.Equal(app, (await lookup.FindServiceByOriginAsync(origin, default))!.AppId);
        Assert.True(await lookup.IsAllowedRedirectOriginAsync(origin, default));
    }
}
