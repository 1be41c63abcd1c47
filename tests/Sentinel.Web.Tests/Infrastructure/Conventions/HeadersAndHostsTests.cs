using System.Net;
using Xunit;

namespace Sentinel.Web.Tests.Infrastructure.Conventions;

/// <summary>Response headers per route class, host filtering, request ids, docs only in DEBUG.</summary>
[Collection(WebCollection.Name)]
public sealed class HeadersAndHostsTests(SentinelWebApplication app)
{
    private static readonly string[] Common =
        ["X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Permissions-Policy", "Content-Security-Policy", "Cross-Origin-Opener-Policy", "Cross-Origin-Resource-Policy", "Cross-Origin-Embedder-Policy"];

    private static string Header(HttpResponseMessage r, string name) =>
        r.Headers.TryGetValues(name, out var v) ? string.Join(",", v) : r.Content.Headers.TryGetValues(name, out var c) ? string.Join(",", c) : "";

    [Theory]
    [InlineData("/health", false)]
    [InlineData("/health/ready", false)]
    [InlineData("/.well-known/jwks.json", false)]
    [InlineData("/.well-known/openid-configuration", false)]
    [InlineData("/users/me", true)]
    [InlineData("/auth/providers", true)]
    [InlineData("/auth/admin/me", true)]
    [InlineData("/admin/users", true)]
    [InlineData("/authz/resolve", true)]
    [InlineData("/no/such/route", false)]
    public async Task api_routes_carry_the_security_headers_and_no_store_where_the_contract_says(string path, bool noStore)
    {
        using var response = await app.CreateClient().GetAsync(path);
        foreach (var name in Common) Assert.False(string.IsNullOrEmpty(Header(response, name)), $"{path} lacks {name}");
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("DENY", Header(response, "X-Frame-Options"));
        Assert.Equal("default-src 'none'; frame-ancestors 'none'", Header(response, "Content-Security-Policy"));
        Assert.Equal(noStore, Header(response, "Cache-Control").Contains("no-store", StringComparison.Ordinal));
        Assert.Equal(noStore, Header(response, "Pragma") == "no-cache");
        Assert.Equal("strict-origin-when-cross-origin", Header(response, "Referrer-Policy"));
        Assert.Equal("camera=(), microphone=(), geolocation=()", Header(response, "Permissions-Policy"));
        Assert.Equal("same-origin", Header(response, "Cross-Origin-Opener-Policy"));
        Assert.Equal("same-origin", Header(response, "Cross-Origin-Resource-Policy"));
        Assert.Equal("require-corp", Header(response, "Cross-Origin-Embedder-Policy"));
        Assert.Empty(Header(response, "Strict-Transport-Security"));
    }

