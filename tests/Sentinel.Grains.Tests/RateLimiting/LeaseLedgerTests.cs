using Sentinel.Grains.RateLimiting;
using Xunit;
using Xunit.Abstractions;

namespace Sentinel.Grains.Tests.RateLimiting;

/// <summary>
/// Leases of tiers of 1,000 per period or more, on a fake clock: replicas that spend slices of one bucket, refilled from
/// the shard's window and ledger as <c>EdgeLeases</c> does. Promises: over any window of one period, across every replica,
/// at most N + N/10 are admitted; from idle, one replica gets N back to back; leases spare most shard calls.
/// </summary>
public sealed class LeaseLedgerTests(ITestOutputHelper output)
{
    private const int Seeds = 25;

    private static readonly RateLimitRule[] Rules =
    [
        new(1000, RateLimitUnit.Minute), new(6000, RateLimitUnit.Minute), new(1000, RateLimitUnit.Second), new(5000, RateLimitUnit.Hour),
    ];

    /// <summary>One replica's slice: spent until the lifetime after the call was sent (here: the grant, no latency, the tightest case).</summary>
    private sealed class Replica
    {
        public int Left;
        public long Expires;
        public long Calls;
    }

    /// <summary>A request at <paramref name="now"/> on <paramref name="replica"/>: from its slice, else a lease call.</summary>
    private static bool Decide(Replica replica, SlidingWindow window, LeaseLedger ledger, RateLimitRule rule, long now)
    {
        if (replica.Left > 0 && now < replica.Expires)
        {
            replica.Left--;
            return true;
        }
        replica.Calls++;
        var (granted, wait) = ledger.Grant(window, rule, now);
        if (granted == 0)
        {
            Assert.True(wait > 0);
            return false;
        }
        replica.Left = granted - 1;
        replica.Expires = now + rule.LeaseLifetimeTicks;
        return true;
    }

    /// <summary>Arrivals (time, replica) over about four periods: floods, rate-ish, bursts, sub-window edges; spread over replicas.</summary>
    private static List<(long At, int Replica)> Arrivals(RateLimitRule rule, int replicas, Random random, long start)
    {
        var period = rule.Period.Ticks;
        var width = rule.SubWindowTicks;
        var interval = period / rule.Permits;
        var times = new List<(long, int)>();
        var t = start;
        while (t < start + 4 * period && times.Count < 60_000)
        {
            switch (random.Next(4))
            {
                case 0: // a flood: several times the rate for a while
                    for (var i = random.Next(50, 500); i > 0; i--, t += (long)(interval * 0.3 * random.NextDouble())) times.Add((t, random.Next(replicas)));
                    break;
                case 1: // around the rate
                    for (var i = random.Next(50, 500); i > 0; i--, t += (long)(interval * 2 * random.NextDouble())) times.Add((t, random.Next(replicas)));
                    break;
                case 2: // a burst at one instant, then a pause up to a period
                    for (var i = random.Next(1, rule.Permits / 2); i > 0; i--) times.Add((t, random.Next(replicas)));
                    t += (long)(period * random.NextDouble());
                    break;
                default: // around a sub-window edge and a lease's expiry
                    var edge = (t / width + 1) * width;
                    for (var i = random.Next(1, rule.Permits / 4); i > 0; i--) times.Add((edge + random.Next(-2, 3), random.Next(replicas)));
                    t = edge + rule.LeaseLifetimeTicks + random.Next(-1, 2);
                    break;
            }
        }
        times.Sort();
        return times;
    }

