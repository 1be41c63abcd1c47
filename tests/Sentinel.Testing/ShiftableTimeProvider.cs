namespace Sentinel.Testing;

/// <summary>
/// Wall-clock time plus an offset that tests can move forward. Web tests share one in-process cluster: tokens are
/// minted with the wall clock (so revocation cut-offs must follow it), while rate-limit tests skip ahead in time.
/// </summary>
public sealed class ShiftableTimeProvider : TimeProvider
{
    private long offsetTicks;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow().AddTicks(Interlocked.Read(ref offsetTicks));

    /// <summary>Moves this clock forward by <paramref name="delta"/>.</summary>
    public void Advance(TimeSpan delta) => Interlocked.Add(ref offsetTicks, delta.Ticks);
}
