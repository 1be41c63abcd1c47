namespace Sentinel.Grains.RateLimiting;

/// <summary>
/// One bucket: a sliding window of <see cref="RateLimitRule.SubWindows"/> + 1 sub-window counters (see
/// <see cref="RateLimitRule"/> for the rule and its bounds). Times are UTC ticks; sub-window <c>k</c> covers
/// <c>[k·W, (k+1)·W)</c>. The counted sub-windows at <c>now</c> are <c>cur − S … cur</c> (<c>cur = ⌊now / W⌋</c>): they
/// cover <c>[now − period, now]</c> because <c>S·W ≥ period</c>, and reach back less than <c>period + W</c>.
/// </summary>
/// <remarks>
/// Memory: this object (48 bytes: header, array reference, width, newest index, total, N) and its counter array (31 ints: 152 bytes), 200 bytes per bucket on 64-bit, whatever
/// the rate (measured by <c>SlidingWindowTests.memory_per_bucket_is_at_most_256_bytes</c>). A clock that steps back (another
/// silo's, after a move) is read as the newest sub-window seen, so counts never leave early.
/// </remarks>
internal sealed class SlidingWindow
{
    private const int Slots = RateLimitRule.SubWindows + 1;

    private readonly int[] counts = new int[Slots];
    private long newest;
    private int total;

    public SlidingWindow(long width, int permits, long now)
    {
        Width = width;
        Permits = permits;
        newest = now / width;
    }

    /// <summary>N of the rule last applied (rules come with requests; the flush needs it without one).</summary>
    public int Permits { get; set; }

    /// <summary>Ticks per sub-window; a rule with another width (the tier's period was changed) starts a new window.</summary>
    public long Width { get; }

    /// <summary>Requests counted at the last <see cref="Advance"/>.</summary>
    public int Total => total;

    /// <summary>Forgets the sub-windows that no longer overlap the window ending at <paramref name="now"/>.</summary>
    public void Advance(long now)
    {
        var current = now / Width;
        if (current <= newest) return;
        var steps = Math.Min(current - newest, Slots);
        for (var k = newest + 1; k <= newest + steps; k++)
        {
            ref var slot = ref counts[k % Slots];
            total -= slot;
            slot = 0;
        }
        newest = current;
    }

    /// <summary>Counts one request in the current sub-window (after <see cref="Advance"/>).</summary>
    public void Add()
    {
        counts[newest % Slots]++;
        total++;
    }

    /// <summary>
    /// Whether losing the window would hand back more than <paramref name="worth"/> of the rate: it counts more than
    /// N × worth / period requests (300/minute and 2 s: more than 10). Only such windows are stored.
    /// </summary>
    public bool HoldsMoreThan(TimeSpan worth) =>
        (long)total * Width * RateLimitRule.SubWindows > worth.Ticks * Permits;

    /// <summary>Requests admitted now back to back: N minus what the window counts.</summary>
    public int Remaining(int permits) => Math.Max(0, permits - total);

    /// <summary>Ticks from <paramref name="now"/> until fewer than <paramref name="permits"/> are counted; 0 if already.</summary>
    public long Wait(int permits, long now)
    {
        if (total < permits) return 0;
        var left = total;
        for (var k = newest - Slots + 1; k <= newest; k++)
        {
            left -= counts[k % Slots];
            // Sub-window k stops being counted once cur − S > k, i.e. at (k + S + 1)·W.
            if (left < permits) return Math.Max(0, (k + Slots) * Width - now);
        }
        return Math.Max(0, (newest + Slots) * Width - now);
    }

    /// <summary>Ticks from <paramref name="now"/> until nothing is counted (the bucket is full again).</summary>
    public long Reset(long now)
    {
        for (var k = newest; k > newest - Slots; k--)
        {
            if (counts[k % Slots] != 0) return Math.Max(0, (k + Slots) * Width - now);
        }
        return 0;
    }

    /// <summary>The stored form: the counts from the oldest non-empty sub-window to the newest.</summary>
    public StoredWindow ToStored()
    {
        var oldest = newest - Slots + 1;
        while (oldest < newest && counts[oldest % Slots] == 0) oldest++;
        var stored = new int[newest - oldest + 1];
        for (var k = oldest; k <= newest; k++) stored[k - oldest] = counts[k % Slots];
        return new StoredWindow { Width = Width, Permits = Permits, Newest = newest, Counts = stored };
    }

    /// <summary>Rebuilds a stored window; null when the stored form is malformed (then the bucket starts full).</summary>
    public static SlidingWindow? FromStored(StoredWindow stored)
    {
        if (stored.Width <= 0 || stored.Permits <= 0 || stored.Counts is not { Length: > 0 and <= Slots } values || stored.Newest < values.Length) return null;
        if (values.Any(c => c < 0)) return null;
        var window = new SlidingWindow(stored.Width, stored.Permits, stored.Newest * stored.Width);
        var oldest = stored.Newest - values.Length + 1;
        for (var i = 0; i < values.Length; i++)
        {
            window.counts[(oldest + i) % Slots] = values[i];
            window.total = checked(window.total + values[i]);
        }
        return window;
    }
}
