using Sentinel.Grains.Admin;
using Sentinel.Grains.Tests.Data;
using Xunit;

namespace Sentinel.Grains.Tests.Admin;

[Collection(DatabaseCollection.Name)]
public sealed class AdminUserStoreTests(DatabaseFixture fixture)
{
    private readonly AdminUserStore store = fixture.Create<AdminUserStore>();

    [Fact]
    public async Task update_returns_the_flags_before_and_records_the_action()
    {
        var actor = await fixture.InsertUserAsync();
        var user = await fixture.InsertUserAsync(isAdmin: true);

        var before = await store.UpdateAsync(user, new AdminUserUpdate("Renamed", false, null), "user_deactivated", actor, default);

        Assert.Equal((true, true), before);
        Assert.Equal(false, await fixture.ScalarAsync("SELECT is_active FROM users WHERE id = @id", ("id", user)));
        Assert.Equal("Renamed", await fixture.ScalarAsync("SELECT name FROM users WHERE id = @id", ("id", user)));
        var row = Assert.Single(await fixture.ActivityAsync(user));
        Assert.Equal(("user_deactivated", actor), (row.Action, row.ActorId));
    }

    [Fact]
    public async Task update_of_an_unknown_user_returns_null_and_records_nothing()
    {
        var actor = await fixture.InsertUserAsync();
        var unknown = Guid.NewGuid();

        Assert.Null(await store.UpdateAsync(unknown, new AdminUserUpdate(null, null, null), "user_updated", actor, default));
        Assert.Empty(await fixture.ActivityAsync(unknown));
    }

    [Fact]
    public async Task set_active_returns_only_existing_users_and_records_one_bulk_row()
    {
        var actor = await fixture.InsertUserAsync();
        var (a, b) = (await fixture.InsertUserAsync(), await fixture.InsertUserAsync());

        var affected = await store.SetActiveAsync([a, b, Guid.NewGuid()], false, actor, default);

        Assert.Equal(new[] { a, b }.Order(), affected.Order());
        Assert.Equal(false, await fixture.ScalarAsync("SELECT is_active FROM users WHERE id = @id", ("id", b)));
        var count = await fixture.ScalarAsync(
            "SELECT count(*) FROM activity_logs WHERE action = 'bulk_status_change' AND actor_id = @actor AND (detail->>'user_count')::int = 2", ("actor", actor));
        Assert.Equal(1L, count);
    }

    [Fact]
    public async Task recorded_admin_action_keeps_its_json_detail()
    {
        var actor = await fixture.InsertUserAsync();
        var target = Guid.NewGuid();

        await store.RecordAsync("workspace_exported", actor, "workspace", target, """{"rows":3}""", default);

        var row = Assert.Single(await fixture.ActivityAsync(target));
        Assert.Equal(("workspace_exported", "workspace"), (row.Action, row.TargetType));
        Assert.Equal(3, row.Detail!.Value.GetProperty("rows").GetInt32());
    }
}
