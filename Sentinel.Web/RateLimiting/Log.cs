
namespace Sentinel.Web.RateLimiting;

internal static partial class Log
{
    /// <summary>One event per 429. The principal is pseudonymous for IPs; user, family and service ids are subject ids.</summary>
    [LoggerMessage(EventId = 4290, EventName = "RateLimited", Level = LogLevel.Information,
        Message = "Rate limited: tier {Tier}, principal {Principal}, route {Route}, retry after {RetryAfterSeconds}s ({Source})")]
    public static partial void RateLimited(ILogger logger, string tier, string principal, string route, int retryAfterSeconds, string source);

    [LoggerMessage(EventId = 4291, EventName = "RateLimitFailedClosed", Level = LogLevel.Warning,
        Message = "Rate limiter unavailable ({Reason}); {Tier} fails closed with 503 for route {Route}")]
    public static partial void FailedClosed(ILogger logger, string reason, string tier, string route);

    [LoggerMessage(EventId = 4292, EventName = "RateLimitFailedOpen", Level = LogLevel.Warning,
        Message = "Rate limiter unavailable ({Reason}); admitting without limits (RATE_LIMIT_FAIL_OPEN=true). {Suppressed} more since the last warning")]
    public static partial void FailedOpen(ILogger logger, string reason, long suppressed);

    [LoggerMessage(EventId = 4293, EventName = "RateLimitNotDecided", Level = LogLevel.Error,
        Message = "Endpoint {Route} decides its rate limit itself but never called RateLimitGate.CheckAsync")]
    public static partial void NotDecided(ILogger logger, string route);

    [LoggerMessage(EventId = 4294, EventName = "RateLimitDecidedTwice", Level = LogLevel.Error,
        Message = "Endpoint {Route} asked for its rate-limit decision a second time; a request is decided in one place (the first verdict stands)")]
    public static partial void DecidedTwice(ILogger logger, string route);
}
