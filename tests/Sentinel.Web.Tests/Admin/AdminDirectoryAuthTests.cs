using Xunit;

namespace Sentinel.Web.Tests.Admin;

/// <summary>Every admin directory route refuses a request without the admin cookie, and every write one without <c>X-Requested-With</c>.</summary>
[Collection(WebCollection.Name)]
public sealed class AdminDirectoryAuthTests(SentinelWebApplication app)
{
    private readonly AdminDirectoryScenario a = new(app);

    private static readonly string Id = Guid.NewGuid().ToString();

    public static TheoryData<string, string> Routes => new()
    {
        { "GET", "/admin/workspaces" }, { "POST", "/admin/workspaces" }, { "GET", $"/admin/workspaces/{Id}" },
        { "PATCH", $"/admin/workspaces/{Id}" }, { "DELETE", $"/admin/workspaces/{Id}" }, { "GET", $"/admin/workspaces/{Id}/members" },
        { "POST", $"/admin/workspaces/{Id}/members/invite" }, { "PATCH", $"/admin/workspaces/{Id}/members/{Id}" },
        { "DELETE", $"/admin/workspaces/{Id}/members/{Id}" }, { "GET", $"/admin/workspaces/{Id}/groups" }, { "POST", $"/admin/workspaces/{Id}/groups" },
        { "PATCH", $"/admin/groups/{Id}" }, { "DELETE", $"/admin/groups/{Id}" }, { "GET", $"/admin/groups/{Id}/members" },
        { "POST", $"/admin/groups/{Id}/members/{Id}" }, { "DELETE", $"/admin/groups/{Id}/members/{Id}" },
        { "GET", "/admin/permissions" }, { "GET", $"/admin/permissions/{Id}" }, { "PATCH", $"/admin/permissions/{Id}/visibility" },
        { "POST", $"/admin/permissions/{Id}/share" }, { "DELETE", $"/admin/permissions/{Id}/share?grantee_type=user&grantee_id={Id}" },
        { "DELETE", "/admin/permissions/service/some-svc" }, { "GET", "/admin/service-actions" }, { "DELETE", $"/admin/service-actions/{Id}" },
        { "GET", $"/admin/workspaces/{Id}/roles" }, { "POST", $"/admin/workspaces/{Id}/roles" }, { "PATCH", $"/admin/roles/{Id}" },
        { "DELETE", $"/admin/roles/{Id}" }, { "GET", $"/admin/roles/{Id}/actions" }, { "POST", $"/admin/roles/{Id}/actions" },
        { "DELETE", $"/admin/roles/{Id}/actions/{Id}" }, { "GET", $"/admin/roles/{Id}/members" }, { "POST", $"/admin/roles/{Id}/members/{Id}" },
        { "DELETE", $"/admin/roles/{Id}/members/{Id}" }, { "GET", "/admin/client-apps" }, { "POST", "/admin/client-apps" },
        { "GET", $"/admin/client-apps/{Id}" }, { "PATCH", $"/admin/client-apps/{Id}" }, { "DELETE", $"/admin/client-apps/{Id}" },
        { "GET", "/admin/service-apps" }, { "POST", "/admin/service-apps" }, { "GET", $"/admin/service-apps/{Id}" },
        { "PATCH", $"/admin/service-apps/{Id}" }, { "DELETE", $"/admin/service-apps/{Id}" }, { "POST", $"/admin/service-apps/{Id}/rotate-key" },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task route_without_cookie_answers_401_not_authenticated(string method, string path)
    {
        using var response = await a.SendAsync(new HttpMethod(method), path, cookie: null, body: method is "GET" or "DELETE" ? null : new { });
        await Scenario.AssertErrorAsync(response, 401, "Not authenticated", "not_authenticated");
    }

    public static TheoryData<string, string> Writes()
    {
        var writes = new TheoryData<string, string>();
        foreach (var row in Routes)
            if ((string)row[0] != "GET") writes.Add((string)row[0], (string)row[1]);
        return writes;
    }

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task write_without_csrf_header_answers_403(string method, string path)
    {
        var (_, cookie) = await a.AdminAsync();
        using var response = await a.SendAsync(new HttpMethod(method), path, cookie, body: method == "DELETE" ? null : new { }, csrf: false);
        await Scenario.AssertErrorAsync(response, 403, "Missing X-Requested-With header", "csrf_header_missing");
    }

    [Fact]
    public async Task a_user_without_the_admin_flag_is_refused_even_with_an_admin_shaped_cookie()
    {
        var user = await a.S.UserAsync();
        using var response = await a.SendAsync(HttpMethod.Get, "/admin/service-apps", AdminDirectoryScenario.AdminToken(user));
        await Scenario.AssertErrorAsync(response, 403, "Not an admin", "not_admin");
    }
}
