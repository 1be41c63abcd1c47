using Npgsql;
using Sentinel.Grains.Health;
using Sentinel.Grains.Tests.Data;
using Xunit;

namespace Sentinel.Grains.Tests.Health;

[Collection(DatabaseCollection.Name)]
public sealed class ReadinessGrainTests(DatabaseFixture fixture)
{
    [Fact]
    public async Task store_ping_answers_on_the_test_database_and_throws_when_it_cannot_connect()
    {
        await fixture.Create<ReadinessStore>().PingAsync(default);

        // Nothing listens on port 1: the driver's exception reaches the caller, which the grain reports as not ready.
        var builder = new NpgsqlConnectionStringBuilder(Sentinel.Testing.TestConnection.ConnectionString()) { Port = 1, Timeout = 2 };
        await using var unreachable = NpgsqlDataSource.Create(builder.ConnectionString);
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => new ReadinessStore(unreachable).PingAsync(default));
    }

    [Fact]
    public async Task grain_reports_ready_with_the_real_store()
    {
        var report = await fixture.Grains.GetGrain<IReadinessGrain>(0).CheckAsync(default);

        Assert.True(report.DatabaseOk);
        Assert.Null(report.Error);
    }
}
