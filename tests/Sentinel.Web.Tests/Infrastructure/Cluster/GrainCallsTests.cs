using Orleans.Runtime.Messaging;
using Sentinel.Web.Infrastructure.Cluster;
using Sentinel.Web.Infrastructure.Hosting;
using Xunit;

namespace Sentinel.Web.Tests.Infrastructure.Cluster;

public sealed class GrainCallsTests
{
    // The calls under test never touch the factory; only the failure the "cluster" throws matters.
    private readonly GrainCalls calls = new(new FixedClusterAccess(null!), new WebSettings { GrainCallTimeoutMs = 2000 });

    [Fact]
    public async Task idempotent_call_is_retried_when_its_silo_is_gone_and_then_answers()
    {
        var attempts = 0;
        var answer = await calls.RunIdempotentAsync((_, _) =>
        {
            attempts++;
            return attempts switch
            {
                1 => throw new SiloUnavailableException("silo shutting down"),
                2 => throw new ConnectionFailedException("connection dropped"),
                _ => Task.FromResult(42),
            };
        }, CancellationToken.None);

        Assert.Equal(42, answer);
        Assert.Equal(3, attempts);
    }

    [Fact]
    public async Task idempotent_call_gives_up_as_cluster_unavailable_once_its_budget_is_spent()
    {
        var attempts = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<ClusterUnavailableException>(() => calls.RunIdempotentAsync<int>((_, _) =>
        {
            attempts++;
            throw new SiloUnavailableException("gone");
        }, CancellationToken.None));

        // Budget 2000 ms: pauses of 50, 100, 200, then 400 ms while the next pause still ends within it (about 7 attempts
        // on an idle box; one that oversleeps its pauses gets fewer). It never gives up early: it stopped only because
        // the next pause would have ended beyond the budget (or at the attempt cap), and it never paused past it.
        Assert.InRange(attempts, 2, GrainCalls.MaxIdempotentAttempts);
        var elapsed = clock.Elapsed;
        Assert.True(attempts == GrainCalls.MaxIdempotentAttempts || elapsed + GrainCalls.RetryDelay(attempts) >= TimeSpan.FromMilliseconds(2000),
            $"gave up after {attempts} attempts and {elapsed.TotalMilliseconds:F0} ms, with budget left for another");
        Assert.True(elapsed < TimeSpan.FromMilliseconds(2000 + 1500), $"took {elapsed.TotalMilliseconds:F0} ms");
        Assert.IsType<SiloUnavailableException>(ex.InnerException);
    }

    [Fact]
    public async Task uncancellable_call_is_retried_when_its_silo_is_gone_and_then_answers()
    {
        var attempts = 0;
        var answer = await calls.RunIdempotentUncancellableAsync((_, step) =>
        {
            attempts += step;
            return attempts switch
            {
                1 => throw new SiloUnavailableException("silo shutting down"),
                2 => ValueTask.FromException<int>(new ConnectionFailedException("connection dropped")),
                _ => ValueTask.FromResult(42),
            };
        }, 1, TimeSpan.FromSeconds(5), CancellationToken.None);

        Assert.Equal(42, answer);
        Assert.Equal(3, attempts);
    }

    [Fact]
    public async Task uncancellable_call_keeps_the_configured_deadline_when_it_is_shorter_than_the_methods_and_is_retried_once()
    {
        // GRAIN_CALL_TIMEOUT_MS 2000 < the method's 5 s: each attempt times out after 2 s, retried once, then unavailable.
        var attempts = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<ClusterUnavailableException>(async () => await calls.RunIdempotentUncancellableAsync((_, _) =>
        {
            attempts++;
            return new ValueTask<int>(new TaskCompletionSource<int>().Task); // a reply that never comes
        }, 0, TimeSpan.FromSeconds(5), CancellationToken.None));

        Assert.Equal(2, attempts);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(3900), TimeSpan.FromMilliseconds(9000));
        Assert.True(ex.InnerException is TimeoutException or OperationCanceledException, ex.InnerException?.GetType().Name);
    }

    [Fact]
    public async Task uncancellable_call_does_not_retry_an_answer_from_the_grain()
    {
        var attempts = 0;
        await Assert.ThrowsAsync<ArgumentException>(async () => await calls.RunIdempotentUncancellableAsync<int, int>((_, _) =>
        {
            attempts++;
            throw new ArgumentException("refused by the grain");
        }, 0, TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Equal(1, attempts);
    }

    [Fact]
    public void retries_stop_at_the_attempt_cap_even_with_budget_left()
    {
        var generous = new GrainCalls(new FixedClusterAccess(null!), new WebSettings { GrainCallTimeoutMs = 60_000 });
        Assert.True(generous.MayRetry(GrainCalls.MaxIdempotentAttempts - 1, TimeSpan.Zero));
        Assert.False(generous.MayRetry(GrainCalls.MaxIdempotentAttempts, TimeSpan.Zero));
    }

    [Fact]
    public async Task idempotent_call_is_retried_once_after_a_timeout_then_fails_closed()
    {
        var attempts = 0;
        var ex = await Assert.ThrowsAsync<ClusterUnavailableException>(() => calls.RunIdempotentAsync<int>((_, _) =>
        {
            attempts++;
            throw new TimeoutException("deadline");
        }, CancellationToken.None));

        Assert.Equal(2, attempts);
        Assert.IsType<TimeoutException>(ex.InnerException);
    }

    [Fact]
    public async Task idempotent_call_answers_when_the_retry_after_a_lost_reply_succeeds()
    {
        var attempts = 0;
        var answer = await calls.RunIdempotentAsync(async (_, ct) =>
        {
            attempts++;
            // The first reply never comes: only this attempt's own deadline ends it.
            if (attempts == 1) await Task.Delay(Timeout.Infinite, ct);
            return 7;
        }, CancellationToken.None, TimeSpan.FromMilliseconds(200));

        Assert.Equal(7, answer);
        Assert.Equal(2, attempts);
    }

    [Fact]
    public async Task idempotent_call_does_not_retry_an_answer_from_the_grain()
    {
        var attempts = 0;
        await Assert.ThrowsAsync<InvalidOperationException>(() => calls.RunIdempotentAsync<int>((_, _) =>
        {
            attempts++;
            throw new InvalidOperationException("the grain refused");
        }, CancellationToken.None));

        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task plain_call_is_never_retried()
    {
        var attempts = 0;
        await Assert.ThrowsAsync<ClusterUnavailableException>(() => calls.RunAsync<int>((_, _) =>
        {
            attempts++;
            throw new SiloUnavailableException("gone");
        }, CancellationToken.None));

        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task grain_failure_the_edge_cannot_deserialize_is_cluster_unavailable_not_a_server_error()
    {
        var ex = await Assert.ThrowsAsync<ClusterUnavailableException>(() => calls.RunAsync<int>((_, _) =>
            throw new Orleans.Serialization.CodecNotFoundException("Could not find a codec for type Npgsql.NpgsqlException."), CancellationToken.None));

        Assert.IsType<Orleans.Serialization.CodecNotFoundException>(ex.InnerException);
    }

    [Fact]
    public void retry_delays_double_from_50_ms_up_to_400_ms()
    {
        Assert.Equal([50, 100, 200, 400, 400], Enumerable.Range(1, 5).Select(a => (int)GrainCalls.RetryDelay(a).TotalMilliseconds));
    }
}
