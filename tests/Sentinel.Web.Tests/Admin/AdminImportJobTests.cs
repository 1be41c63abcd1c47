using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Npgsql;
using Sentinel.Errors;
using Sentinel.Grains.Admin;
using Sentinel.Grains.Directory;
using Sentinel.Testing;
using Sentinel.Web.Admin;
using Sentinel.Web.Tests.SignIn;
using Xunit;

namespace Sentinel.Web.Tests.Admin;

/// <summary>The batched CSV import job: validated first, written in batches in one transaction, progress polled, a per-row error report, cancel-safe.</summary>
[Collection(SignInCollection.Name)]
public sealed class AdminImportJobTests(SignInWeb web)
{
    private readonly AdminScenario a = new(web.App);

    private async Task<HttpResponseMessage> UploadAsync(AdminScenario.Admin admin, string csv)
    {
        using var request = AdminScenario.Request(HttpMethod.Post, "/admin/import/csv/jobs", admin.Cookie);
        var content = new MultipartFormDataContent();
        var bytes = new ByteArrayContent(Encoding.UTF8.GetBytes(csv));
        bytes.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        content.Add(bytes, "file", "users.csv");
        request.Content = content;
        return await a.Http.SendAsync(request);
    }

    private async Task<JsonElement> UntilDoneAsync(AdminScenario.Admin admin, string jobId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var response = await a.GetAsync($"/admin/import/csv/jobs/{jobId}", admin);
            var body = (await AdminScenario.OkJsonAsync(response)).Clone();
            if (body.GetProperty("done").GetBoolean()) return body;
            Assert.True(DateTime.UtcNow < deadline, $"job still running: {body}");
            await Task.Delay(100);
        }
    }

    private static async Task<long> CountUsersAsync(IEnumerable<string> emails)
    {
        await using var db = NpgsqlDataSource.Create(TestConnection.ConnectionString());
        await using var cmd = db.CreateCommand("SELECT count(*) FROM users WHERE lower(email) = ANY(@e)");
        cmd.Parameters.AddWithValue("e", emails.Select(e => e.ToLowerInvariant()).ToArray());
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task a_job_imports_like_the_row_by_row_path_reports_every_bad_row_and_the_active_workspace_grain_sees_the_members()
    {
        var admin = await a.AdminAsync();
        var (workspace, slug, _) = await a.WorkspaceAsync();
        var existing = await a.S.UserAsync();
        var alreadyMember = await a.S.UserAsync();
        await a.S.AddMemberAsync(workspace, alreadyMember, WorkspaceRole.Viewer);
        // The workspace grain is active and caches its members from here on.
        var ws = a.Grains.GetGrain<IWorkspaceGrain>(workspace);
        Assert.Null(await ws.GetRoleAsync(existing.Id));
        var fresh = $"{Scenario.Unique("job")}@example.com";
        var missingSlug = Scenario.Unique("nows");
        var csv = "email,name,workspace_slug,role\n" +
            $"{fresh},Fresh Person,{slug},editor\n" +                  // row 2: new user + membership
            $"{existing.Email.ToUpperInvariant()},,{slug},\n" +        // row 3: existing user (case-insensitive), viewer
            $"other-{fresh},Other,{missingSlug},viewer\n" +           // row 4: unknown workspace: no user either
            $"bad-{fresh},Bad,{slug},boss\n" +                         // row 5: invalid role
            $"{alreadyMember.Email},Member,{slug},admin\n" +           // row 6: already a member: nothing to do
            $",Nobody,{slug},viewer\n" +                               // row 7: missing email
            $"{fresh.ToUpperInvariant()},Again,{slug},owner\n";        // row 8: same user, same workspace: first row wins
        using var started = await UploadAsync(admin, csv);
        var job = await AdminScenario.OkJsonAsync(started, 202);
        Assert.Equal(7, job.GetProperty("total_rows").GetInt32());
        Assert.Equal(5, job.GetProperty("valid_rows").GetInt32());
        var done = await UntilDoneAsync(admin, job.GetProperty("job_id").GetString()!);
        Assert.Equal("completed", done.GetProperty("state").GetString());
        Assert.Equal(1, done.GetProperty("users_created").GetInt32());
        Assert.Equal(2, done.GetProperty("memberships_added").GetInt32());
        Assert.Equal(4, done.GetProperty("rows_landed").GetInt32()); // 7 rows - 3 errors: the 4 rows in effect (2 of them already were)
        Assert.Equal(3, done.GetProperty("error_count").GetInt32());

        var freshId = await a.Grains.GetGrain<IDirectoryQueryGrain>(0).FindUserIdByEmailAsync(fresh);
        Assert.NotNull(freshId);
        // Written by SQL behind the active grain's back: the job made it reload.
        Assert.Equal(WorkspaceRole.Editor, await ws.GetRoleAsync(freshId.Value));
        Assert.Equal(WorkspaceRole.Viewer, await ws.GetRoleAsync(existing.Id));
        Assert.Equal(WorkspaceRole.Viewer, await ws.GetRoleAsync(alreadyMember.Id));
        Assert.Equal("Fresh Person", (await a.Grains.GetGrain<IUserGrain>(freshId.Value).GetAsync())!.Name);
        Assert.Equal(0, await CountUsersAsync([$"bad-{fresh}", $"other-{fresh}"]));

        using var report = await a.GetAsync($"/admin/import/csv/jobs/{job.GetProperty("job_id").GetString()}/errors.csv", admin);
        Assert.Equal("text/csv", report.Content.Headers.ContentType!.MediaType);
        var lines = (await report.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["row,email,error", $"4,other-{fresh},Workspace '{missingSlug}' not found", $"5,bad-{fresh},Invalid role: boss", "7,,Missing email"], lines);

        // The same activity rows as the row-by-row path, and one summary.
        Assert.Equal(2, (await AdminScenario.ActivityAsync("member_invited", admin.User.Id)).Count);
        var summary = JsonDocument.Parse((await AdminScenario.ActivityAsync("batch_import", admin.User.Id)).Single().Detail!).RootElement;
        Assert.Equal(1, summary.GetProperty("users_created").GetInt32());
    }

    [Fact]
    public async Task a_job_cancelled_while_writing_rolls_back_every_row_it_wrote()
    {
        var admin = await a.AdminAsync();
        var (workspace, slug, _) = await a.WorkspaceAsync();
        var tag = Scenario.Unique("cancel");
        var rows = Enumerable.Range(0, 5000).Select(i => new CsvImportRow(i + 2, $"{tag}-{i}@example.com", $"C {i}", slug, WorkspaceRole.Viewer)).ToArray();
        var jobId = Guid.NewGuid();
        // Batches of one row: slow enough to cancel in the middle, with rows already written in the transaction.
        await a.Grains.GetGrain<IAdminImportJobGrain>(jobId).StartAsync(new ImportJobRequest(admin.User.Id, rows.Length, rows, [], 1));
        JsonElement status;
        do
        {
            using var poll = await a.GetAsync($"/admin/import/csv/jobs/{jobId}", admin);
            status = (await AdminScenario.OkJsonAsync(poll)).Clone();
        }
        while (status.GetProperty("processed").GetInt32() < 10 && !status.GetProperty("done").GetBoolean());
        Assert.Equal("writing", status.GetProperty("state").GetString());
        Assert.True(await CountUsersAsync(rows.Take(10).Select(r => r.Email)) == 0, "rows written in the open transaction are visible to nobody");

        using (var cancel = await a.SendAsync(HttpMethod.Post, $"/admin/import/csv/jobs/{jobId}/cancel", admin.Cookie))
            await AdminScenario.OkJsonAsync(cancel);
        var done = await UntilDoneAsync(admin, jobId.ToString());
        Assert.Equal("cancelled", done.GetProperty("state").GetString());
        Assert.Equal(0, done.GetProperty("rows_landed").GetInt32());
        Assert.Equal(0, await CountUsersAsync(rows.Select(r => r.Email)));
        Assert.Null(await a.Grains.GetGrain<IWorkspaceGrain>(workspace).GetRoleAsync(Guid.Empty));
        Assert.Empty(await AdminScenario.ActivityAsync("batch_import", admin.User.Id));
    }

    [Fact]
    public async Task a_file_without_the_header_is_422_and_an_unknown_job_is_404()
    {
        var admin = await a.AdminAsync();
        using var noHeader = await UploadAsync(admin, "a,b\n1,2\n");
        await Scenario.AssertErrorAsync(noHeader, 422, "Invalid CSV header: expected email,name,workspace_slug,role", ErrorCodes.CsvInvalidHeader);
        foreach (var path in new[] { $"/admin/import/csv/jobs/{Guid.NewGuid()}", "/admin/import/csv/jobs/not-a-guid", $"/admin/import/csv/jobs/{Guid.NewGuid()}/errors.csv" })
        {
            using var missing = await a.GetAsync(path, admin);
            await Scenario.AssertErrorAsync(missing, 404, "Import job not found (unknown, or expired 30 minutes after it started)", ErrorCodes.ImportJobNotFound);
        }
    }
}
