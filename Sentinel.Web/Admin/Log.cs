namespace Sentinel.Web.Admin;

internal static partial class Log
{
    [LoggerMessage(EventId = 5100, EventName = "AdminHealthCheckFailed", Level = LogLevel.Warning,
        Message = "Admin health check of {Dependency} failed: {ErrorType}")]
    public static partial void CheckFailed(ILogger logger, string dependency, string errorType);

    [LoggerMessage(EventId = 5101, EventName = "AdminCsvImported", Level = LogLevel.Information,
        Message = "CSV import by admin {AdminId}: {Rows} rows, {UsersCreated} users created, {MembershipsAdded} memberships added, {Errors} errors")]
    public static partial void CsvImported(ILogger logger, Guid adminId, int rows, int usersCreated, int membershipsAdded, int errors);

    [LoggerMessage(EventId = 5102, EventName = "AdminExport", Level = LogLevel.Information,
        Message = "CSV export of {What} by admin {AdminId}: {Rows} rows")]
    public static partial void Exported(ILogger logger, string what, Guid adminId, long rows);

    [LoggerMessage(EventId = 5103, EventName = "AdminClusterStatsFailed", Level = LogLevel.Warning,
        Message = "Cluster view: {Part} unavailable ({ErrorType})")]
    public static partial void ClusterPartFailed(ILogger logger, string part, string errorType);

    [LoggerMessage(EventId = 5104, EventName = "AdminMetricsReportFailed", Level = LogLevel.Debug,
        Message = "Dashboard metrics: report to the cluster failed ({ErrorType}); kept for the next report")]
    public static partial void MetricsReportFailed(ILogger logger, string errorType);
}
