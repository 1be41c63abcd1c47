using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Npgsql;
using Sentinel.Grains.Directory;
using Sentinel.Testing;
using Sentinel.Web.Admin;
using Sentinel.Web.Tests.SignIn;
using Xunit;

namespace Sentinel.Web.Tests.Admin;

/// <summary>CSV import (preview, execute) and the streamed exports, on the real test database.</summary>
[Collection(SignInCollection.Name)]
public sealed class AdminCsvTests(SignInWeb web)
{
    private readonly AdminScenario a = new(web.App);

    private async Task<HttpResponseMessage> UploadAsync(string path, AdminScenario.Admin admin, byte[] file, string part = "file")
    {
        using var request = AdminScenario.Request(HttpMethod.Post, path, admin.Cookie);
        var content = new MultipartFormDataContent();
        var bytes = new ByteArrayContent(file);
        bytes.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        content.Add(bytes, part, "users.csv");
        request.Content = content;
        return await a.Http.SendAsync(request);
    }

    private Task<HttpResponseMessage> UploadAsync(string path, AdminScenario.Admin admin, string csv) => UploadAsync(path, admin, Encoding.UTF8.GetBytes(csv));

    [Fact]
    public async Task preview_reports_each_row_on_its_own_with_the_contract_errors()
    {
        var admin = await a.AdminAsync();
        const string csv = "email,name,workspace_slug,role\r\n" +
            "ok@example.com,Ok Person,team,editor\r\n" +
            ",No Email,team,viewer\r\n" +
            "noslug@example.com,No Slug,,viewer\r\n" +
            "badrole@example.com,Bad Role,team,boss\r\n" +
            "blank@example.com,\"Doe, Jane \"\"JD\"\"\",team,\r\n" +
            "notanemail,Odd,team,viewer\r\n";
        using var response = await UploadAsync("/admin/import/csv/preview", admin, csv);
        var body = await AdminScenario.OkJsonAsync(response);
        AdminScenario.AssertFields(body, "rows", "valid_count", "error_count");
        var rows = body.GetProperty("rows").EnumerateArray().ToArray();
        Assert.Equal(6, rows.Length);
        AdminScenario.AssertFields(rows[0], "email", "name", "workspace_slug", "role", "error");
        Assert.Equal([null, "Missing email", "Missing workspace_slug", "Invalid role: boss", null, "Invalid email: notanemail"],
            rows.Select(r => r.GetProperty("error").GetString()));
        Assert.Equal("viewer", rows[4].GetProperty("role").GetString());
        Assert.Equal("Doe, Jane \"JD\"", rows[4].GetProperty("name").GetString());
        Assert.Equal(2, body.GetProperty("valid_count").GetInt32());
        Assert.Equal(4, body.GetProperty("error_count").GetInt32());
    }

    [Fact]
    public async Task preview_without_the_header_answers_no_rows_and_one_error()
    {
        var admin = await a.AdminAsync();
        foreach (var csv in new[] { "mail,name,workspace_slug,role\r\nx@example.com,X,team,viewer\r\n", "", "\uFEFFemail,name\r\n" })
        {
            using var response = await UploadAsync("/admin/import/csv/preview", admin, csv);
            var body = await AdminScenario.OkJsonAsync(response);
            Assert.Empty(body.GetProperty("rows").EnumerateArray());
            Assert.Equal(0, body.GetProperty("valid_count").GetInt32());
            Assert.Equal(1, body.GetProperty("error_count").GetInt32());
        }
    }

