using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;
using Sentinel.Grains.RateLimiting;
using Sentinel.Grains.Storage;
using Xunit;

namespace Sentinel.Grains.Tests.RateLimiting;

[Collection(ClusterCollection.Name)]
public sealed class RateLimitGrainTests(ClusterFixture fixture)
{
    // Minute tiers count in 2 s sub-windows; tests start 1 s into one (see AlignAsync), so a request made now leaves the
    // window 61 s later: one period plus the part of its sub-window still ahead.
    private static readonly RateLimitRule TenPerMinute = new(10, RateLimitUnit.Minute);
    private static readonly RateLimitRule SixtyPerMinute = new(60, RateLimitUnit.Minute);
    private static readonly TimeSpan Leaves = TimeSpan.FromSeconds(61);

    private static void Advance(TimeSpan by) => ClusterFixture.Time.Advance(by);

    /// <summary>Moves the shared fake clock to 1 s into a 2 s sub-window, so waits below are exact.</summary>
    private static void Align()
    {
        var width = TenPerMinute.SubWindowTicks;
        var now = ClusterFixture.Time.GetUtcNow().UtcTicks;
        Advance(TimeSpan.FromTicks((now / width + 1) * width - now + width / 2));
    }

    private static string NewIp() => $"ip:198.18.{Random.Shared.Next(256)}.{Random.Shared.Next(256)}-{Guid.NewGuid():N}";

    private IRateLimitGrain Grain(string key) => fixture.Grains.GetGrain<IRateLimitGrain>(key);

    private static RateLimitRequest One(string name, RateLimitRule rule) => new([new RateLimitBucket(name, rule)]);

    private async Task<int> AdmittedOf(IRateLimitGrain grain, RateLimitRequest request, int attempts)
    {
        var admitted = 0;
        for (var i = 0; i < attempts; i++)
            if (await grain.CheckAsync(request) is RateLimitDecision.Allowed) admitted++;
        return admitted;
    }

