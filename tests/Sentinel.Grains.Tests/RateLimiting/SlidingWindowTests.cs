using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Orleans.Serialization;
using Orleans.Storage;
using Sentinel.Grains.RateLimiting;
using Xunit;
using Xunit.Abstractions;

namespace Sentinel.Grains.Tests.RateLimiting;

/// <summary>
/// The sliding window's two promises, checked against a brute-force reference over every window, across random arrival
/// patterns on a fake clock: from idle N pass back to back; no window of one period ever admits more than N. Also how
/// early it may refuse, its Retry-After, its stored form and its memory.
/// </summary>
public sealed class SlidingWindowTests(ITestOutputHelper output)
{
    private const int Seeds = 60;

    private static readonly RateLimitRule[] Rules =
    [
        new(1, RateLimitUnit.Minute), new(5, RateLimitUnit.Minute), new(10, RateLimitUnit.Minute), new(30, RateLimitUnit.Minute),
        new(300, RateLimitUnit.Minute), new(6000, RateLimitUnit.Minute), new(7, RateLimitUnit.Second), new(60, RateLimitUnit.Hour),
    ];

    private static readonly string[] Shapes = ["steady", "flood", "bursts", "edges"];

    /// <summary>What the grain does with one bucket: advance, refuse while the wait is positive, else count.</summary>
    private static (bool Admitted, long Wait) Decide(SlidingWindow window, RateLimitRule rule, long now)
    {
        window.Advance(now);
        var wait = window.Wait(rule.Permits, now);
        if (wait > 0) return (false, wait);
        window.Add();
        return (true, 0);
    }

    /// <summary>Attempt times of one random pattern, about four periods long, from a random start.</summary>
    private static List<long> Arrivals(string shape, RateLimitRule rule, Random random, long start)
    {
        var period = rule.Period.Ticks;
        var interval = period / rule.Permits;
        var width = rule.SubWindowTicks;
        var end = start + 4 * period;
        var times = new List<long>();
        var t = start;
        while (t < end && times.Count < 30_000)
        {
            switch (shape)
            {
                case "steady": // around the rate, sometimes faster, sometimes slower
                    times.Add(t);
                    t += (long)(interval * 2 * random.NextDouble());
                    break;
                case "flood": // several times the rate
                    times.Add(t);
                    t += (long)(interval * 0.3 * random.NextDouble());
                    break;
                case "bursts": // back-to-back groups of up to 2N, then idle up to 1.5 periods
                    for (var i = random.Next(1, 2 * rule.Permits + 1); i > 0; i--) times.Add(t);
                    t += (long)(period * 1.5 * random.NextDouble());
                    break;
                default: // "edges": groups on a sub-window edge, a tick either side, then a jump of a few sub-windows
                    var edge = (t / width + 1) * width;
                    for (var i = random.Next(1, rule.Permits + 1); i > 0; i--) times.Add(edge + random.Next(-1, 2));
                    t = edge + width * random.Next(1, 8) - 1;
                    break;
            }
        }
        times.Sort();
        return times;
    }

    public static TheoryData<string, int> Patterns()
    {
        var data = new TheoryData<string, int>();
        foreach (var shape in Shapes)
            for (var r = 0; r < Rules.Length; r++) data.Add(shape, r);
        return data;
    }

