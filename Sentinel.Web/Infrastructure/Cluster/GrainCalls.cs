using Sentinel.Web.Infrastructure.Hosting;

namespace Sentinel.Web.Infrastructure.Cluster;

/// <summary>
/// Gives each grain call its own deadline, linked to the request, instead of one global response timeout.
/// </summary>
public sealed class GrainCalls(IClusterAccess cluster, WebSettings settings)
{
    /// <summary>Most attempts of <see cref="RunIdempotentAsync{T}"/>, whatever the budget.</summary>
    public const int MaxIdempotentAttempts = 12;

    /// <summary>The grain factory; throws <see cref="ClusterUnavailableException"/> when not connected.</summary>
    public IGrainFactory Grains => cluster.Grains;

    /// <summary>Runs <paramref name="call"/> with a token that fires after <c>GRAIN_CALL_TIMEOUT_MS</c> or when the request ends.</summary>
    public async Task<T> RunAsync<T>(Func<IGrainFactory, CancellationToken, Task<T>> call, CancellationToken requestAborted, TimeSpan? timeout = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
        deadline.CancelAfter(timeout ?? TimeSpan.FromMilliseconds(settings.GrainCallTimeoutMs));
        try
        {
            return await call(cluster.Grains, deadline.Token);
        }
        catch (Exception ex) when (!requestAborted.IsCancellationRequested && IsTransport(ex))
        {
            throw new ClusterUnavailableException("A grain call failed in transit.", ex);
        }
    }

    /// <summary>
    /// Like <see cref="RunAsync{T}"/>, for calls that are safe to repeat: reads, and decisions whose repetition can only
    /// be stricter (a rate-limit check counted twice). When the call fails because its silo is shutting down or gone
    /// (<see cref="IsSiloGone"/>), it is retried after 50, 100, 200, then every 400 ms while the cluster moves the grain to
    /// a live silo (a killed silo's grains answer again once its peers declare it dead, about 5 s), for as long as the
    /// retry budget (<c>GRAIN_CALL_TIMEOUT_MS</c>, measured from the first attempt) lasts. A timeout is retried once, with
    /// a fresh deadline and budget (a reply lost with a silo or gateway that shut down never comes), so the call takes at
    /// most two deadlines. Never use this for a write that is not idempotent by itself.
    /// </summary>
    public async Task<T> RunIdempotentAsync<T>(Func<IGrainFactory, CancellationToken, Task<T>> call, CancellationToken requestAborted, TimeSpan? timeout = null)
    {
        var retry = new RetryBudget(Environment.TickCount64);
        for (var attempt = 1; ; attempt++)
        {
            TimeSpan pause;
            try
            {
                return await RunAsync(call, requestAborted, timeout);
            }
            catch (ClusterUnavailableException ex) when (retry.Next(this, ex, attempt, requestAborted, out pause))
            {
            }
            if (pause > TimeSpan.Zero) await Task.Delay(pause, requestAborted);
        }
    }

    /// <summary>
    /// <see cref="RunIdempotentAsync{T}"/> for the one call nearly every request makes (the rate-limit decision), without
    /// its per-call costs when the first attempt succeeds: no linked token source, no timer, no token for Orleans to
    /// register for cancellation on both sides, no closure (<paramref name="state"/> is passed through). The grain method
    /// takes no token and carries its own deadline, <paramref name="methodTimeout"/> (Orleans' <c>[ResponseTimeout]</c>);
    /// when <c>GRAIN_CALL_TIMEOUT_MS</c> is shorter, that is the deadline instead (one timer per call, as before). The
    /// call is not cancelled when the request ends: it lasts microseconds. A failure in transit follows the retry rules
    /// of <see cref="RunIdempotentAsync{T}"/> from its second attempt on, with the usual per-attempt deadline.
    /// </summary>
    public async ValueTask<T> RunIdempotentUncancellableAsync<TState, T>(Func<IGrainFactory, TState, ValueTask<T>> call, TState state,
        TimeSpan methodTimeout, CancellationToken requestAborted)
    {
        var started = Environment.TickCount64;
        var configured = TimeSpan.FromMilliseconds(settings.GrainCallTimeoutMs);
        ClusterUnavailableException failed;
        try
        {
            var pending = call(cluster.Grains, state);
            return configured < methodTimeout ? await pending.AsTask().WaitAsync(configured) : await pending;
        }
        catch (Exception ex) when (!requestAborted.IsCancellationRequested && IsTransport(ex))
        {
            failed = new ClusterUnavailableException("A grain call failed in transit.", ex);
        }

        // Rare (a silo failing over): the general path, each attempt with its own deadline linked to the request.
        var retry = new RetryBudget(started);
        if (!retry.Next(this, failed, 1, requestAborted, out var pause)) throw failed;
        if (pause > TimeSpan.Zero) await Task.Delay(pause, requestAborted);
        for (var attempt = 2; ; attempt++)
        {
            try
            {
                return await RunAsync((grains, ct) => call(grains, state).AsTask().WaitAsync(ct), requestAborted);
            }
            catch (ClusterUnavailableException ex) when (retry.Next(this, ex, attempt, requestAborted, out pause))
            {
            }
            if (pause > TimeSpan.Zero) await Task.Delay(pause, requestAborted);
        }
    }

