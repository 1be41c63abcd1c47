using Sentinel.Grains.ClientApps;
using Sentinel.Grains.Cors;
using Sentinel.Grains.Tests.Data;
using Xunit;

namespace Sentinel.Grains.Tests.Cors;

[Collection(DatabaseCollection.Name)]
public sealed class CorsOriginsGrainTests(DatabaseFixture fixture)
{
    private async Task InsertServiceAppAsync(bool active, params string[] origins)
    {
        var id = Guid.NewGuid();
        await fixture.ScalarAsync(
            "INSERT INTO service_apps (id, name, service_name, key_hash, key_prefix, allowed_origins, is_active) VALUES (@id, 'cors', @svc, @hash, 'sk_test', @origins, @active)",
            ("id", id), ("svc", $"cors-{id:N}"), ("hash", id.ToString("N") + id.ToString("N")), ("origins", origins), ("active", active));
    }

    [Fact]
    public async Task store_lists_active_apps_origins_without_the_opaque_null()
    {
        var tag = Guid.NewGuid().ToString("N");
        await fixture.Create<ClientAppStore>().CreateAsync(Guid.NewGuid(), "cors", [$"https://client-{tag}.example/cb?x=1"], null, default);
        await fixture.Create<ClientAppStore>().UpdateAsync(
            (await fixture.Create<ClientAppStore>().CreateAsync(Guid.NewGuid(), "off", [$"https://inactive-{tag}.example/cb"], null, default))!.Id, null, null, false, false, default);
        await InsertServiceAppAsync(true, $"https://service-{tag}.example", "null", " NULL ");
        await InsertServiceAppAsync(false, $"https://inactive-service-{tag}.example");

        var origins = await fixture.Create<CorsOriginStore>().ListAllowedOriginsAsync(default);

        Assert.Contains($"https://client-{tag}.example", origins);
        Assert.Contains($"https://service-{tag}.example", origins);
        Assert.DoesNotContain($"https://inactive-{tag}.example", origins);
        Assert.DoesNotContain($"https://inactive-service-{tag}.example", origins);
        Assert.DoesNotContain(origins, o => o.Trim().Equals("null", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task invalidate_reads_a_new_apps_origin_at_once()
    {
        var tag = Guid.NewGuid().ToString("N");
        var grain = fixture.Grains.GetGrain<ICorsOriginsGrain>(0);
        var before = await grain.InvalidateAsync(default);

        await fixture.Grains.GetGrain<IClientAppGrain>(Guid.NewGuid()).CreateAsync("cors", [$"https://new-{tag}.example/cb"], null, default);
        var unchanged = await grain.GetIfChangedAsync(before.Version, default);
        var after = await grain.InvalidateAsync(default);

        Assert.Null(unchanged);
        Assert.Contains($"https://new-{tag}.example", after.Origins);
        Assert.NotEqual(before.Version, after.Version);
    }
}