    [Fact]
    public async Task a_file_over_5_mb_is_413_and_a_missing_file_is_422()
    {
        var admin = await a.AdminAsync();
        var big = new byte[AdminCsvEndpoints.MaxFileBytes + 1];
        Array.Fill(big, (byte)'a');
        foreach (var path in new[] { "/admin/import/csv/preview", "/admin/import/csv/execute" })
        {
            using var tooLarge = await UploadAsync(path, admin, big);
            await Scenario.AssertErrorAsync(tooLarge, 413, "CSV file too large (max 5 MB)", "csv_too_large");
            using var wrongPart = await UploadAsync(path, admin, Encoding.UTF8.GetBytes("email,name,workspace_slug,role\r\n"), part: "upload");
            await Scenario.AssertValidationAsync(wrongPart, "file", "missing");
            using var json = await a.SendAsync(HttpMethod.Post, path, admin.Cookie, new { file = "x" });
            await Scenario.AssertValidationAsync(json, "file", "missing");
        }
        // Exactly 5 MB is accepted (the header is missing, so: no rows, one error).
        var limit = new byte[AdminCsvEndpoints.MaxFileBytes];
        Array.Fill(limit, (byte)'a');
        using var atLimit = await UploadAsync("/admin/import/csv/preview", admin, limit);
        Assert.Equal(1, (await AdminScenario.OkJsonAsync(atLimit)).GetProperty("error_count").GetInt32());
    }

    [Fact]
    public async Task execute_imports_each_row_on_its_own_and_one_bad_row_never_loses_the_others()
    {
        var admin = await a.AdminAsync();
        var (workspace, slug, _) = await a.WorkspaceAsync();
        var existing = await a.S.UserAsync();
        var alreadyMember = await a.S.UserAsync();
        await a.S.AddMemberAsync(workspace, alreadyMember, WorkspaceRole.Viewer);
        var fresh = $"{Scenario.Unique("csv")}@example.com";
        var missingSlug = Scenario.Unique("nows");
        var csv = "email,name,workspace_slug,role\n" +
            $"{fresh},Fresh Person,{slug},editor\n" +                  // row 2: new user + membership
            $"{existing.Email.ToUpperInvariant()},,{slug},\n" +        // row 3: existing user (case-insensitive), viewer
            $"other-{fresh},Other,{missingSlug},viewer\n" +           // row 4: unknown workspace: no user either
            $"bad-{fresh},Bad,{slug},boss\n" +                         // row 5: invalid role
            $"{alreadyMember.Email},Member,{slug},admin\n" +           // row 6: already a member: nothing to do
            $",Nobody,{slug},viewer\n";                                // row 7: missing email
        using var response = await UploadAsync("/admin/import/csv/execute", admin, csv);
        var body = await AdminScenario.OkJsonAsync(response);
        AdminScenario.AssertFields(body, "users_created", "memberships_added", "errors");
        Assert.Equal(1, body.GetProperty("users_created").GetInt32());
        Assert.Equal(2, body.GetProperty("memberships_added").GetInt32());
        Assert.Equal([$"Row 4: Workspace '{missingSlug}' not found", "Row 5: Invalid role: boss", "Row 7: Missing email"],
            body.GetProperty("errors").EnumerateArray().Select(e => e.GetString()));

        var freshId = await a.Grains.GetGrain<IDirectoryQueryGrain>(0).FindUserIdByEmailAsync(fresh);
        Assert.NotNull(freshId);
        var ws = a.Grains.GetGrain<IWorkspaceGrain>(workspace);
        Assert.Equal(WorkspaceRole.Editor, await ws.GetRoleAsync(freshId.Value));
        Assert.Equal(WorkspaceRole.Viewer, await ws.GetRoleAsync(existing.Id));
        Assert.Equal(WorkspaceRole.Viewer, await ws.GetRoleAsync(alreadyMember.Id));
        Assert.Equal("Fresh Person", (await a.Grains.GetGrain<IUserGrain>(freshId.Value).GetAsync())!.Name);
        Assert.Null(await a.Grains.GetGrain<IDirectoryQueryGrain>(0).FindUserIdByEmailAsync($"bad-{fresh}"));
        Assert.Null(await a.Grains.GetGrain<IDirectoryQueryGrain>(0).FindUserIdByEmailAsync($"other-{fresh}"));
        await using (var db = NpgsqlDataSource.Create(TestConnection.ConnectionString()))
        await using (var cmd = db.CreateCommand("SELECT count(*) FROM social_accounts WHERE user_id = @id"))
        {
            cmd.Parameters.AddWithValue("id", freshId.Value);
            Assert.Equal(0L, (long)(await cmd.ExecuteScalarAsync())!);
        }

        var row = (await AdminScenario.ActivityAsync("batch_import", admin.User.Id)).Single();
        Assert.Equal(("system", Guid.Empty), (row.TargetType, row.TargetId));
        var detail = JsonDocument.Parse(row.Detail!).RootElement;
        Assert.Equal(1, detail.GetProperty("users_created").GetInt32());
        Assert.Equal(2, detail.GetProperty("memberships_added").GetInt32());

        using var noHeader = await UploadAsync("/admin/import/csv/execute", admin, "a,b\n1,2\n");
        var refused = await AdminScenario.OkJsonAsync(noHeader);
        Assert.Equal(0, refused.GetProperty("users_created").GetInt32());
        Assert.Single(refused.GetProperty("errors").EnumerateArray());
    }

