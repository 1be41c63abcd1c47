using System.Text;
using System.Text.Json;
using Sentinel.Grains.Admin;
using Sentinel.Grains.Directory;
using Sentinel.Grains.RateLimiting;
using Sentinel.Web.SignIn;
using Sentinel.Web.Infrastructure.Cluster;
using Sentinel.Web.Infrastructure.Errors;
using Sentinel.Web.RateLimiting;
using Sentinel.Web.Infrastructure.Conventions;

namespace Sentinel.Web.Admin;

/// <summary>CSV import (preview, execute) and the streamed user and workspace exports (docs/admin-api.md).</summary>
public static class AdminCsvEndpoints
{
    /// <summary>Largest CSV file accepted (the contract's 5 MB).</summary>
    public const long MaxFileBytes = 5 * 1024 * 1024;

    /// <summary>The columns an import file must have.</summary>
    public static readonly IReadOnlyList<string> Columns = ["email", "name", "workspace_slug", "role"];

    /// <summary>Rows per import grain call; each row commits on its own either way.</summary>
    public const int ImportSlice = 100;

    /// <summary>Rows per export page (keyset, so memory stays flat whatever the table size).</summary>
    public const int ExportPage = 500;

    public sealed record PreviewRow(string Email, string Name, string WorkspaceSlug, string Role, string? Error);

