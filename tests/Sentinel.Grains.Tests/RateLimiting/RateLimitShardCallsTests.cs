using Sentinel.Grains.RateLimiting;
using Xunit;
using Xunit.Abstractions;

namespace Sentinel.Grains.Tests.RateLimiting;

/// <summary>
/// The shard's calls beside <c>CheckAsync</c>: a replica's coalesced decisions (<c>CheckManyAsync</c>), leases of tiers of
/// 1,000 per period or more (<c>LeaseAsync</c>), and a shard's memory per bucket, measured.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RateLimitShardCallsTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private static readonly RateLimitRule FivePerMinute = new(5, RateLimitUnit.Minute);
    private static readonly RateLimitRule ServiceTier = new(6000, RateLimitUnit.Minute);

    private IRateLimitGrain Grain(string key) => fixture.Grains.GetGrain<IRateLimitGrain>(key);

    private static string NewIp() => $"ip:198.19.{Random.Shared.Next(256)}.{Random.Shared.Next(256)}-{Guid.NewGuid():N}";

    /// <summary>Moves the shared fake clock to 1 s into a 2 s sub-window (minute tiers), so nothing leaves the window mid-test.</summary>
    private static void Align()
    {
        var width = FivePerMinute.SubWindowTicks;
        var now = ClusterFixture.Time.GetUtcNow().UtcTicks;
        ClusterFixture.Time.Advance(TimeSpan.FromTicks((now / width + 1) * width - now + width / 2));
    }

    [Fact]
    public async Task a_batch_is_decided_in_order_each_request_as_if_alone()
    {
        Align();
        var first = NewIp();
        var shardKey = RateLimitKeys.GrainFor(first);
        var second = Enumerable.Range(0, 10_000).Select(_ => NewIp()).First(k => RateLimitKeys.GrainFor(k) == shardKey);
        var bucket = new RateLimitBucket("aggregate", FivePerMinute);
        // Two principals interleaved, seven requests each: each gets its first five, in arrival order.
        var requests = Enumerable.Range(0, 14).Select(i => new RateLimitRequest([bucket], Key: i % 2 == 0 ? first : second)).ToArray();
        var decisions = await Grain(shardKey).CheckManyAsync(requests);
        Assert.Equal(14, decisions.Length);
        for (var i = 0; i < 14; i++)
            Assert.Equal(i / 2 < 5, decisions[i] is RateLimitDecision.Allowed);
        // Batched and single calls count in the same buckets.
        Assert.IsType<RateLimitDecision.Limited>(await Grain(shardKey).CheckAsync(new RateLimitRequest([bucket], Key: first)));
        var limited = Assert.IsType<RateLimitDecision.Limited>(decisions[13]);
        Assert.Equal(0, limited.Buckets[0].Remaining);
    }

    [Fact]
    public async Task the_compact_call_decides_as_the_general_one_all_or_nothing_in_the_same_buckets()
    {
        Align();
        var ip = NewIp();
        var shard = Grain(RateLimitKeys.GrainFor(ip));
        var aggregate = new RateLimitBucket("aggregate", FivePerMinute);
        var route = new RateLimitBucket("default:/users/me", new RateLimitRule(3, RateLimitUnit.Minute));
        var both = new RateLimitShardRequest(ip, aggregate.Name, 5, RateLimitUnit.Minute, route.Name, 3, RateLimitUnit.Minute);

        // Three admitted, each counted in both buckets; the fourth refused by the route's bucket, nothing counted.
        for (var i = 1; i <= 3; i++)
        {
            var admitted = await shard.DecideAsync(both);
            Assert.True(admitted.Allowed);
            Assert.Equal((5 - i, 3 - i), (admitted.Remaining0, admitted.Remaining1));
        }
        var refused = await shard.DecideAsync(both);
        Assert.False(refused.Allowed);
        Assert.True(refused.RetryAfterTicks > 0);
        Assert.Equal((2, 0), (refused.Remaining0, refused.Remaining1));
        Assert.Equal(refused.RetryAfterTicks, refused.Wait1);

        // The general call sees the same windows: the aggregate alone still has 2 (the refusal took nothing), then 1.
        var general = Assert.IsType<RateLimitDecision.Allowed>(await shard.CheckAsync(new RateLimitRequest([aggregate], Key: ip)));
        Assert.Equal(1, general.Buckets[0].Remaining);
        var one = await shard.DecideAsync(new RateLimitShardRequest(ip, aggregate.Name, 5, RateLimitUnit.Minute, null, 0, default));
        Assert.True(one.Allowed);
        Assert.Equal(0, one.Remaining0);
        Assert.False((await shard.DecideAsync(new RateLimitShardRequest(ip, aggregate.Name, 5, RateLimitUnit.Minute, null, 0, default))).Allowed);
    }

    [Fact]
    public async Task the_compact_call_is_refused_outside_the_principals_shard_and_for_a_malformed_rule()
    {
        var ip = NewIp();
        var own = RateLimitKeys.GrainFor(ip);
        var other = RateLimitKeys.ShardPrefix + ((int.Parse(own[RateLimitKeys.ShardPrefix.Length..], System.Globalization.CultureInfo.InvariantCulture) + 1) % RateLimitKeys.Shards);
        var request = new RateLimitShardRequest(ip, "aggregate", 5, RateLimitUnit.Minute, null, 0, default);
        // One place per principal: another shard, or the principal's own grain key, would decide it a second time.
        await Assert.ThrowsAsync<ArgumentException>(async () => await Grain(other).DecideAsync(request));
        await Assert.ThrowsAsync<ArgumentException>(async () => await Grain("user:" + Guid.NewGuid()).DecideAsync(request with { Principal = "user:x" }));
        await Assert.ThrowsAsync<ArgumentException>(async () => await Grain(own).DecideAsync(request with { Permits0 = 0 }));
    }

    [Fact]
    public async Task a_batch_is_refused_by_a_grain_that_is_not_a_shard_and_may_not_chain()
    {
        var bucket = new RateLimitBucket("read", FivePerMinute);
        await Assert.ThrowsAsync<ArgumentException>(() => Grain("user:" + Guid.NewGuid()).CheckManyAsync([new RateLimitRequest([bucket])]));
        var ip = NewIp();
        await Assert.ThrowsAsync<ArgumentException>(() => Grain(RateLimitKeys.GrainFor(ip)).CheckManyAsync([new RateLimitRequest([bucket], NewIp(), [bucket], Key: ip)]));
    }

    [Fact]
    public async Task a_lease_grants_a_slice_counted_at_once_and_shares_the_window_with_exact_decisions()
    {
        Align();
        var service = RateLimitKeys.ForService("svc-" + Guid.NewGuid().ToString("N"));
        var shard = Grain(RateLimitKeys.GrainFor(service));
        var bucket = new RateLimitBucket("service", ServiceTier);
        var lease = await shard.LeaseAsync(service, bucket);
        Assert.Equal(60, lease.Granted);
        Assert.Equal(6000 - 60, lease.State.Remaining);
        // An exact decision on the same bucket sees the slice counted.
        var exact = Assert.IsType<RateLimitDecision.Allowed>(await shard.CheckAsync(new RateLimitRequest([bucket], Key: service)));
        Assert.Equal(6000 - 61, exact.Buckets[0].Remaining);
    }

    [Fact]
    public async Task a_lease_is_refused_for_tiers_under_1000_and_by_a_grain_that_is_not_the_principals_shard()
    {
        var service = RateLimitKeys.ForService("svc-" + Guid.NewGuid().ToString("N"));
        var shard = Grain(RateLimitKeys.GrainFor(service));
        await Assert.ThrowsAsync<ArgumentException>(() => shard.LeaseAsync(service, new RateLimitBucket("service", new RateLimitRule(999, RateLimitUnit.Minute))));
        var otherShard = RateLimitKeys.ShardPrefix + ((int.Parse(RateLimitKeys.GrainFor(service)[RateLimitKeys.ShardPrefix.Length..], System.Globalization.CultureInfo.InvariantCulture) + 1) % RateLimitKeys.Shards);
        await Assert.ThrowsAsync<ArgumentException>(() => Grain(otherShard).LeaseAsync(service, new RateLimitBucket("service", ServiceTier)));
    }

    [Fact]
    public async Task a_full_leased_bucket_refuses_a_lease_with_the_time_until_it_admits()
    {
        Align();
        var service = RateLimitKeys.ForService("svc-" + Guid.NewGuid().ToString("N"));
        var shard = Grain(RateLimitKeys.GrainFor(service));
        var bucket = new RateLimitBucket("service", new RateLimitRule(1000, RateLimitUnit.Hour));
        var granted = 0;
        for (var i = 0; i < 2000; i++)
        {
            var lease = await shard.LeaseAsync(service, bucket);
            if (lease.Granted == 0)
            {
                Assert.True(lease.RetryAfter > TimeSpan.Zero);
                break;
            }
            granted += lease.Granted;
        }
        Assert.Equal(1000, granted);
    }

    [Fact]
    public async Task a_shard_keeps_a_bucket_in_at_most_256_bytes()
    {
        // What a shard holds per bucket for the default tier of a new address (aggregate and default:/users/me): the
        // window, the dictionary entry and its share of the dictionary's spare room, the principal's key (shared by its
        // two buckets). Each request brings its own copy of the names, as a deserialized one does, so a bucket that kept
        // it would pay for it. Measured as the heap's growth over 100,000 addresses, after a full collection.
        Align();
        const int principals = 100_000;
        var rules = (Aggregate: new RateLimitRule(300, RateLimitUnit.Minute), Default: new RateLimitRule(120, RateLimitUnit.Minute));
        // Addresses in 10.0.0.0/8 as the edge keys them (ip:10.1.134.159); the other tests of this cluster use 198.18/15.
        var byShard = Enumerable.Range(0, principals).Select(i => $"ip:10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}").GroupBy(RateLimitKeys.GrainFor).ToArray();
        // Activate every shard first, so activations are not counted.
        foreach (var group in byShard) await Grain(group.Key).CheckManyAsync([]);
        var before = GC.GetTotalMemory(forceFullCollection: true);
        foreach (var group in byShard)
        {
            foreach (var chunk in group.Chunk(2000))
            {
                var requests = chunk.Select(ip => new RateLimitRequest(
                    [new RateLimitBucket(new string("aggregate"), rules.Aggregate), new RateLimitBucket(new string("default:/users/me"), rules.Default)], Key: new string(ip))).ToArray();
                await Grain(group.Key).CheckManyAsync(requests);
            }
        }
        var after = GC.GetTotalMemory(forceFullCollection: true);
        var perBucket = (after - before) / (2.0 * principals);
        output.WriteLine($"{perBucket:F1} bytes per bucket in a shard ({principals} addresses, 2 buckets each, {(after - before) / 1e6:F1} MB)");
        Assert.InRange(perBucket, 1, 256);
    }
}
