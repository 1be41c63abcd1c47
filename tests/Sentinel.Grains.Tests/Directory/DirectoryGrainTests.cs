using Sentinel.Grains.Directory;
using Sentinel.Grains.Tests.Data;
using Xunit;

namespace Sentinel.Grains.Tests.Directory;

/// <summary>The identity resolver and directory query grains with their real stores on the test database.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class DirectoryGrainTests(DatabaseFixture fixture)
{
    [Fact]
    public async Task an_unverified_email_is_refused_before_anything_is_written()
    {
        var identity = new ExternalIdentity("google", Guid.NewGuid().ToString("N"), $"{Guid.NewGuid():N}@idp.test", false, "Unverified", null, null);

        var resolved = await fixture.Grains.GetGrain<IIdentityResolverGrain>(0).ResolveAsync(identity, UnknownIdentityPolicy.Create, false, "user_login", null, default);

        Assert.Equal(IdentityRefusal.EmailNotVerified, resolved.Refusal);
        Assert.Null(await fixture.Grains.GetGrain<IDirectoryQueryGrain>(0).FindUserIdByEmailAsync(identity.Email, default));
    }

    [Fact]
    public async Task a_resolved_identity_is_found_by_the_query_grain_and_the_user_grain()
    {
        var identity = new ExternalIdentity("google", Guid.NewGuid().ToString("N"), $"{Guid.NewGuid():N}@idp.test", true, "Verified", null, null);

        var resolved = await fixture.Grains.GetGrain<IIdentityResolverGrain>(0).ResolveAsync(identity, UnknownIdentityPolicy.Create, false, null, null, default);

        Assert.True(resolved.Created);
        Assert.Equal(resolved.User!.Id, await fixture.Grains.GetGrain<IDirectoryQueryGrain>(0).FindUserIdByEmailAsync(identity.Email, default));
        Assert.Equal(resolved.User, await fixture.Grains.GetGrain<IUserGrain>(resolved.User.Id).GetAsync(default));
    }
}
