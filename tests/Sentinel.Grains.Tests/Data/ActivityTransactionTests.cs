using Npgsql;
using Sentinel.Grains.Data;
using Xunit;

namespace Sentinel.Grains.Tests.Data;

[Collection(DatabaseCollection.Name)]
public sealed class ActivityTransactionTests(DatabaseFixture fixture)
{
    private static Func<NpgsqlConnection, NpgsqlTransaction, Task<string?>> InsertApp(Guid id, bool refuse) => async (connection, tx) =>
    {
        await using var cmd = new NpgsqlCommand("INSERT INTO client_apps (id, name) VALUES (@id, 'tx-test') RETURNING name", connection, tx);
        cmd.Parameters.AddWithValue("id", id);
        var name = (string?)await cmd.ExecuteScalarAsync();
        return refuse ? null : name;
    };

    private Task<object?> AppCount(Guid id) => fixture.ScalarAsync("SELECT count(*) FROM client_apps WHERE id = @id", ("id", id));

    [Fact]
    public async Task change_and_its_activity_row_commit_together()
    {
        var id = Guid.NewGuid();

        var result = await fixture.Database.WriteWithActivityAsync(InsertApp(id, refuse: false),
            name => new ActivityRow("tx_test", null, "client_app", id, null, new { name }), default);

        Assert.Equal("tx-test", result);
        Assert.Equal(1L, await AppCount(id));
        var row = Assert.Single(await fixture.ActivityAsync(id));
        Assert.Equal("tx_test", row.Action);
        Assert.Equal("tx-test", row.Detail!.Value.GetProperty("name").GetString());
    }

    [Fact]
    public async Task refused_change_is_rolled_back_and_records_nothing()
    {
        var id = Guid.NewGuid();

        var result = await fixture.Database.WriteWithActivityAsync(InsertApp(id, refuse: true),
            name => name is null ? null : new ActivityRow("tx_test", null, "client_app", id), default);

        Assert.Null(result);
        Assert.Equal(0L, await AppCount(id));
        Assert.Empty(await fixture.ActivityAsync(id));
    }

    [Fact]
    public async Task failed_activity_row_rolls_the_change_back()
    {
        var id = Guid.NewGuid();

        // actor_id references users: an unknown actor makes the activity insert fail after the change ran.
        await Assert.ThrowsAsync<PostgresException>(() => fixture.Database.WriteWithActivityAsync(InsertApp(id, refuse: false),
            _ => new ActivityRow("tx_test", Guid.NewGuid(), "client_app", id), default));

        Assert.Equal(0L, await AppCount(id));
    }

    [Fact]
    public async Task recorded_activity_stands_on_its_own()
    {
        var actor = await fixture.InsertUserAsync();
        var target = Guid.NewGuid();

        await fixture.Database.RecordActivityAsync(new ActivityRow("tx_recorded", actor, "user", target, null, new { n = 1 }), default);

        var row = Assert.Single(await fixture.ActivityAsync(target));
        Assert.Equal(("tx_recorded", actor, "user"), (row.Action, row.ActorId, row.TargetType));
        Assert.Equal(1, row.Detail!.Value.GetProperty("n").GetInt32());
    }
}