    /// <summary>
    /// The retry rules of <see cref="RunIdempotentAsync{T}"/>: a silo gone is retried with back-off while the budget lasts
    /// (measured from the first attempt); a timeout is retried once, at once, with a fresh budget.
    /// </summary>
    private struct RetryBudget(long started)
    {
        private long started = started;
        private bool timedOut;

        /// <summary>True when attempt <paramref name="attempt"/>, failed with <paramref name="ex"/>, is to be followed by another after <paramref name="pause"/>.</summary>
        public bool Next(GrainCalls calls, ClusterUnavailableException ex, int attempt, CancellationToken requestAborted, out TimeSpan pause)
        {
            pause = TimeSpan.Zero;
            if (requestAborted.IsCancellationRequested || ex.InnerException is not { } inner) return false;
            if (IsSiloGone(inner))
            {
                if (!calls.MayRetry(attempt, TimeSpan.FromMilliseconds(Environment.TickCount64 - started))) return false;
                pause = RetryDelay(attempt);
                return true;
            }
            if (timedOut || inner is not (OperationCanceledException or TimeoutException)) return false;
            // One more attempt, with a fresh deadline, after a timeout: a reply lost with a gateway or silo that was
            // shutting down never arrives, and a new attempt is routed afresh. At most two deadlines in all.
            timedOut = true;
            started = Environment.TickCount64;
            return true;
        }
    }

    /// <summary>True when retry <paramref name="attempt"/> still fits: under the attempt cap, and its pause ends within the budget.</summary>
    public bool MayRetry(int attempt, TimeSpan elapsed) =>
        attempt < MaxIdempotentAttempts && elapsed + RetryDelay(attempt) < TimeSpan.FromMilliseconds(settings.GrainCallTimeoutMs);

    /// <summary>The pause before retry <paramref name="attempt"/>: 50 ms doubling, at most 400 ms.</summary>
    public static TimeSpan RetryDelay(int attempt) => TimeSpan.FromMilliseconds(50 << Math.Min(attempt - 1, 3));

    /// <summary>Failures that say nothing about the request itself: the cluster could not be reached in time.</summary>
    public static bool IsTransport(Exception ex) => ex is OperationCanceledException
        or TimeoutException
        or SiloUnavailableException
        or OrleansMessageRejectionException
        or Orleans.Runtime.Messaging.ConnectionFailedException
        or ClusterUnavailableException
        or Sentinel.Grains.Storage.StorageUnavailableException
        // A grain failed with a type the edge cannot deserialize: in practice the database driver's, from a grain that
        // could not read its state while PostgreSQL restarted (activation failures bypass the silo's exception filter).
        // Nothing was decided; fail closed as unavailable rather than 500.
        or Orleans.Serialization.CodecNotFoundException;

    /// <summary>
    /// The silo that hosted (or was asked to host) the grain is shutting down, dead or unreachable, or the grain's
    /// storage was briefly unavailable: a new attempt is routed afresh. Timeouts are excluded.
    /// </summary>
    public static bool IsSiloGone(Exception ex) => ex is SiloUnavailableException
        or OrleansMessageRejectionException
        or Orleans.Runtime.Messaging.ConnectionFailedException
        or Sentinel.Grains.Storage.StorageUnavailableException;
}