    [Fact]
    public async Task user_export_streams_every_user_once_as_csv_with_python_booleans_and_none()
    {
        var admin = await a.AdminAsync();
        var formula = await a.S.UserAsync("=HYPERLINK(\"http://evil\"),x");
        var inactive = await a.S.UserAsync();
        using (var off = await a.SendAsync(HttpMethod.Patch, $"/admin/users/{inactive.Id}", admin.Cookie, new { is_active = false }))
            await AdminScenario.OkJsonAsync(off);

        using var response = await a.GetAsync("/admin/export/users", admin);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal("users.csv", response.Content.Headers.ContentDisposition.FileName?.Trim('"'));
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("id,email,name,is_active,is_admin,created_at,workspace_count", lines[0]);
        var rows = AdminCsv.Read(string.Join("\r\n", lines.Skip(1))).ToList();
        Assert.Equal(rows.Count, rows.Select(r => r[0]).Distinct().Count());
        var adminRow = rows.Single(r => r[0] == admin.User.Id.ToString());
        Assert.Equal([admin.User.Email, "Ada Admin", "True", "True", "0"], new[] { adminRow[1], adminRow[2], adminRow[3], adminRow[4], adminRow[6] });
        Assert.EndsWith("+00:00", adminRow[5], StringComparison.Ordinal);
        Assert.Equal(admin.User.CreatedAt.ToUniversalTime(), DateTimeOffset.Parse(adminRow[5], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(["False", "False"], rows.Single(r => r[0] == inactive.Id.ToString()).Skip(3).Take(2));
        // A cell a spreadsheet would run as a formula is defused (a leading '), and the comma keeps it quoted.
        Assert.Equal("'=HYPERLINK(\"http://evil\"),x", rows.Single(r => r[0] == formula.Id.ToString())[2]);

        await using var db = NpgsqlDataSource.Create(TestConnection.ConnectionString());
        await using var cmd = db.CreateCommand("SELECT count(*) FROM users WHERE created_at <= @t");
        cmd.Parameters.AddWithValue("t", admin.User.CreatedAt);
        Assert.True(rows.Count >= (long)(await cmd.ExecuteScalarAsync())!);
        var row = (await AdminScenario.ActivityAsync("export_users", admin.User.Id)).Single();
        Assert.Equal(("system", Guid.Empty), (row.TargetType, row.TargetId));
    }

    [Fact]
    public async Task workspace_export_streams_csv_with_none_for_missing_values()
    {
        var admin = await a.AdminAsync();
        var (workspace, slug, owner) = await a.WorkspaceAsync();

        using var response = await a.GetAsync("/admin/export/workspaces", admin);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("workspaces.csv", response.Content.Headers.ContentDisposition!.FileName?.Trim('"'));
        var text = await response.Content.ReadAsStringAsync();
        var rows = AdminCsv.Read(text).ToList();
        Assert.Equal(["id", "slug", "name", "description", "created_by", "created_at", "member_count"], rows[0]);
        var mine = rows.Single(r => r[0] == workspace.ToString());
        Assert.Equal([slug, "None", owner.Id.ToString(), "1"], new[] { mine[1], mine[3], mine[4], mine[6] });
        Assert.EndsWith("+00:00", mine[5], StringComparison.Ordinal);
        Assert.Single(await AdminScenario.ActivityAsync("export_workspaces", admin.User.Id));
    }
}