    public static RouteGroupBuilder MapAdminCsvEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapPost("/import/csv/preview", PreviewAsync).DisableAntiforgery();
        // RATE_LIMIT_SENSITIVE per user, decided once the file passed its checks.
        admin.MapPost("/import/csv/execute", ExecuteAsync).DisableAntiforgery().WithRateLimitTier(RateLimitTier.Sensitive).DecideRateLimitInEndpoint();
        admin.MapGet("/export/users", ExportUsersAsync);
        admin.MapGet("/export/workspaces", ExportWorkspacesAsync);
        admin.MapAdminImportJobEndpoints();
        return admin;
    }

    public static async Task<IResult> PreviewAsync(AdminSession admin, HttpContext context)
    {
        var (text, refused) = await ReadFileAsync(context);
        if (refused is not null) return refused;
        var rows = Parse(text!);
        if (rows is null) return Results.Json(new { rows = Array.Empty<PreviewRow>(), valid_count = 0, error_count = 1 });
        return Results.Json(new { rows, valid_count = rows.Count(r => r.Error is null), error_count = rows.Count(r => r.Error is not null) });
    }

    public static async Task<IResult> ExecuteAsync(AdminSession admin, HttpContext context, GrainCalls calls, RateLimitGate limiter, ILoggerFactory loggers)
    {
        var (text, refused) = await ReadFileAsync(context);
        if (refused is not null)
        {
            AdminActivity.NotCounted(context);
            return refused;
        }
        if ((await limiter.CheckAsync(context)).Rejection() is { } rejected) return rejected;

        var parsed = Parse(text!);
        var errors = new List<string>();
        int created = 0, added = 0;
        if (parsed is null)
        {
            errors.Add($"Invalid CSV header: expected {string.Join(',', Columns)}");
        }
        else
        {
            var valid = new List<CsvImportRow>();
            for (var i = 0; i < parsed.Count; i++)
            {
                var row = parsed[i];
                // Data rows are numbered from 2: the header is row 1.
                if (row.Error is not null) errors.Add($"Row {i + 2}: {row.Error}");
                else
                {
                    WorkspaceRoles.TryParse(row.Role, out var role);
                    valid.Add(new CsvImportRow(i + 2, Emails.Normalize(row.Email), row.Name.Length > 0 ? row.Name : row.Email.Split('@')[0], row.WorkspaceSlug, role));
                }
            }
            foreach (var slice in valid.Chunk(ImportSlice))
            {
                var result = await calls.RunAsync((g, ct) => g.GetGrain<IAdminUserCommandsGrain>(0).ImportAsync(slice, admin.Caller.UserId, ct),
                    context.RequestAborted, TimeSpan.FromSeconds(60));
                created += result.UsersCreated;
                added += result.MembershipsAdded;
                errors.AddRange(result.Errors);
            }
            // Errors in file order, whichever side found them.
            errors.Sort(CompareRowNumbers);
        }
        var detail = JsonSerializer.Serialize(new { users_created = created, memberships_added = added, error_count = errors.Count });
        await AdminActivity.RecordAsync(calls, admin.Caller.UserId, "batch_import", detail, context.RequestAborted);
        Log.CsvImported(loggers.CreateLogger("Sentinel.Web.Admin"), admin.Caller.UserId, parsed?.Count ?? 0, created, added, errors.Count);
        return Results.Json(new { users_created = created, memberships_added = added, errors });
    }

    public static async Task<IResult> ExportUsersAsync(AdminSession admin, GrainCalls calls, HttpContext context, ILoggerFactory loggers)
    {
        await AdminActivity.RecordAsync(calls, admin.Caller.UserId, "export_users", null, context.RequestAborted);
        var logger = loggers.CreateLogger("Sentinel.Web.Admin");
        return Results.Stream(async body =>
        {
            await using var writer = new StreamWriter(body, new UTF8Encoding(false), 16 * 1024);
            await writer.WriteAsync("id,email,name,is_active,is_admin,created_at,workspace_count\r\n");
            DateTimeOffset? after = null;
            Guid? afterId = null;
            long count = 0;
            while (true)
            {
                var page = await calls.RunAsync((g, ct) => g.GetGrain<IAdminQueryGrain>(0).ExportUsersAsync(after, afterId, ExportPage, ct), context.RequestAborted);
                foreach (var (u, workspaceCount) in page)
                {
                    await writer.WriteAsync(string.Join(',', AdminCsv.Id(u.Id), AdminCsv.Text(u.Email), AdminCsv.Text(u.Name), AdminCsv.Bool(u.IsActive),
                        AdminCsv.Bool(u.IsAdmin), AdminCsv.Time(u.CreatedAt), AdminCsv.Int(workspaceCount)) + "\r\n");
                }
                count += page.Count;
                await writer.FlushAsync(context.RequestAborted);
                if (page.Count < ExportPage) break;
                (after, afterId) = (page[^1].User.CreatedAt, page[^1].User.Id);
            }
            Log.Exported(logger, "users", admin.Caller.UserId, count);
        }, "text/csv; charset=utf-8", "users.csv");
    }

    public static async Task<IResult> ExportWorkspacesAsync(AdminSession admin, GrainCalls calls, HttpContext context, ILoggerFactory loggers)
    {
        await AdminActivity.RecordAsync(calls, admin.Caller.UserId, "export_workspaces", null, context.RequestAborted);
        var logger = loggers.CreateLogger("Sentinel.Web.Admin");
        return Results.Stream(async body =>
        {
            await using var writer = new StreamWriter(body, new UTF8Encoding(false), 16 * 1024);
            await writer.WriteAsync("id,slug,name,description,created_by,created_at,member_count\r\n");
            DateTimeOffset? after = null;
            Guid? afterId = null;
            long count = 0;
            while (true)
            {
                var page = await calls.RunAsync((g, ct) => g.GetGrain<IAdminQueryGrain>(0).ExportWorkspacesAsync(after, afterId, ExportPage, ct), context.RequestAborted);
                foreach (var w in page)
                {
                    var ws = w.Workspace;
                    await writer.WriteAsync(string.Join(',', AdminCsv.Id(ws.Id), AdminCsv.Text(ws.Slug), AdminCsv.Text(ws.Name), AdminCsv.Text(ws.Description),
                        AdminCsv.Id(ws.CreatedBy), AdminCsv.Time(ws.CreatedAt), AdminCsv.Int(w.MemberCount)) + "\r\n");
                }
                count += page.Count;
                await writer.FlushAsync(context.RequestAborted);
                if (page.Count < ExportPage) break;
                (after, afterId) = (page[^1].Workspace.CreatedAt, page[^1].Workspace.Id);
            }
            Log.Exported(logger, "workspaces", admin.Caller.UserId, count);
        }, "text/csv; charset=utf-8", "workspaces.csv");
    }

    /// <summary>
    /// Rows with the contract's per-row error (first applicable: <c>Missing email</c>, <c>Missing workspace_slug</c>,
    /// <c>Invalid role: r</c>; a blank role is viewer; then a NUL character, then an invalid email), or null when the header lacks a required column.
    /// </summary>
    public static List<PreviewRow>? Parse(string text)
    {
        using var records = AdminCsv.Read(text).GetEnumerator();
        if (!records.MoveNext()) return null;
        var header = records.Current.Select(h => h.Trim()).ToList();
        var index = Columns.ToDictionary(c => c, c => header.IndexOf(c));
        if (index.Values.Any(i => i < 0)) return null;
        var rows = new List<PreviewRow>();
        while (records.MoveNext())
        {
            var fields = records.Current;
            string Field(string column) => index[column] < fields.Count ? fields[index[column]].Trim() : "";
            var (email, name, slug, role) = (Field("email"), Field("name"), Field("workspace_slug"), Field("role"));
            if (role.Length == 0) role = "viewer";
            string? error = null;
            if (email.Length == 0) error = "Missing email";
            else if (slug.Length == 0) error = "Missing workspace_slug";
            else if (!WorkspaceRoles.TryParse(role, out _)) error = $"Invalid role: {role}";
            // Beyond the contract: PostgreSQL refuses U+0000 in text, so such a row is reported, never half-imported.
            else if (email.Contains('\0') || name.Contains('\0') || slug.Contains('\0')) error = "Contains the NUL character (U+0000)";
            // Beyond the contract: a row the import could only turn into a broken account.
            else if (!Emails.IsValid(email)) error = $"Invalid email: {email}";
            rows.Add(new PreviewRow(email, name, slug, role, error));
        }
        return rows;
    }

    /// <summary>The uploaded <c>file</c> part as text, or the refusal: 413 over 5 MB, 422 when absent or not multipart.</summary>
    internal static async Task<(string? Text, IResult? Refused)> ReadFileAsync(HttpContext context)
    {
        var missing = ApiErrors.Result422([new ValidationItem("missing", ["body", "file"], "Field required", null)]);
        if (!context.Request.HasFormContentType) return (null, missing);
        IFormCollection form;
        try
        {
            form = await context.Request.ReadFormAsync(context.RequestAborted);
        }
        catch (InvalidDataException)
        {
            return (null, missing);
        }
        if (form.Files.GetFile("file") is not { } file) return (null, missing);
        if (file.Length > MaxFileBytes)
            return (null, ApiErrors.Result(StatusCodes.Status413PayloadTooLarge, "CSV file too large (max 5 MB)", ErrorCodes.CsvTooLarge));
        using var reader = new StreamReader(file.OpenReadStream(), new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true);
        return (await reader.ReadToEndAsync(context.RequestAborted), null);
    }

    private static int CompareRowNumbers(string a, string b) => RowNumber(a).CompareTo(RowNumber(b));

    private static int RowNumber(string error)
    {
        var end = error.IndexOf(':', StringComparison.Ordinal);
        return error.StartsWith("Row ", StringComparison.Ordinal) && end > 4 && int.TryParse(error.AsSpan(4, end - 4), out var n) ? n : int.MaxValue;
    }
}
