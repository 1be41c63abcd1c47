namespace Sentinel.Web.Cors;

internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Information, Message = "CORS app origins loaded: {Count} origins, version {Version}")]
    public static partial void Refreshed(ILogger logger, int count, long version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "CORS app origins not refreshed: cluster unreachable ({Reason}); the last known set stays in force")]
    public static partial void RefreshFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "CORS app origins refresh failed: {Reason}")]
    public static partial void RefreshError(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "CORS preflight refused: {Failures}")]
    public static partial void PreflightRefused(ILogger logger, string failures);
}
