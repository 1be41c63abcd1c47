using Sentinel.Grains.ServiceApps;
using Sentinel.Grains.Tests.Data;
using Xunit;

namespace Sentinel.Grains.Tests.ServiceApps;

/// <summary>The service app and service key grains with their real store on the test database.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class ServiceAppGrainTests(DatabaseFixture fixture)
{
    private async Task<(IServiceAppGrain Grain, ServiceAppWithKey Created)> CreateAsync()
    {
        var grain = fixture.Grains.GetGrain<IServiceAppGrain>(Guid.NewGuid());
        var created = await grain.CreateAsync("svc", $"svc-{Guid.NewGuid():N}", [], [], null, default);
        Assert.True(created.IsOk);
        return (grain, created.Value!);
    }

    private Task<ServiceKeyIdentity?> ResolveAsync(string key) =>
        fixture.Grains.GetGrain<IServiceKeyGrain>(ServiceKeys.Hash(key)).ResolveAsync(default);

    [Fact]
    public async Task a_taken_service_name_is_refused_with_service_name_taken()
    {
        var (_, first) = await CreateAsync();

        var second = await fixture.Grains.GetGrain<IServiceAppGrain>(Guid.NewGuid()).CreateAsync("again", first.App.ServiceName, [], [], null, default);

        Assert.Equal(ServiceAppError.ServiceNameTaken, second.Error);
    }

    [Fact]
    public async Task a_new_key_resolves_and_a_rotated_one_dies_at_once()
    {
        var (grain, created) = await CreateAsync();
        Assert.Equal(created.App.Id, (await ResolveAsync(created.ApiKey))!.AppId);

        var rotated = await grain.RotateKeyAsync(null, default);

        Assert.True(rotated.IsOk);
        Assert.NotEqual(created.ApiKey, rotated.Value!.ApiKey);
        Assert.Null(await ResolveAsync(created.ApiKey));
        Assert.Equal(created.App.Id, (await ResolveAsync(rotated.Value.ApiKey))!.AppId);
    }

    [Fact]
    public async Task deactivating_an_app_stops_its_key()
    {
        var (grain, created) = await CreateAsync();
        Assert.NotNull(await ResolveAsync(created.ApiKey));

        var updated = await grain.UpdateAsync(null, false, null, null, null, default);

        Assert.False(updated.Value!.IsActive);
        Assert.Null(await ResolveAsync(created.ApiKey));
    }

    [Fact]
    public async Task deleting_an_app_stops_its_key_and_a_second_delete_is_not_found()
    {
        var (grain, created) = await CreateAsync();
        Assert.NotNull(await ResolveAsync(created.ApiKey));

        Assert.True((await grain.DeleteAsync(null, default)).IsOk);

        Assert.Null(await ResolveAsync(created.ApiKey));
        Assert.Null(await grain.GetAsync(default));
        Assert.Equal(ServiceAppError.NotFound, (await grain.DeleteAsync(null, default)).Error);
        Assert.Equal(ServiceAppError.NotFound, (await grain.RotateKeyAsync(null, default)).Error);
        Assert.Equal(ServiceAppError.NotFound, (await grain.UpdateAsync("x", null, null, null, null, default)).Error);
    }
}
