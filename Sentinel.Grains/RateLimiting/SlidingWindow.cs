namespace Sentinel.Grains.RateLimiting;

/// <summary>
/// One bucket: a sliding window of <see cref="RateLimitRule.SubWindows"/> + 1 sub-window counters (see
/// <see cref="RateLimitRule"/> for the rule and its bounds). Times are UTC ticks; sub-window <c>k</c> covers
/// <c>[k·W, (k+1)·W)</c>. The counted sub-windows at <c>now</c> are <c>cur − S … cur</c> (<c>cur = ⌊now / W⌋</c>): they
/// cover <c>[now − period, now]</c> because <c>S·W ≥ period</c>, and reach back less than <c>period + W</c>.
/// </summary>
/// <remarks>
/// Memory: one object of 168 bytes on 64-bit, whatever the rate: header (16), width, newest index (8 each), total, N (4
/// each) and the 31 counters inline (124), rounded to 8 (measured by <c>SlidingWindowTests.memory_per_bucket_is_at_most_256_bytes</c>;
/// the counters in an array of their own cost 200). A clock that steps back (another
/// silo's, after a move) is read as the newest sub-window seen, so counts never leave early.
/// </remarks>
internal sealed class SlidingWindow
{
    private const int Slots = RateLimitRule.SubWindows + 1;

    private Counters counts;
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
            ref var slot = ref counts[(int)(k % Slots)];
            total -= slot;
            slot = 0;
        }
        newest = current;
    }

    /// <summary>Counts one request in the current sub-window (after <see cref="Advance"/>).</summary>
    public void Add() => Add(1);

    /// <summary>Counts <paramref name="requests"/> in the current sub-window (after <see cref="Advance"/>): a lease's grant.</summary>
    public void Add(int requests)
    {
        counts[(int)(newest % Slots)] += requests;
        total += requests;
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
            left -= counts[(int)(k % Slots)];
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
            if (counts[(int)(k % Slots)] != 0) return Math.Max(0, (k + Slots) * Width - now);
        }
        return 0;
    }

    /// <summary>The stored form: the counts from the oldest non-empty sub-window to the newest.</summary>
    public StoredWindow ToStored()
    {
        var oldest = newest - Slots + 1;
        while (oldest < newest && counts[(int)(oldest % Slots)] == 0) oldest++;
        var stored = new int[newest - oldest + 1];
        for (var k = oldest; k <= newest; k++) stored[k - oldest] = counts[(int)(k % Slots)];
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
            window.counts[(int)((oldest + i) % Slots)] = values[i];
            window.total = checked(window.total + values[i]);
        }
        return window;
    }

    /// <summary>The sub-window counters, inline in the window object (no array header, no second object).</summary>
    [System.Runtime.CompilerServices.InlineArray(Slots)]
    private struct Counters
    {
        private int first;
    }
}