    [Fact]
    public async Task html_error_cards_get_the_contract_html_csp_and_no_store()
    {
        using var response = await app.CreateClient().GetAsync("/auth/login/nosuch?redirect_uri=http%3A%2F%2Fa.test%2Fcb&code_challenge=abc");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("text/html", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        Assert.Equal("default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; frame-ancestors 'none'", Header(response, "Content-Security-Policy"));
        foreach (var name in Common) Assert.False(string.IsNullOrEmpty(Header(response, name)), $"HTML card lacks {name}");
        Assert.Equal("no-store", Header(response, "Cache-Control"));
    }

    [Fact]
    public async Task well_known_documents_are_publicly_cacheable_and_health_is_not_no_store()
    {
        var client = app.CreateClient();
        using var jwks = await client.GetAsync("/.well-known/jwks.json");
        Assert.Equal("public, max-age=300", Header(jwks, "Cache-Control"));
        Assert.Equal("daikon", Header(jwks, "Server"));
        using var health = await client.GetAsync("/health");
        Assert.DoesNotContain("no-store", Header(health, "Cache-Control"), StringComparison.Ordinal);
        Assert.Equal("none", Header(health, "X-Permitted-Cross-Domain-Policies"));
        Assert.Equal("0", Header(health, "X-XSS-Protection"));
    }

    [Fact]
    public async Task html_pages_get_the_relaxed_html_csp()
    {
        using var response = await app.CreateClient().SendAsync(new HttpRequestMessage(HttpMethod.Get, "http://localhost:9004/"));
        var csp = Header(response, "Content-Security-Policy");
        Assert.DoesNotContain("default-src 'none'; frame-ancestors 'none'", csp == "default-src 'none'; frame-ancestors 'none'" ? csp : "", StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
    }

    [Fact]
    public async Task unknown_host_is_400_invalid_host_but_health_is_exempt()
    {
        var client = app.CreateClient();
        using var bad = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "http://evil.example/.well-known/jwks.json"));
        await Scenario.AssertErrorAsync(bad, 400, "Invalid host header", "invalid_host");
        using var health = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "http://evil.example/health"));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Theory]
    [InlineData("abc-123_x.y", true)]
    [InlineData("bad id with spaces", false)]
    public async Task request_id_is_echoed_when_safe_and_replaced_otherwise(string incoming, bool kept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health");
        request.Headers.TryAddWithoutValidation("X-Request-ID", incoming);
        using var response = await app.CreateClient().SendAsync(request);
        var echoed = Header(response, "X-Request-ID");
        Assert.False(string.IsNullOrEmpty(echoed));
        Assert.Equal(kept, echoed == incoming);
    }

    [Fact]
    public async Task openapi_and_viewers_are_served_locally_in_debug()
    {
        var client = app.CreateClient();
        using var doc = await client.GetAsync("/openapi.json");
        Assert.Equal(HttpStatusCode.OK, doc.StatusCode);
        Assert.Contains("/workspaces", await doc.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var docs = await client.GetAsync("/docs/index.html");
        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
        Assert.DoesNotContain("cdn", (await docs.Content.ReadAsStringAsync()).ToLowerInvariant(), StringComparison.Ordinal);
        using var redoc = await client.GetAsync("/redoc/index.html");
        Assert.Equal(HttpStatusCode.OK, redoc.StatusCode);
    }

    [Fact]
    public async Task metrics_serve_prometheus_text_with_http_and_sentinel_meters()
    {
        var client = app.CreateClient();
        using (await client.GetAsync("/health")) { }
        using var response = await client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("http_server_request_duration", text, StringComparison.Ordinal);
    }
}

/// <summary>Production flags: docs absent, HSTS present.</summary>
public sealed class ProductionModeTests : Xunit.IAsyncLifetime
{
    private readonly SentinelWebApplication app = new()
    {
        Settings =
        {
            ["DEBUG"] = "false",
            ["COOKIE_SECURE"] = "true",
            ["SESSION_SECRET_KEY"] = "production-like-secret-for-tests-0123456789",
            ["REDIS_URL"] = "rediss://:pw@127.0.0.1:9/0",
            ["REDIS_TLS_VERIFY"] = "required",
            ["ALLOWED_HOSTS"] = "localhost",
        },
    };

    public Task InitializeAsync() => ((Xunit.IAsyncLifetime)app).InitializeAsync();
    public Task DisposeAsync() => ((Xunit.IAsyncLifetime)app).DisposeAsync();

    [Fact]
    public async Task docs_are_absent_and_hsts_is_on_when_debug_is_false()
    {
        var client = app.CreateClient();
        using var doc = await client.GetAsync("/openapi.json");
        Assert.Equal(HttpStatusCode.NotFound, doc.StatusCode);
        using var docs = await client.GetAsync("/docs/index.html");
        Assert.Equal(HttpStatusCode.NotFound, docs.StatusCode);
        using var health = await client.GetAsync("/health");
        Assert.Equal("max-age=63072000; includeSubDomains; preload", string.Join("", health.Headers.GetValues("Strict-Transport-Security")));
    }
}
