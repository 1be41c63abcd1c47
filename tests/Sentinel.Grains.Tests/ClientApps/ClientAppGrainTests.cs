using Sentinel.Grains.ClientApps;
using Sentinel.Grains.Tests.Data;
using Xunit;

namespace Sentinel.Grains.Tests.ClientApps;

/// <summary>The client app grain with its real store on the test database.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class ClientAppGrainTests(DatabaseFixture fixture)
{
    [Fact]
    public async Task create_get_update_delete_through_the_grain()
    {
        var id = Guid.NewGuid();
        var grain = fixture.Grains.GetGrain<IClientAppGrain>(id);

        var created = await grain.CreateAsync("Grain app", ["https://grain.example/cb"], null, default);
        var updated = await grain.UpdateAsync("Grain app 2", null, null, revokeSessions: true, null, default);
        var read = await grain.GetAsync(default);
        var deleted = await grain.DeleteAsync(null, default);

        Assert.Equal(id, created!.Id);
        Assert.Equal(("Grain app 2", 0), (updated!.App.Name, updated.TokensRevoked));
        Assert.Equivalent(updated.App, read, strict: true);
        Assert.True(deleted);
        Assert.Null(await grain.GetAsync(default));
        var rows = await fixture.ActivityAsync(id);
        Assert.Equal(["client_app_created", "client_app_updated", "client_app_deleted"], rows.Select(r => r.Action));
        Assert.Equal(0, rows[1].Detail!.Value.GetProperty("tokens_revoked").GetInt32());
    }

    [Fact]
    public async Task a_second_create_under_the_same_id_is_refused_with_null()
    {
        var grain = fixture.Grains.GetGrain<IClientAppGrain>(Guid.NewGuid());
        await grain.CreateAsync("Once", [], null, default);

        Assert.Null(await grain.CreateAsync("Twice", [], null, default));
        Assert.Equal("Once", (await grain.GetAsync(default))!.Name);
    }

    [Fact]
    public async Task update_and_delete_of_an_unknown_app_are_refused_and_record_nothing()
    {
        var id = Guid.NewGuid();
        var grain = fixture.Grains.GetGrain<IClientAppGrain>(id);

        Assert.Null(await grain.UpdateAsync("x", null, null, false, null, default));
        Assert.False(await grain.DeleteAsync(null, default));
        Assert.Empty(await fixture.ActivityAsync(id));
    }
}
