using Sentinel.Grains.Directory;
using Sentinel.Grains.Tests.Data;
using Xunit;

namespace Sentinel.Grains.Tests.Directory;

/// <summary>The user grain with its real store on the test database.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class UserGrainTests(DatabaseFixture fixture)
{
    [Fact]
    public async Task a_taken_email_is_refused_with_email_taken()
    {
        var email = $"{Guid.NewGuid():N}@grain.test";
        Assert.True((await fixture.Grains.GetGrain<IUserGrain>(Guid.NewGuid()).CreateAsync(email, "First", null, false, default)).IsOk);

        var second = await fixture.Grains.GetGrain<IUserGrain>(Guid.NewGuid()).CreateAsync(email, "Second", null, false, default);

        Assert.Equal(DirectoryError.EmailTaken, second.Error);
        Assert.Null(second.Value);
    }

    [Fact]
    public async Task a_missing_user_is_not_cached()
    {
        var id = Guid.NewGuid();
        var grain = fixture.Grains.GetGrain<IUserGrain>(id);
        Assert.Null(await grain.GetAsync(default));

        // Created through another path (sign-in writes the row itself).
        await fixture.ScalarAsync("INSERT INTO users (id, email, name) VALUES (@id, @email, 'Later')", ("id", id), ("email", $"{id:N}@grain.test"));

        Assert.Equal("Later", (await grain.GetAsync(default))!.Name);
    }

    [Fact]
    public async Task reload_picks_up_a_change_made_in_the_table()
    {
        var id = Guid.NewGuid();
        var grain = fixture.Grains.GetGrain<IUserGrain>(id);
        await grain.CreateAsync($"{id:N}@grain.test", "Cached", null, false, default);
        await fixture.ScalarAsync("UPDATE users SET is_active = false WHERE id = @id", ("id", id));

        Assert.True((await grain.GetAsync(default))!.IsActive);
        Assert.False((await grain.ReloadAsync(default))!.IsActive);
    }

    [Fact]
    public async Task set_admin_and_profile_update_return_the_new_row_or_null_when_unknown()
    {
        var id = Guid.NewGuid();
        var grain = fixture.Grains.GetGrain<IUserGrain>(id);
        await grain.CreateAsync($"{id:N}@grain.test", "Name", null, false, default);

        Assert.True((await grain.SetAdminAsync(true, null, default))!.IsAdmin);
        Assert.Equal("Renamed", (await grain.UpdateProfileAsync("Renamed", null, default))!.Name);
        Assert.True((await grain.GetAsync(default))!.IsAdmin);
        Assert.Null(await fixture.Grains.GetGrain<IUserGrain>(Guid.NewGuid()).SetAdminAsync(true, null, default));
    }
}
