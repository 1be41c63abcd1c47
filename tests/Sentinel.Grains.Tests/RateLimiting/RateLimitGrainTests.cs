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
    private static readonly RateLimitRule TenPerMinute = new(10, RateLimitUnit.Minute); // burst 2, one per 6 s
    private static readonly RateLimitRule SixtyPerMinute = new(60, RateLimitUnit.Minute); // burst 12, one per 1 s

    private static void Advance(TimeSpan by) => ClusterFixture.Time.Advance(by);

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
        await storage.ReadStateAsync(RateLimitJanitor.StateName, Grain(key).GetGrainId(), state);
        return state.RecordExists && state.State?.Buckets.Count > 0;
    }

    private Task DeactivateIdleGrainsAsync() => fixture.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

    [Fact]
    public async Task from_idle_a_burst_is_admitted_back_to_back_then_refused()
    {
        var grain = Grain(NewIp());
        var request = One("default:/x", TenPerMinute);

        Assert.IsType<RateLimitDecision.Allowed>(await grain.CheckAsync(request));
        Assert.IsType<RateLimitDecision.Allowed>(await grain.CheckAsync(request));
        var refused = Assert.IsType<RateLimitDecision.Limited>(await grain.CheckAsync(request));
        Assert.Equal(TimeSpan.FromSeconds(6), refused.RetryAfter);
    }

    [Fact]
    public async Task after_the_burst_exactly_one_request_is_admitted_per_emission_interval()
    {
        var grain = Grain(NewIp());
        var request = One("default:/x", TenPerMinute);
        Assert.Equal(2, await AdmittedOf(grain, request, 5));

        for (var step = 0; step < 5; step++)
        {
            Advance(TimeSpan.FromSeconds(3));
            Assert.Equal(0, await AdmittedOf(grain, request, 3));
            Advance(TimeSpan.FromSeconds(3));
            Assert.Equal(1, await AdmittedOf(grain, request, 3));
        }
    }

    [Fact]
    public async Task retry_after_is_exactly_the_time_until_the_next_request_conforms()
    {
        var grain = Grain(NewIp());
        var request = One("default:/x", TenPerMinute);
        await AdmittedOf(grain, request, 2);

        Advance(TimeSpan.FromSeconds(1.5));
        var refused = Assert.IsType<RateLimitDecision.Limited>(await grain.CheckAsync(request));
        Assert.Equal(TimeSpan.FromSeconds(4.5), refused.RetryAfter);
        Assert.Equal(TimeSpan.FromSeconds(4.5), refused.Buckets[0].Wait);

        Advance(refused.RetryAfter - TimeSpan.FromMilliseconds(1));
        Assert.IsType<RateLimitDecision.Limited>(await grain.CheckAsync(request));
        Advance(TimeSpan.FromMilliseconds(1));
        Assert.IsType<RateLimitDecision.Allowed>(await grain.CheckAsync(request));
    }

    [Fact]
    public async Task no_window_of_one_period_admits_more_than_limit_plus_burst_minus_one_even_across_window_edges()
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
        Assert.Equal(60 + SixtyPerMinute.Burst - 1, most);
        Assert.True(most < 2 * 60);
    }

    [Fact]
    public async Task a_refused_request_consumes_nothing()
    {
        var grain = Grain(NewIp());
        var request = One("default:/x", TenPerMinute);
        await AdmittedOf(grain, request, 2);
        Assert.Equal(0, await AdmittedOf(grain, request, 50));

        Advance(TimeSpan.FromSeconds(6));
        Assert.IsType<RateLimitDecision.Allowed>(await grain.CheckAsync(request));
    }

    [Fact]
    public async Task a_request_is_admitted_only_when_every_bucket_conforms_and_then_counts_in_each()
    {
        var grain = Grain(NewIp());
        var tight = new RateLimitBucket("auth:/auth/token", new RateLimitRule(5, RateLimitUnit.Minute)); // burst 1
        var loose = new RateLimitBucket("aggregate", SixtyPerMinute);
        var both = new RateLimitRequest([loose, tight]);

        var first = Assert.IsType<RateLimitDecision.Allowed>(await grain.CheckAsync(both));
        Assert.Equal([11, 0], first.Buckets.Select(b => b.Remaining));
        var refused = Assert.IsType<RateLimitDecision.Limited>(await grain.CheckAsync(both));
        Assert.Equal(TimeSpan.FromSeconds(12), refused.RetryAfter);
        Assert.Equal([11, 0], refused.Buckets.Select(b => b.Remaining));

        // The aggregate alone was not charged by the refusal.
        var aggregateOnly = Assert.IsType<RateLimitDecision.Allowed>(await grain.CheckAsync(new RateLimitRequest([loose])));
        Assert.Equal(10, aggregateOnly.Buckets[0].Remaining);
    }

    [Fact]
    public async Task remaining_and_reset_describe_the_bucket()
    {
        var grain = Grain(NewIp());
        var request = One("default:/x", SixtyPerMinute);
        var first = await grain.CheckAsync(request);
        Assert.Equal(new RateLimitBucketState(11, TimeSpan.FromSeconds(1), TimeSpan.Zero), first.Buckets[0]);
        await AdmittedOf(grain, request, 11);
        var refused = await grain.CheckAsync(request);
        Assert.Equal(new RateLimitBucketState(0, TimeSpan.FromSeconds(12), TimeSpan.FromSeconds(1)), refused.Buckets[0]);
    }

    [Fact]
    public async Task a_chained_request_counts_in_both_principals()
    {
        var ip = NewIp();
        var user = RateLimitKeys.ForUser(Guid.NewGuid());
        var aggregate = new RateLimitBucket("aggregate", SixtyPerMinute);
        var request = new RateLimitRequest([new RateLimitBucket("read", TenPerMinute)], ip, [aggregate]);

        var decision = Assert.IsType<RateLimitDecision.Allowed>(await Grain(user).CheckAsync(request));
        Assert.Equal([1, 11], decision.Buckets.Select(b => b.Remaining));
        var ipAlone = await Grain(ip).CheckAsync(new RateLimitRequest([aggregate]));
        Assert.Equal(10, ipAlone.Buckets[0].Remaining);
    }

    [Fact]
    public async Task a_chained_refusal_refuses_the_request_and_leaves_the_own_bucket_untouched()
    {
        var ip = NewIp();
        var user = RateLimitKeys.ForUser(Guid.NewGuid());
        var aggregate = new RateLimitBucket("aggregate", new RateLimitRule(5, RateLimitUnit.Minute)); // burst 1
        await Grain(ip).CheckAsync(new RateLimitRequest([aggregate]));

        var request = new RateLimitRequest([new RateLimitBucket("read", TenPerMinute)], ip, [aggregate]);
        var refused = Assert.IsType<RateLimitDecision.Limited>(await Grain(user).CheckAsync(request));
        Assert.Equal(TimeSpan.FromSeconds(12), refused.RetryAfter);
        Assert.Equal(2, refused.Buckets[0].Remaining);

        // The user's bucket still holds its whole burst for requests from another address.
        var elsewhere = new RateLimitRequest([new RateLimitBucket("read", TenPerMinute)], NewIp(), [new RateLimitBucket("aggregate", SixtyPerMinute)]);
        Assert.Equal(2, await AdmittedOf(Grain(user), elsewhere, 2));
    }

    [Fact]
    public async Task buckets_with_less_backlog_than_the_threshold_are_never_stored()
    {
        var key = NewIp();
        var grain = Grain(key);
        // 50/second: a burst of 10, refilled within 200 ms.
        Assert.Equal(10, await AdmittedOf(grain, One("aggregate", new RateLimitRule(50, RateLimitUnit.Second)), 50));

        await DeactivateIdleGrainsAsync();
        Assert.False(await HasStoredStateAsync(key));
    }

    [Fact]
    public async Task backlog_is_written_on_deactivation_and_restored_on_the_next_activation()
    {
        var key = NewIp();
        var request = One("default:/x", TenPerMinute);
        Assert.Equal(2, await AdmittedOf(Grain(key), request, 3));

        await DeactivateIdleGrainsAsync();
        Assert.True(await HasStoredStateAsync(key));

        var refused = Assert.IsType<RateLimitDecision.Limited>(await Grain(key).CheckAsync(request));
        Assert.Equal(TimeSpan.FromSeconds(6), refused.RetryAfter);
    }

    [Fact]
    public async Task the_stored_row_is_deleted_once_the_buckets_are_full_again()
    {
        var key = NewIp();
        var request = One("default:/x", TenPerMinute);
        await AdmittedOf(Grain(key), request, 2);
        await DeactivateIdleGrainsAsync();
        Assert.True(await HasStoredStateAsync(key));

        Advance(TimeSpan.FromSeconds(13));
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

        Advance(TimeSpan.FromSeconds(13));
        await Task.WhenAll(keys.Select(k => Grain(k).CheckAsync(new RateLimitRequest([]))));
        await DeactivateIdleGrainsAsync();
        stored = await Task.WhenAll(keys.Select(HasStoredStateAsync));
        Assert.Equal(0, stored.Count(s => s));
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
