using Microsoft.Extensions.Logging;

namespace Sentinel.Grains.Sessions;

internal sealed partial class UserSessionGrain
{
    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId}: family {FamilyId} started in workspace {WorkspaceId}")]
    private static partial void LogFamilyStarted(ILogger logger, Guid userId, Guid familyId, Guid workspaceId);

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId}: session not started ({Reason})")]
    private static partial void LogStartRefused(ILogger logger, Guid userId, SessionRefusal reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId}: family {FamilyId} revoked at rotation ({Reason})")]
    private static partial void LogRotateRefused(ILogger logger, Guid userId, Guid familyId, SessionRefusal reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "User {UserId}: refresh token reuse in family {FamilyId}; family revoked with its access tokens")]
    private static partial void LogReuse(ILogger logger, Guid userId, Guid familyId);

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId}: refresh for unknown family {FamilyId}")]
    private static partial void LogUnknownFamily(ILogger logger, Guid userId, Guid familyId);

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId}: family {FamilyId} replayed within the reuse grace window")]
    private static partial void LogGraceReplay(ILogger logger, Guid userId, Guid familyId);

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId}: family {FamilyId} rotation repeated with the same request id (edge retry or client Idempotency-Key); stored result returned")]
    private static partial void LogEdgeRetry(ILogger logger, Guid userId, Guid familyId);

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId}: {Count} famil(y/ies) revoked ({Reason})")]
    private static partial void LogFamiliesRevoked(ILogger logger, Guid userId, int count, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "User {UserId}: session state version conflict (duplicate activation); deactivating and failing closed")]
    private static partial void LogVersionConflict(ILogger logger, Exception exception, Guid userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "User {UserId}: activity row for a reuse could not be written")]
    private static partial void LogActivityFailed(ILogger logger, Exception exception, Guid userId);
}