    public static TheoryData<int, int> Cases()
    {
        var data = new TheoryData<int, int>();
        for (var r = 0; r < Rules.Length; r++)
            foreach (var replicas in new[] { 1, 2, 3, 40 }) data.Add(r, replicas);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void across_random_arrivals_on_any_number_of_replicas_no_window_of_one_period_admits_more_than_n_plus_n_over_10(int ruleIndex, int replicaCount)
    {
        var rule = Rules[ruleIndex];
        var period = rule.Period.Ticks;
        var bound = rule.Permits + rule.Permits / 10;
        long attempts = 0, admittedAll = 0, calls = 0, worst = 0;
        for (var seed = 0; seed < Seeds; seed++)
        {
            var random = new Random(seed * 7919 + ruleIndex * 31 + replicaCount);
            var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks + random.NextInt64(0, period);
            var window = new SlidingWindow(rule.SubWindowTicks, rule.Permits, start);
            var ledger = new LeaseLedger();
            var replicas = Enumerable.Range(0, replicaCount).Select(_ => new Replica()).ToArray();
            var admitted = new List<long>();
            foreach (var (at, r) in Arrivals(rule, replicaCount, random, start))
            {
                attempts++;
                if (Decide(replicas[r], window, ledger, rule, at)) admitted.Add(at);
            }
            admittedAll += admitted.Count;
            calls += replicas.Sum(x => x.Calls);

            // Every window [a, a + period) holds at most N + N/10: the (i + bound)-th admission comes a period or more after the i-th.
            for (var i = 0; i + bound < admitted.Count; i++)
                Assert.True(admitted[i + bound] - admitted[i] >= period, $"{rule} on {replicaCount} replicas, seed {seed}: {bound + 1} admitted within {TimeSpan.FromTicks(admitted[i + bound] - admitted[i])}");
            // The most admitted in any window, for the output (two pointers over the sorted times).
            for (int i = 0, j = 0; j < admitted.Count; j++)
            {
                while (admitted[j] - admitted[i] >= period) i++;
                worst = Math.Max(worst, j - i + 1);
            }
        }
        output.WriteLine($"{rule}, {replicaCount} replicas: {attempts} attempts, {admittedAll} admitted, {calls} shard calls ({(double)calls / Math.Max(1, admittedAll):P1} of admissions); most in one window {worst} (N {rule.Permits}, bound {bound})");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void from_idle_n_pass_back_to_back_on_one_replica_and_at_most_a_slice_per_other_replica_is_refused_early(int ruleIndex, int replicaCount)
    {
        var rule = Rules[ruleIndex];
        for (var seed = 0; seed < Seeds; seed++)
        {
            var random = new Random(seed * 104_729 + ruleIndex * 17 + replicaCount);
            var now = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks + random.NextInt64(0, rule.Period.Ticks);
            var window = new SlidingWindow(rule.SubWindowTicks, rule.Permits, now);
            var ledger = new LeaseLedger();
            var replicas = Enumerable.Range(0, replicaCount).Select(_ => new Replica()).ToArray();
            // The other replicas each take one request first (and so hold a slice they don't spend).
            var others = 0;
            for (var r = 1; r < replicaCount; r++)
                if (Decide(replicas[r], window, ledger, rule, now)) others++;
            var admitted = others;
            while (Decide(replicas[0], window, ledger, rule, now)) admitted++;
            Assert.InRange(admitted, rule.Permits - (replicaCount - 1) * (rule.LeaseSlice - 1), rule.Permits);
            if (replicaCount == 1) Assert.Equal(rule.Permits, admitted);
        }
    }

    [Fact]
    public void a_lease_takes_a_slice_and_leases_alive_never_hold_more_than_n_over_10()
    {
        var rule = new RateLimitRule(6000, RateLimitUnit.Minute);
        var now = new DateTimeOffset(2026, 1, 1, 0, 0, 1, TimeSpan.Zero).UtcTicks;
        var window = new SlidingWindow(rule.SubWindowTicks, rule.Permits, now);
        var ledger = new LeaseLedger();
        Assert.Equal(60, rule.LeaseSlice);
        Assert.Equal(600, rule.LeaseCap);
        // Ten slices of 60: the asking request's permit plus 59 alive each, 590 alive.
        for (var i = 0; i < 10; i++) Assert.Equal((60, 0L), ledger.Grant(window, rule, now));
        Assert.Equal(590, ledger.Outstanding(now));
        // The eleventh may hold only 10 more alive: 1 + 10.
        Assert.Equal((11, 0L), ledger.Grant(window, rule, now));
        // Then only the asking request's permit, decided exactly.
        Assert.Equal((1, 0L), ledger.Grant(window, rule, now));
        Assert.Equal(612, window.Total);
        // Once the leases' lifetime (2 s) is over, a full slice again.
        now += rule.LeaseLifetimeTicks;
        Assert.Equal(0, ledger.Outstanding(now));
        Assert.Equal((60, 0L), ledger.Grant(window, rule, now));
    }

    [Fact]
    public void a_lease_never_grants_more_than_the_window_has_room_for_and_a_full_window_refuses_with_its_wait()
    {
        var rule = new RateLimitRule(1000, RateLimitUnit.Minute);
        var now = new DateTimeOffset(2026, 1, 1, 0, 0, 1, TimeSpan.Zero).UtcTicks;
        var window = new SlidingWindow(rule.SubWindowTicks, rule.Permits, now);
        for (var i = 0; i < 995; i++) window.Add();
        var ledger = new LeaseLedger();
        Assert.Equal((5, 0L), ledger.Grant(window, rule, now));
        var (granted, wait) = ledger.Grant(window, rule, now);
        Assert.Equal(0, granted);
        // The sub-window [0 s, 2 s) leaves the window at 62 s: 61 s from now.
        Assert.Equal(TimeSpan.FromSeconds(61), TimeSpan.FromTicks(wait));
    }
}
