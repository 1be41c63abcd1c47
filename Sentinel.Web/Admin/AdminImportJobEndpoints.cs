using System.Text;
using Sentinel.Grains.Admin;
using Sentinel.Grains.Directory;
using Sentinel.Grains.RateLimiting;
using Sentinel.Web.SignIn;
using Sentinel.Web.Infrastructure.Cluster;
using Sentinel.Web.Infrastructure.Errors;
using Sentinel.Web.RateLimiting;
using Sentinel.Web.Infrastructure.Conventions;

namespace Sentinel.Web.Admin;

/// <summary>
/// Batched CSV import as a job (beyond the contract; <c>/admin/import/csv/execute</c> stays the contract's row-by-row
/// path). The whole file is parsed and validated here first; the valid rows go to an <see cref="IAdminImportJobGrain"/>,
/// which writes them in batches in one transaction while the panel polls its progress. See docs/admin-panel.md.
/// </summary>
public static class AdminImportJobEndpoints
{
    /// <summary>Rows per batch statement group: large enough that 10,000 rows take a handful of round trips.</summary>
    public const int BatchSize = 1000;

    public static RouteGroupBuilder MapAdminImportJobEndpoints(this RouteGroupBuilder admin)
    {
        // RATE_LIMIT_SENSITIVE per user, like execute: decided once the file passed its checks.
        admin.MapPost("/import/csv/jobs", StartAsync).DisableAntiforgery().WithRateLimitTier(RateLimitTier.Sensitive).DecideRateLimitInEndpoint();
        admin.MapGet("/import/csv/jobs/{job_id}", GetAsync);
        admin.MapPost("/import/csv/jobs/{job_id}/cancel", CancelAsync);
        admin.MapGet("/import/csv/jobs/{job_id}/errors.csv", ErrorsAsync);
        return admin;
    }

    public static async Task<IResult> StartAsync(AdminSession admin, HttpContext context, GrainCalls calls, RateLimitGate limiter)
    {
        var (text, refused) = await AdminCsvEndpoints.ReadFileAsync(context);
        if (refused is not null)
        {
            AdminActivity.NotCounted(context);
            return refused;
        }
        var parsed = AdminCsvEndpoints.Parse(text!);
        if (parsed is null)
        {
            AdminActivity.NotCounted(context);
            return ApiErrors.Result(StatusCodes.Status422UnprocessableEntity,
                $"Invalid CSV header: expected {string.Join(',', AdminCsvEndpoints.Columns)}", ErrorCodes.CsvInvalidHeader);
        }
        if ((await limiter.CheckAsync(context)).Rejection() is { } rejected) return rejected;

        var (valid, fileErrors) = Split(parsed);
        var jobId = Guid.NewGuid();
        var status = await calls.RunAsync((g, ct) => g.GetGrain<IAdminImportJobGrain>(jobId)
            .StartAsync(new ImportJobRequest(admin.Caller.UserId, parsed.Count, valid, fileErrors, BatchSize), ct), context.RequestAborted);
        return Results.Json(Body(status), statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>Valid rows ready for the grains, and the rows refused by the file checks (numbered from 2: the header is row 1).</summary>
    public static (List<CsvImportRow> Valid, List<ImportRowError> Errors) Split(IReadOnlyList<AdminCsvEndpoints.PreviewRow> parsed)
    {
        var valid = new List<CsvImportRow>(parsed.Count);
        var errors = new List<ImportRowError>();
        for (var i = 0; i < parsed.Count; i++)
        {
            var row = parsed[i];
            if (row.Error is not null)
            {
                errors.Add(new ImportRowError(i + 2, row.Email, row.Error));
                continue;
            }
            WorkspaceRoles.TryParse(row.Role, out var role);
            valid.Add(new CsvImportRow(i + 2, Emails.Normalize(row.Email), row.Name.Length > 0 ? row.Name : row.Email.Split('@')[0], row.WorkspaceSlug, role));
        }
        return (valid, errors);
    }

    public static async Task<IResult> GetAsync(AdminSession admin, string job_id, GrainCalls calls, HttpContext context)
    {
        if (!Guid.TryParse(job_id, out var id)) return NotFound();
        var status = await calls.RunIdempotentAsync((g, ct) => g.GetGrain<IAdminImportJobGrain>(id).GetAsync(ct), context.RequestAborted);
        return status is null ? NotFound() : Results.Json(Body(status));
    }

    public static async Task<IResult> CancelAsync(AdminSession admin, string job_id, GrainCalls calls, HttpContext context)
    {
        if (!Guid.TryParse(job_id, out var id)) return NotFound();
        var status = await calls.RunIdempotentAsync((g, ct) => g.GetGrain<IAdminImportJobGrain>(id).CancelAsync(ct), context.RequestAborted);
        return status is null ? NotFound() : Results.Json(Body(status));
    }

    /// <summary>The per-row error report: <c>row,email,error</c>, in file order.</summary>
    public static async Task<IResult> ErrorsAsync(AdminSession admin, string job_id, GrainCalls calls, HttpContext context)
    {
        if (!Guid.TryParse(job_id, out var id)) return NotFound();
        var errors = await calls.RunIdempotentAsync((g, ct) => g.GetGrain<IAdminImportJobGrain>(id).GetErrorsAsync(ct), context.RequestAborted);
        if (errors is null) return NotFound();
        var csv = new StringBuilder("row,email,error\r\n");
        foreach (var e in errors) csv.Append(AdminCsv.Int(e.Line)).Append(',').Append(AdminCsv.Text(e.Email)).Append(',').Append(AdminCsv.Text(e.Error)).Append("\r\n");
        return Results.File(new UTF8Encoding(false).GetBytes(csv.ToString()), "text/csv; charset=utf-8", $"import-{id:N}-errors.csv");
    }

    private static IResult NotFound() =>
        ApiErrors.Result(StatusCodes.Status404NotFound, "Import job not found (unknown, or expired 30 minutes after it started)", ErrorCodes.ImportJobNotFound);

    public static object Body(ImportJobStatus s) => new
    {
        job_id = s.JobId,
        state = s.State,
        total_rows = s.TotalRows,
        valid_rows = s.ValidRows,
        processed = s.Processed,
        rows_landed = s.RowsLanded,
        users_created = s.UsersCreated,
        memberships_added = s.MembershipsAdded,
        error_count = s.ErrorCount,
        rows_per_second = s.RowsPerSecond,
        eta_seconds = s.EtaSeconds,
        elapsed_seconds = s.ElapsedSeconds,
        started_at = s.StartedAt,
        finished_at = s.FinishedAt,
        message = s.Message,
        done = ImportJobStates.IsFinal(s.State),
    };
}
