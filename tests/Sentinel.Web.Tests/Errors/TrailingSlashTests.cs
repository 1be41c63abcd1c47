using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Xunit;

namespace Sentinel.Web.Tests.Errors;

/// <summary>The trailing-slash 307 only for a route that exists without the slash, and never off the origin.</summary>
[Collection(WebCollection.Name)]
public sealed class TrailingSlashTests(SentinelWebApplication app)
{
    /// <summary>The request as Kestrel hands it on: <see cref="HttpRequest.Path"/> is the decoded path (<c>%5C</c> is <c>\</c>, <c>%2F</c> stays encoded).</summary>
    private Task<HttpContext> SendAsync(string method, string path, string? query = null, string host = "localhost") =>
        app.Server.SendAsync(c =>
        {
            c.Request.Method = method;
            c.Request.Path = new PathString(path);
            c.Request.Host = new HostString(host);
            if (query is not null) c.Request.QueryString = new QueryString(query);
        });

    [Theory]
    [InlineData("//evil.example/")]
    [InlineData("///evil.example/")]
    [InlineData("/\\evil.example/")]
    [InlineData("/\\/evil.example/")]
    [InlineData("//evil.example/auth/providers/")]
    [InlineData("//evil.example//")]
    [InlineData("/%2F%2Fevil.example/")]
    [InlineData("/%2f/evil.example/")]
    [InlineData("/%5Cevil.example/")]
    [InlineData("/%5cevil.example/")]
    [InlineData("/\t/evil.example/")]
    [InlineData("/\r\n/evil.example/")]
    [InlineData("/\r\nLocation: http://evil.example/")]
    [InlineData("//evil/")]
    [InlineData("//\\evil.example/")]
    [InlineData("/ //evil.example/")]
    [InlineData("/health/..//evil.example/")]
    [InlineData("/no/such/route/")]
    [InlineData("/auth/providers/x/")]
    [InlineData("///")]
    public async Task a_trailing_slash_without_a_route_is_not_redirected(string path)
    {
        var context = await SendAsync("GET", path, "?next=//evil.example");
        var location = context.Response.Headers.Location.ToString();
        Assert.True(context.Response.StatusCode != 307, $"{path} was redirected to {location}");
        Assert.Equal("", location);
        Assert.Equal(404, context.Response.StatusCode);
    }

    [Theory]
    [InlineData("//evil.example/")]
    [InlineData("/\\evil.example/")]
    [InlineData("/%5Cevil.example/")]
    [InlineData("/%2F%2Fevil.example/")]
    [InlineData("/%09/evil.example/")]
    [InlineData("/.//evil.example/")]
    [InlineData("/%0D%0A/evil.example/")]
    public async Task hostile_paths_sent_over_http_never_get_a_location_off_the_origin(string rawPath)
    {
        using var http = app.CreateClient(new() { AllowAutoRedirect = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("http://localhost" + rawPath));
        using var response = await http.SendAsync(request);
        if (response.Headers.Location is { } location)
            Assert.True(location.OriginalString.StartsWith('/') && location.OriginalString.Length > 1
                && location.OriginalString[1] is not '/' and not '\\', $"{rawPath} -> {location.OriginalString}");
        Assert.NotEqual(HttpStatusCode.TemporaryRedirect, response.StatusCode);
    }

    [Theory]
    [InlineData("GET", "/health/", "/health")]
    [InlineData("GET", "/health///", "/health")]
    [InlineData("DELETE", "/health/", "/health")]
    [InlineData("GET", "/auth/providers/", "/auth/providers")]
    [InlineData("PATCH", "/workspaces/3f2504e0-4f89-11d3-9a0c-0305e82c3301/", "/workspaces/3f2504e0-4f89-11d3-9a0c-0305e82c3301")]
    [InlineData("GET", "/workspaces/not-a-uuid/members/", "/workspaces/not-a-uuid/members")]
    public async Task an_existing_route_with_a_slash_redirects_307_to_it_keeping_the_query(string method, string path, string expected)
    {
        var context = await SendAsync(method, path, "?x=1&y=%2F%2F");
        Assert.Equal(307, context.Response.StatusCode);
        Assert.Equal(expected + "?x=1&y=%2F%2F", context.Response.Headers.Location.ToString());
    }

    [Fact]
    public async Task a_panel_route_redirects_only_on_the_panel_port()
    {
        var panel = await SendAsync("GET", "/login/", host: "localhost:9004");
        Assert.Equal(307, panel.Response.StatusCode);
        Assert.Equal("/login", panel.Response.Headers.Location.ToString());

        var api = await SendAsync("GET", "/login/", host: "localhost:9003");
        Assert.Equal(404, api.Response.StatusCode);
    }

    [Fact]
    public async Task the_404_for_a_slash_without_a_route_has_the_json_body()
    {
        using var http = app.CreateClient(new() { AllowAutoRedirect = false });
        using var response = await http.GetAsync("/no/such/route/");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("not_found", body.GetProperty("code").GetString());
    }
}
