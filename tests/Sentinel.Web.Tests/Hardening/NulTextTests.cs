using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Http;
using Sentinel.Grains.Directory;
using Sentinel.Grains.Storage;
using Sentinel.Web.Tests.Admin;
using Sentinel.Web.Tests.Authz;
using Xunit;

namespace Sentinel.Web.Tests.Hardening;

/// <summary>
/// U+0000 in text is bad input (PostgreSQL refuses it in <c>text</c>), never a 500. The routes are those of the
/// black-box report (issue 23, item 3); the requests are authenticated so that, without the edge checks, the value
/// would reach the grains and the database.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class NulTextTests(SentinelWebApplication app)
{
    private readonly ServiceScenario services = new(app);
    private HttpClient Http => services.Http;

    private static HttpRequestMessage Json(HttpMethod method, string path, string json, string? bearer = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return request;
    }

    private static async Task AssertNulRefusedAsync(HttpResponseMessage response, params object[] loc)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == 422, $"expected 422, got {(int)response.StatusCode}: {text}");
        var body = System.Text.Json.JsonDocument.Parse(text).RootElement;
        Assert.Equal("validation_failed", body.GetProperty("code").GetString());
        var expected = string.Join("/", loc);
        Assert.Contains(body.GetProperty("detail").EnumerateArray(),
            i => string.Join("/", i.GetProperty("loc").EnumerateArray().Select(l => l.ToString())) == expected
                && i.GetProperty("type").GetString() == "string_nul_character");
    }

    [Fact]
    public async Task nul_in_a_json_field_is_422_at_that_field()
    {
        var user = await services.S.UserAsync();
        using var response = await Http.SendAsync(Json(HttpMethod.Patch, "/users/me", """{"name":"a\u0000b"}""", Scenario.Token(user, Guid.NewGuid(), "viewer")));
        await AssertNulRefusedAsync(response, "body", "name");
    }

    [Fact]
    public async Task nul_in_a_workspace_name_and_description_is_422()
    {
        var user = await services.S.UserAsync();
        var token = Scenario.Token(user, Guid.NewGuid(), "viewer");
        using var name = await Http.SendAsync(Json(HttpMethod.Post, "/workspaces", $$"""{"name":"a\u0000b","slug":"{{Scenario.Unique("ws")}}"}""", token));
        await AssertNulRefusedAsync(name, "body", "name");
        using var description = await Http.SendAsync(Json(HttpMethod.Post, "/workspaces", $$"""{"name":"ok","slug":"{{Scenario.Unique("ws")}}","description":"x\u0000"}""", token));
        await AssertNulRefusedAsync(description, "body", "description");
    }

    [Fact]
    public async Task nul_in_a_nested_list_item_is_422_with_its_index()
    {
        var service = await services.ServiceAsync();
        using var request = Json(HttpMethod.Post, "/roles/actions/register",
            $$"""{"service_name":"{{service.Name}}","actions":[{"action":"a.read"},{"action":"b.read","description":"d\u0000"}]}""");
        request.Headers.Add("X-Service-Key", service.Key);
        using var response = await Http.SendAsync(request);
        await AssertNulRefusedAsync(response, "body", "actions", 1, "description");
    }

    [Fact]
    public async Task nul_in_a_query_value_is_422_at_that_parameter()
    {
        var admin = await new AdminScenario(app).AdminAsync();
        using var search = await Http.SendAsync(AdminScenario.Request(HttpMethod.Get, "/admin/users?search=a%00b", admin.Cookie));
        await AssertNulRefusedAsync(search, "query", "search");
        using var activity = await Http.SendAsync(AdminScenario.Request(HttpMethod.Get, "/admin/activity?action=a%00", admin.Cookie));
        await AssertNulRefusedAsync(activity, "query", "action");
        using var permissions = await Http.SendAsync(AdminScenario.Request(HttpMethod.Get, "/admin/permissions?service_name=%00", admin.Cookie));
        await AssertNulRefusedAsync(permissions, "query", "service_name");

        var ws = await services.WorkspaceAsync();
        using var members = await Http.SendAsync(Json(HttpMethod.Get, $"/workspaces/{ws.Id}/members?q=a%00b", "{}", ws.Token(ws.Owner, "owner")));
        await AssertNulRefusedAsync(members, "query", "q");
    }

    [Fact]
    public async Task nul_in_a_sign_in_query_is_422_without_sign_in()
    {
        using var response = await Http.GetAsync("/auth/login/dex?redirect_uri=a%00b&code_challenge=x&code_challenge_method=S256");
        await AssertNulRefusedAsync(response, "query", "redirect_uri");
    }

    [Fact]
    public async Task nul_in_a_path_value_is_422_at_that_parameter()
    {
        var context = await app.Server.SendAsync(c =>
        {
            c.Request.Method = "GET";
            c.Request.Path = "/auth/login/a\0b";
        });
        Assert.Equal(422, context.Response.StatusCode);
    }

    [Fact]
    public async Task nul_in_a_recorded_header_is_replaced_not_refused()
    {
        IHeaderDictionary headers = new HeaderDictionary { ["User-Agent"] = "curl\0/8", ["X-Request-ID"] = "ok" };
        Validation.NulText.CleanHeaders(headers);
        Assert.Equal("curl\uFFFD/8", headers.UserAgent.ToString());
        Assert.Equal("ok", headers["X-Request-ID"].ToString());

        var context = await app.Server.SendAsync(c =>
        {
            c.Request.Method = "GET";
            c.Request.Path = "/health";
            c.Request.Headers.UserAgent = "a\0b";
        });
        Assert.Equal(200, context.Response.StatusCode);
    }

    [Theory]
    [InlineData("/admin/import/csv/preview")]
    [InlineData("/admin/import/csv/execute")]
    public async Task nul_in_an_imported_csv_is_never_a_server_error(string path)
    {
        var admin = await new AdminScenario(app).AdminAsync();
        using var request = AdminScenario.Request(HttpMethod.Post, path, admin.Cookie);
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes($"email,name,workspace_slug,role\n{Scenario.Unique("csv")}@example.com,a\0b,{Scenario.Unique("ws")},\n"));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        request.Content = new MultipartFormDataContent { { file, "file", "users.csv" } };
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        // The row is reported as refused for its NUL, not imported and not lost silently.
        Assert.Contains("NUL character", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_nul_that_reaches_the_database_is_refused_as_bad_input_not_a_server_fault()
    {
        // Behind the edge: the real grain and the real PostgreSQL, through the silo's DatabaseExceptionFilter.
        var user = await services.S.UserAsync();
        var grain = app.Cluster.GrainFactory.GetGrain<IUserGrain>(user.Id);
        await Assert.ThrowsAsync<StorageRejectedValueException>(() => grain.UpdateProfileAsync("a\0b", null));
    }
}
