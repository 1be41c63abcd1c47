using Sentinel.Grains.Sessions;
using Sentinel.Web.Cluster;
using Sentinel.Web.Errors;

namespace Sentinel.Web.Sessions;

/// <summary>
/// Calls that issue tokens, retried by the edge when they fail in transit (rotation is idempotent at the edge). Each call carries a request id fixed
/// by its caller; the session grain answers a repeated id with the result it stored, so a reply lost on the way back
/// is recovered instead of looking like a reused refresh token. A version conflict is a value, never retried.
/// A failure that says the grain's silo is shutting down or gone (<see cref="GrainCalls.IsSiloGone"/>, a rolling restart)
/// is retried like <see cref="GrainCalls.RunIdempotentAsync{T}"/> (growing pauses within the retry budget); other transit
/// failures (timeouts, which already used a whole deadline) get <see cref="Attempts"/>.
/// </summary>
public sealed partial class SessionCalls(GrainCalls calls, ILogger<SessionCalls> logger)
{
    /// <summary>One call and at most two retries.</summary>
    public const int Attempts = 3;

    public async Task<SessionDecision> DecideAsync(Guid userId, Func<IUserSessionGrain, CancellationToken, Task<SessionDecision>> call, CancellationToken requestAborted)
    {
        var started = Environment.TickCount64;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await calls.RunAsync((grains, ct) => call(grains.GetGrain<IUserSessionGrain>(userId), ct), requestAborted);
            }
            catch (ClusterUnavailableException ex) when (!requestAborted.IsCancellationRequested
                && (ex.InnerException is { } inner && GrainCalls.IsSiloGone(inner)
                    ? calls.MayRetry(attempt, TimeSpan.FromMilliseconds(Environment.TickCount64 - started))
                    : attempt < Attempts))
            {
                LogRetry(logger, userId, attempt, ex.InnerException?.GetType().Name ?? ex.GetType().Name);
                await Task.Delay(GrainCalls.RetryDelay(attempt), requestAborted);
            }
        }
    }

    /// <summary>Fail closed: 503 with Retry-After, never a token.</summary>
    public static IResult Unavailable(HttpContext context) => ApiErrors.ClusterUnavailable();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session call for user {UserId} failed in transit ({Reason}); retry {Attempt} with the same request id")]
    private static partial void LogRetry(ILogger logger, Guid userId, int attempt, string reason);
}