    [Theory]
    [MemberData(nameof(Patterns))]
    public void across_random_arrivals_no_window_of_one_period_admits_more_than_n_and_refusals_are_early_by_at_most_one_sub_window(string shape, int ruleIndex)
    {
        var rule = Rules[ruleIndex];
        var period = rule.Period.Ticks;
        var reach = (RateLimitRule.SubWindows + 1) * rule.SubWindowTicks; // the counted span reaches back less than this
        long attempts = 0, refusals = 0;
        for (var seed = 0; seed < Seeds; seed++)
        {
            var random = new Random(seed * 7919 + ruleIndex * 31 + shape.Length);
            var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(random.NextInt64(0, period)));
            var start = time.GetUtcNow().UtcTicks;
            var window = new SlidingWindow(rule.SubWindowTicks, rule.Permits, start);
            var admitted = new List<long>();
            foreach (var at in Arrivals(shape, rule, random, start))
            {
                if (at > time.GetUtcNow().UtcTicks) time.Advance(TimeSpan.FromTicks(at - time.GetUtcNow().UtcTicks));
                var now = time.GetUtcNow().UtcTicks;
                attempts++;
                var (ok, wait) = Decide(window, rule, now);
                if (ok)
                {
                    admitted.Add(now);
                    continue;
                }
                refusals++;
                // Refused only when the brute force finds N admitted within the reach (period + one sub-window).
                var recent = CountSince(admitted, now - reach);
                Assert.True(recent >= rule.Permits, $"{shape} {rule} seed {seed}: refused at +{now - start} with only {recent} admitted in the last {TimeSpan.FromTicks(reach)}");
                // Retry-After is the time until a request would really be admitted: refused a tick before, admitted at.
                Assert.InRange(wait, 1, reach);
                var probe = SlidingWindow.FromStored(window.ToStored())!;
                Assert.False(Decide(probe, rule, now + wait - 1).Admitted, $"{shape} {rule} seed {seed}: admitted before its Retry-After");
                Assert.True(Decide(probe, rule, now + wait).Admitted, $"{shape} {rule} seed {seed}: refused at its Retry-After");
            }

            // Every window [a, a + period) holds at most N admissions: the (i + N)-th comes a period or more after the i-th.
            for (var i = 0; i + rule.Permits < admitted.Count; i++)
                Assert.True(admitted[i + rule.Permits] - admitted[i] >= period, $"{shape} {rule} seed {seed}: {rule.Permits + 1} admitted within {TimeSpan.FromTicks(admitted[i + rule.Permits] - admitted[i])}");
        }
        output.WriteLine($"{shape} {rule}: {Seeds} seeds, {attempts} attempts, {refusals} refused");
    }

    [Theory]
    [MemberData(nameof(Patterns))]
    public void from_idle_after_any_random_history_n_requests_pass_back_to_back_and_the_next_is_refused(string shape, int ruleIndex)
    {
        var rule = Rules[ruleIndex];
        for (var seed = 0; seed < Seeds; seed++)
        {
            var random = new Random(seed * 104_729 + ruleIndex * 17 + shape.Length);
            var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks + random.NextInt64(0, rule.Period.Ticks);
            var window = new SlidingWindow(rule.SubWindowTicks, rule.Permits, start);
            var arrivals = Arrivals(shape, rule, random, start);
            var last = start;
            foreach (var at in arrivals.Take(random.Next(arrivals.Count + 1)))
            {
                Decide(window, rule, at);
                last = at;
            }

            // Idle: nothing for a period and the sub-window counted in full. Then N at one instant.
            var now = last + (RateLimitRule.SubWindows + 1) * rule.SubWindowTicks;
            for (var i = 0; i < rule.Permits; i++)
                Assert.True(Decide(window, rule, now).Admitted, $"{shape} {rule} seed {seed}: request {i + 1} of {rule.Permits} refused from idle");
            Assert.False(Decide(window, rule, now).Admitted);
        }
    }

    [Fact]
    public void a_fresh_bucket_admits_n_at_once_the_next_waits_for_the_oldest_sub_window_to_leave()
    {
        var rule = new RateLimitRule(10, RateLimitUnit.Minute);
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 1, TimeSpan.Zero).UtcTicks; // one second into a 2 s sub-window
        var window = new SlidingWindow(rule.SubWindowTicks, rule.Permits, start);
        for (var i = 0; i < 10; i++) Assert.True(Decide(window, rule, start).Admitted);
        var (admitted, wait) = Decide(window, rule, start);
        Assert.False(admitted);
        // The sub-window [0 s, 2 s) is counted until 62 s: 61 s from now, one sub-window later than an exact log's 60 s.
        Assert.Equal(TimeSpan.FromSeconds(61), TimeSpan.FromTicks(wait));
        Assert.Equal(0, window.Remaining(rule.Permits));
        Assert.Equal(TimeSpan.FromSeconds(61), TimeSpan.FromTicks(window.Reset(start)));
    }

    [Fact]
    public void the_stored_form_round_trips_through_the_row_serializer()
    {
        var rule = new RateLimitRule(300, RateLimitUnit.Minute);
        var now = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks;
        var window = new SlidingWindow(rule.SubWindowTicks, rule.Permits, now);
        for (var s = 0; s < 40; s++)
        {
            for (var i = 0; i < s % 5; i++) Decide(window, rule, now + s * TimeSpan.TicksPerSecond);
        }
        var at = now + 40 * TimeSpan.TicksPerSecond;
        window.Advance(at);

        var serializer = new SystemTextJsonGrainStorageSerializer(Options.Create(new SystemTextJsonGrainStorageSerializerOptions()));
        var row = serializer.Serialize(new RateLimitState { Windows = { ["aggregate"] = window.ToStored() } });
        var back = SlidingWindow.FromStored(serializer.Deserialize<RateLimitState>(row)!.Windows["aggregate"])!;
        back.Advance(at);
        Assert.Equal(window.Total, back.Total);
        Assert.Equal(window.Reset(at), back.Reset(at));
        Assert.Equal(window.Wait(rule.Permits, at), back.Wait(rule.Permits, at));
        output.WriteLine($"stored row: {row.ToMemory().Length} bytes: {row}");
    }

    [Fact]
    public void a_row_of_the_gcra_limiter_loads_as_no_windows()
    {
        // What the previous limiter stored: a theoretical arrival time per bucket.
        var serializer = new SystemTextJsonGrainStorageSerializer(Options.Create(new SystemTextJsonGrainStorageSerializerOptions()));
        var legacy = BinaryData.FromString("{\"Buckets\":{\"aggregate\":\"2026-01-01T00:00:12+00:00\",\"auth:/auth/login/dex\":\"2026-01-01T00:00:30+00:00\"}}");
        var state = serializer.Deserialize<RateLimitState>(legacy)!;
        Assert.Empty(state.Windows);
    }

    [Theory]
    [InlineData(0, 5, 10)]   // no width
    [InlineData(2, 0, 10)]   // no N
    [InlineData(2, 5, 40)]   // more counters than a window has
    public void a_malformed_stored_window_is_dropped_not_loaded(long width, int permits, int counters)
    {
        Assert.Null(SlidingWindow.FromStored(new StoredWindow { Width = width, Permits = permits, Newest = 1_000_000, Counts = new int[counters] }));
    }

    [Fact]
    public void memory_per_bucket_is_at_most_256_bytes()
    {
        var rule = new RateLimitRule(6000, RateLimitUnit.Minute);
        const int count = 10_000;
        var keep = new SlidingWindow[count];
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < count; i++) keep[i] = new SlidingWindow(rule.SubWindowTicks, rule.Permits, i);
        var perBucket = (GC.GetAllocatedBytesForCurrentThread() - before) / (double)count;
        GC.KeepAlive(keep);
        output.WriteLine($"{perBucket:F1} bytes per bucket (window object and its counters)");
        Assert.InRange(perBucket, 1, 256);
    }

    /// <summary>How many of <paramref name="sortedTimes"/> are later than <paramref name="after"/>.</summary>
    private static int CountSince(List<long> sortedTimes, long after)
    {
        int low = 0, high = sortedTimes.Count;
        while (low < high)
        {
            var mid = (low + high) / 2;
            if (sortedTimes[mid] > after) high = mid; else low = mid + 1;
        }
        return sortedTimes.Count - low;
    }
}
