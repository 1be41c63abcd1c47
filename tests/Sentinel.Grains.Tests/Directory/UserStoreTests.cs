using Sentinel.Grains.Directory;
using Sentinel.Grains.Tests.Data;
using Xunit;

namespace Sentinel.Grains.Tests.Directory;

[Collection(DatabaseCollection.Name)]
public sealed class UserStoreTests(DatabaseFixture fixture)
{
    private readonly UserStore store = fixture.Create<UserStore>();

    private static string Email() => $"{Guid.NewGuid():N}@users.test";

    [Fact]
    public async Task create_writes_the_row_and_user_created()
    {
        var (id, email) = (Guid.NewGuid(), Email());

        var user = await store.CreateAsync(id, email, "New", "https://a.example/p.png", true, default);

        Assert.Equal((id, email, "New", "https://a.example/p.png", true, true), (user!.Id, user.Email, user.Name, user.AvatarUrl, user.IsAdmin, user.IsActive));
        Assert.Equal(user, await store.GetAsync(id, default));
        var row = Assert.Single(await fixture.ActivityAsync(id));
        Assert.Equal(("user_created", (Guid?)null), (row.Action, row.ActorId));
    }

    [Fact]
    public async Task a_taken_email_in_any_case_returns_null_and_records_nothing()
    {
        var email = Email();
        await store.CreateAsync(Guid.NewGuid(), email, "First", null, false, default);
        var second = Guid.NewGuid();

        Assert.Null(await store.CreateAsync(second, email.ToUpperInvariant(), "Second", null, false, default));
        Assert.Null(await store.GetAsync(second, default));
        Assert.Empty(await fixture.ActivityAsync(second));
    }

    [Fact]
    public async Task profile_update_keeps_fields_not_given_and_records_nothing()
    {
        var id = Guid.NewGuid();
        await store.CreateAsync(id, Email(), "Before", "https://a.example/p.png", false, default);

        var updated = await store.UpdateProfileAsync(id, "After", null, default);

        Assert.Equal(("After", "https://a.example/p.png"), (updated!.Name, updated.AvatarUrl));
        Assert.Single(await fixture.ActivityAsync(id));
        Assert.Null(await store.UpdateProfileAsync(Guid.NewGuid(), "x", null, default));
    }

    [Fact]
    public async Task set_admin_records_promotion_and_demotion()
    {
        var id = Guid.NewGuid();
        var actor = await fixture.InsertUserAsync();
        await store.CreateAsync(id, Email(), "Admin", null, false, default);

        Assert.True((await store.SetAdminAsync(id, true, actor, default))!.IsAdmin);
        Assert.False((await store.SetAdminAsync(id, false, actor, default))!.IsAdmin);
        Assert.Null(await store.SetAdminAsync(Guid.NewGuid(), true, actor, default));

        var rows = await fixture.ActivityAsync(id);
        Assert.Equal(["user_created", "user_promoted_admin", "user_demoted_admin"], rows.Select(r => r.Action));
        Assert.Equal(actor, rows[1].ActorId);
    }
}
