using Sentinel.Grains.Cluster;
using Xunit;

namespace Sentinel.Grains.Tests.Cluster;

[Collection(ClusterCollection.Name)]
public sealed class CallRateGrainTests(ClusterFixture fixture)
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    // Production uses key 0; each test takes its own activation.
    private ICallRateGrain Grain() => fixture.Grains.GetGrain<ICallRateGrain>(Random.Shared.NextInt64(1, long.MaxValue));

    [Fact]
    public async Task the_rate_is_the_delta_of_a_silos_last_two_reports_over_their_interval()
    {
        var grain = Grain();
        await grain.ReportAsync("silo-a", 1_000, T0);
        Assert.Empty(await grain.GetRatesAsync());

        await grain.ReportAsync("silo-a", 1_050, T0.AddSeconds(2));
        await grain.ReportAsync("silo-b", 10, T0.AddSeconds(1));
        await grain.ReportAsync("silo-b", 10, T0.AddSeconds(3));
        await grain.ReportAsync("silo-a", 1_150, T0.AddSeconds(4));

        var rates = (await grain.GetRatesAsync()).ToDictionary(r => r.Silo);
        Assert.Equal(50.0, rates["silo-a"].CallsPerSecond, 6);
        Assert.Equal(1_150, rates["silo-a"].TotalCalls);
        Assert.Equal(T0.AddSeconds(4), rates["silo-a"].SampledAt);
        Assert.Equal(0.0, rates["silo-b"].CallsPerSecond, 6);
    }

    [Fact]
    public async Task a_restarted_counter_never_gives_a_negative_rate_and_out_of_order_reports_restart_the_pair()
    {
        var grain = Grain();
        await grain.ReportAsync("silo-a", 500, T0);
        await grain.ReportAsync("silo-a", 20, T0.AddSeconds(2));
        Assert.Equal(0.0, (await grain.GetRatesAsync()).Single().CallsPerSecond, 6);

        await grain.ReportAsync("silo-a", 40, T0.AddSeconds(1));
        Assert.Empty(await grain.GetRatesAsync());
    }

    [Fact]
    public async Task a_silo_that_stops_reporting_is_forgotten_after_a_minute()
    {
        var grain = Grain();
        await grain.ReportAsync("dead", 1, T0);
        await grain.ReportAsync("dead", 3, T0.AddSeconds(2));
        await grain.ReportAsync("alive", 1, T0.AddSeconds(61));
        await grain.ReportAsync("alive", 5, T0.AddSeconds(63));

        var rate = Assert.Single(await grain.GetRatesAsync());
        Assert.Equal("alive", rate.Silo);
        Assert.Equal(2.0, rate.CallsPerSecond, 6);
    }
}
