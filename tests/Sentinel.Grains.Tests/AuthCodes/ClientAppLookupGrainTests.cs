using Sentinel.Grains.AuthCodes;
using Sentinel.Grains.ClientApps;
using Sentinel.Grains.Tests.Data;
using Xunit;

namespace Sentinel.Grains.Tests.AuthCodes;

/// <summary>The lookup grain with the real client app store on the test database.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class ClientAppLookupGrainTests(DatabaseFixture fixture)
{
    [Fact]
    public async Task an_app_deactivated_a_moment_ago_no_longer_matches()
    {
        var uri = $"https://lookup-{Guid.NewGuid():N}.example/cb";
        var id = Guid.NewGuid();
        var app = fixture.Grains.GetGrain<IClientAppGrain>(id);
        await app.CreateAsync("Lookup", [uri], null, default);
        var lookup = fixture.Grains.GetGrain<IClientAppLookupGrain>(0);

        Assert.Equal(new ClientAppRef(id, "Lookup"), await lookup.FindActiveForRedirectAsync(uri, null, default));
        await app.UpdateAsync(null, null, false, false, null, default);
        Assert.Null(await lookup.FindActiveForRedirectAsync(uri, null, default));
    }
}