    private async Task<bool> HasStoredStateAsync(string key)
    {
        var silo = (InProcessSiloHandle)fixture.Cluster.Primary!;
        var storage = silo.SiloHost.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.RateLimits);
        var state = new GrainState<RateLimitState>();
        // IP principals are stored in their shard's row, under "principal\u001fbucket" (see RateLimitKeys.GrainFor).
        var grainKey = RateLimitKeys.GrainFor(key);
        await storage.ReadStateAsync(RateLimitJanitor.StateName, Grain(grainKey).GetGrainId(), state);
        if (!state.RecordExists || state.State?.Windows is not { } windows) return false;
        return grainKey == key ? windows.Count > 0 : windows.Keys.Any(name => name.StartsWith(key + "\u001f", StringComparison.Ordinal));
    }

    private Task DeactivateIdleGrainsAsync() => fixture.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

    [Fact]
    public async Task from_idle_n_requests_are_admitted_back_to_back_then_refused_until_they_leave_the_window()
    {
        // The reported case: 10/minute admitted [302, 302, 429] under GCRA's burst of ⌈N/5⌉.
        Align();
        var grain = Grain(NewIp());
        var request = One("auth:/auth/login/dex", TenPerMinute);

        Assert.Equal(10, await AdmittedOf(grain, request, 10));
        var refused = Assert.IsType<RateLimitDecision.Limited>(await grain.CheckAsync(request));
        Assert.Equal(Leaves, refused.RetryAfter);
    }

    [Fact]
    public async Task the_window_slides_each_sub_window_leaves_a_period_after_it_ends()
    {
        Align();
        var grain = Grain(NewIp());
        var request = One("default:/x", TenPerMinute);
        Assert.Equal(5, await AdmittedOf(grain, request, 5));
        Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(5, await AdmittedOf(grain, request, 8));

        Advance(Leaves - TimeSpan.FromSeconds(30) - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, await AdmittedOf(grain, request, 3));
        Advance(TimeSpan.FromMilliseconds(1));
        // The first five left; the second five are still counted, until 30 s later.
        Assert.Equal(5, await AdmittedOf(grain, request, 5));
        var refused = Assert.IsType<RateLimitDecision.Limited>(await grain.CheckAsync(request));
        Assert.Equal(TimeSpan.FromSeconds(30), refused.RetryAfter);
    }

    [Fact]
    public async Task retry_after_is_exactly_the_time_until_the_next_request_is_admitted()
    {
        Align();
        var grain = Grain(NewIp());
        var request = One("default:/x", TenPerMinute);
        await AdmittedOf(grain, request, 10);

        Advance(TimeSpan.FromSeconds(1.5));
        var refused = Assert.IsType<RateLimitDecision.Limited>(await grain.CheckAsync(request));
        Assert.Equal(Leaves - TimeSpan.FromSeconds(1.5), refused.RetryAfter);
        Assert.Equal(refused.RetryAfter, refused.Buckets[0].Wait);

        Advance(refused.RetryAfter - TimeSpan.FromMilliseconds(1));
        Assert.IsType<RateLimitDecision.Limited>(await grain.CheckAsync(request));
        Advance(TimeSpan.FromMilliseconds(1));
        Assert.IsType<RateLimitDecision.Allowed>(await grain.CheckAsync(request));
    }

    [Fact]
    public async Task no_window_of_one_period_admits_more_than_n_even_across_window_edges()
    {
        // A client that knows fixed windows: idle, then hammering at the end of one minute and the start of the next.
        var grain = Grain(NewIp());
        var request = One("default:/x", SixtyPerMinute);
        var admittedAt = new List<DateTimeOffset>();
        Advance(TimeSpan.FromSeconds(59));
        for (var tick = 0; tick < 600; tick++) // 2 minutes in steps of 200 ms, 5 attempts each
        {
            for (var i = 0; i < 5; i++)
                if (await grain.CheckAsync(request) is RateLimitDecision.Allowed) admittedAt.Add(ClusterFixture.Time.GetUtcNow());
            Advance(TimeSpan.FromMilliseconds(200));
        }

        var most = admittedAt.Select(start => admittedAt.Count(t => t >= start && t < start.AddMinutes(1))).Max();
        Assert.Equal(60, most);
    }

    [Fact]
    public async Task across_random_arrivals_through_the_grain_n_pass_from_idle_and_no_period_admits_more_than_n()
    {
        var period = TenPerMinute.Period;
        for (var seed = 0; seed < 12; seed++)
        {
            var random = new Random(seed);
            var grain = Grain(NewIp());
            var request = One("auth:/auth/login/dex", TenPerMinute);
            Assert.Equal(10, await AdmittedOf(grain, request, 10)); // from idle, whatever the clock's phase
            var admittedAt = Enumerable.Repeat(ClusterFixture.Time.GetUtcNow(), 10).ToList();
            for (var i = 0; i < 150; i++)
            {
                // Gaps from nothing to 12 s: bursts, the rate, and slower, in random order.
                Advance(TimeSpan.FromMilliseconds(random.Next(4) == 0 ? 0 : random.Next(12_000)));
                if (await grain.CheckAsync(request) is RateLimitDecision.Allowed) admittedAt.Add(ClusterFixture.Time.GetUtcNow());
            }

            for (var i = 0; i + 10 < admittedAt.Count; i++)
                Assert.True(admittedAt[i + 10] - admittedAt[i] >= period, $"seed {seed}: 11 admitted within {admittedAt[i + 10] - admittedAt[i]}");
            Advance(period + TimeSpan.FromSeconds(2));
        }
    }

    [Fact]
    public async Task a_refused_request_consumes_nothing()
    {
        Align();
        var grain = Grain(NewIp());
        var request = One("default:/x", TenPerMinute);
        await AdmittedOf(grain, request, 10);
        Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(0, await AdmittedOf(grain, request, 50));

        // Had the refusals counted, they would hold the window for another 30 s.
        Advance(Leaves - TimeSpan.FromSeconds(30));
        Assert.Equal(10, await AdmittedOf(grain, request, 10));
    }

    [Fact]
    public async Task a_request_is_admitted_only_when_every_bucket_conforms_and_then_counts_in_each()
    {
        Align();
        var grain = Grain(NewIp());
        var tight = new RateLimitBucket("auth:/auth/token", new RateLimitRule(5, RateLimitUnit.Minute));
        var loose = new RateLimitBucket("aggregate", SixtyPerMinute);
        var both = new RateLimitRequest([loose, tight]);

        var first = Assert.IsType<RateLimitDecision.Allowed>(await grain.CheckAsync(both));
        Assert.Equal([59, 4], first.Buckets.Select(b => b.Remaining));
        Assert.Equal(4, await AdmittedOf(grain, both, 4));
        var refused = Assert.IsType<RateLimitDecision.Limited>(await grain.CheckAsync(both));
        Assert.Equal(Leaves, refused.RetryAfter);
        Assert.Equal([55, 0], refused.Buckets.Select(b => b.Remaining));

        // The aggregate alone was not charged by the refusal.
        var aggregateOnly = Assert.IsType<RateLimitDecision.Allowed>(await grain.CheckAsync(new RateLimitRequest([loose])));
        Assert.Equal(54, aggregateOnly.Buckets[0].Remaining);
    }

    [Fact]
    public async Task remaining_and_reset_describe_the_bucket()
    {
        Align();
        var grain = Grain(NewIp());
        var request = One("default:/x", SixtyPerMinute);
        var first = await grain.CheckAsync(request);
        Assert.Equal(new RateLimitBucketState(59, Leaves, TimeSpan.Zero), first.Buckets[0]);
        await AdmittedOf(grain, request, 59);
        Advance(TimeSpan.FromSeconds(10));
        var refused = await grain.CheckAsync(request);
        Assert.Equal(new RateLimitBucketState(0, Leaves - TimeSpan.FromSeconds(10), Leaves - TimeSpan.FromSeconds(10)), refused.Buckets[0]);
    }

    [Fact]
    public async Task a_chained_request_counts_in_both_principals()
    {
        var ip = NewIp();
        var user = RateLimitKeys.ForUser(Guid.NewGuid());
        var aggregate = new RateLimitBucket("aggregate", SixtyPerMinute);
        var request = new RateLimitRequest([new RateLimitBucket("read", TenPerMinute)], ip, [aggregate]);

        var decision = Assert.IsType<RateLimitDecision.Allowed>(await Grain(user).CheckAsync(request));
        Assert.Equal([9, 59], decision.Buckets.Select(b => b.Remaining));
        var ipAlone = await Grain(ip).CheckAsync(new RateLimitRequest([aggregate]));
        Assert.Equal(58, ipAlone.Buckets[0].Remaining);
    }

    [Fact]
    public async Task a_chained_refusal_refuses_the_request_and_leaves_the_own_bucket_untouched()
    {
        Align();
        var ip = NewIp();
        var user = RateLimitKeys.ForUser(Guid.NewGuid());
        var aggregate = new RateLimitBucket("aggregate", new RateLimitRule(5, RateLimitUnit.Minute));
        Assert.Equal(5, await AdmittedOf(Grain(ip), new RateLimitRequest([aggregate]), 5));

        var request = new RateLimitRequest([new RateLimitBucket("read", TenPerMinute)], ip, [aggregate]);
        var refused = Assert.IsType<RateLimitDecision.Limited>(await Grain(user).CheckAsync(request));
        Assert.Equal(Leaves, refused.RetryAfter);
        Assert.Equal(10, refused.Buckets[0].Remaining);

        // The user's bucket still holds all ten for requests from another address.
        var elsewhere = new RateLimitRequest([new RateLimitBucket("read", TenPerMinute)], NewIp(), [new RateLimitBucket("aggregate", SixtyPerMinute)]);
        Assert.Equal(10, await AdmittedOf(Grain(user), elsewhere, 11));
    }

    [Fact]
    public async Task buckets_holding_less_than_the_threshold_worth_of_their_rate_are_never_stored()
    {
        var key = NewIp();
        var grain = Grain(key);
        // 50/second: a full window is one second's worth, under the 2 s threshold; a minute tier with 20 s' worth is stored.
        Assert.Equal(50, await AdmittedOf(grain, One("aggregate", new RateLimitRule(50, RateLimitUnit.Second)), 60));
        Assert.Equal(10, await AdmittedOf(grain, One("default:/x", new RateLimitRule(300, RateLimitUnit.Minute)), 10));

        await DeactivateIdleGrainsAsync();
        Assert.False(await HasStoredStateAsync(key));
    }

    [Fact]
    public async Task backlog_is_written_on_deactivation_and_restored_on_the_next_activation()
    {
        var key = NewIp();
        var request = One("default:/x", TenPerMinute);
        Align();
        Assert.Equal(10, await AdmittedOf(Grain(key), request, 11));

        await DeactivateIdleGrainsAsync();
        Assert.True(await HasStoredStateAsync(key));

        var refused = Assert.IsType<RateLimitDecision.Limited>(await Grain(key).CheckAsync(request));
        Assert.Equal(Leaves, refused.RetryAfter);
    }

    [Fact]
    public async Task the_stored_row_is_deleted_once_the_buckets_are_full_again()
    {
        var key = NewIp();
        var request = One("default:/x", TenPerMinute);
        await AdmittedOf(Grain(key), request, 2);
        await DeactivateIdleGrainsAsync();
        Assert.True(await HasStoredStateAsync(key));

        Advance(TimeSpan.FromSeconds(63));
        var decision = await Grain(key).CheckAsync(new RateLimitRequest([new RateLimitBucket("aggregate", new RateLimitRule(5, RateLimitUnit.Second))]));
        Assert.IsType<RateLimitDecision.Allowed>(decision);
        await DeactivateIdleGrainsAsync();
        Assert.False(await HasStoredStateAsync(key));
    }

    [Fact]
    public async Task backlog_is_written_behind_by_the_timer_while_the_grain_stays_active()
    {
        var key = NewIp();
        await AdmittedOf(Grain(key), One("default:/x", TenPerMinute), 2);
        Assert.False(await HasStoredStateAsync(key));

        var written = await PollAsync(() => { Advance(TimeSpan.FromMilliseconds(100)); return HasStoredStateAsync(key); }, TimeSpan.FromSeconds(15));
        Assert.True(written, "the flush timer wrote the backlog within the flush interval");
    }

    [Fact]
    public async Task many_distinct_ips_leave_no_stored_state_once_idle()
    {
        var keys = Enumerable.Range(0, 200).Select(_ => NewIp()).ToArray();
        var request = One("default:/x", TenPerMinute);
        await Task.WhenAll(keys.Select(k => AdmittedOf(Grain(k), request, 3)));
        await DeactivateIdleGrainsAsync();
        var stored = await Task.WhenAll(keys.Select(HasStoredStateAsync));
        Assert.Equal(200, stored.Count(s => s));

        Advance(TimeSpan.FromSeconds(63));
        await Task.WhenAll(keys.Select(k => Grain(k).CheckAsync(new RateLimitRequest([]))));
        await DeactivateIdleGrainsAsync();
        stored = await Task.WhenAll(keys.Select(HasStoredStateAsync));
        Assert.Equal(0, stored.Count(s => s));
    }

    [Fact]
    public async Task an_ip_principal_is_decided_in_its_shard_whichever_grain_the_caller_names()
    {
        // One place per principal keeps decisions exact: the IP's own grain forwards to the shard, so both count together.
        Align();
        var ip = NewIp();
        var shard = RateLimitKeys.GrainFor(ip);
        Assert.StartsWith(RateLimitKeys.ShardPrefix, shard);
        var bucket = new RateLimitBucket("aggregate", new RateLimitRule(5, RateLimitUnit.Minute));
        Assert.Equal(3, await AdmittedOf(Grain(ip), new RateLimitRequest([bucket]), 3));
        Assert.Equal(2, await AdmittedOf(Grain(shard), new RateLimitRequest([bucket], Key: ip), 5));
        Assert.IsType<RateLimitDecision.Limited>(await Grain(ip).CheckAsync(new RateLimitRequest([bucket])));
    }

    [Fact]
    public async Task principals_sharing_a_shard_never_share_a_bucket()
    {
        Align();
        var first = NewIp();
        var second = Enumerable.Range(0, 10_000).Select(_ => NewIp()).First(k => RateLimitKeys.GrainFor(k) == RateLimitKeys.GrainFor(first));
        var shard = Grain(RateLimitKeys.GrainFor(first));
        var bucket = new RateLimitBucket("aggregate", new RateLimitRule(5, RateLimitUnit.Minute));
        Assert.Equal(5, await AdmittedOf(shard, new RateLimitRequest([bucket], Key: first), 8));
        Assert.Equal(5, await AdmittedOf(shard, new RateLimitRequest([bucket], Key: second), 8));
    }

    [Fact]
    public async Task a_shard_refuses_a_request_that_names_no_principal_or_chains()
    {
        var shard = Grain(RateLimitKeys.GrainFor(NewIp()));
        var bucket = new RateLimitBucket("aggregate", SixtyPerMinute);
        await Assert.ThrowsAsync<ArgumentException>(() => shard.CheckAsync(new RateLimitRequest([bucket])));
        await Assert.ThrowsAsync<ArgumentException>(() => shard.CheckAsync(new RateLimitRequest([bucket], NewIp(), [bucket], Key: NewIp())));
    }

    private static async Task<bool> PollAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition()) return true;
            await Task.Delay(100);
        }
        return await condition();
    }
}
