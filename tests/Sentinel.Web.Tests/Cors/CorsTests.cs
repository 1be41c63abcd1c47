using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Sentinel.Grains.ServiceApps;
using Sentinel.Testing;
using Sentinel.Web.Cors;
using Xunit;

namespace Sentinel.Web.Tests.Cors;

/// <summary>CORS as the contract has it: CORS_ORIGINS plus the origins of active client and service apps, preflights outermost.</summary>
[Collection(WebCollection.Name)]
public sealed class CorsTests(SentinelWebApplication app)
{
    private const string Configured = "http://localhost:3000";

    private static string Header(HttpResponseMessage r, string name) =>
        r.Headers.TryGetValues(name, out var v) ? string.Join(",", v) : r.Content.Headers.TryGetValues(name, out var c) ? string.Join(",", c) : "";

    private async Task<HttpResponseMessage> PreflightAsync(string origin, string method = "POST", string? headers = "content-type, authorization", string url = "/auth/refresh")
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, url);
        request.Headers.TryAddWithoutValidation("Origin", origin);
        request.Headers.TryAddWithoutValidation("Access-Control-Request-Method", method);
        if (headers is not null) request.Headers.TryAddWithoutValidation("Access-Control-Request-Headers", headers);
        return await app.CreateClient().SendAsync(request);
    }

    private static async Task<Guid> ClientAppAsync(string redirectUri)
    {
        var id = Guid.NewGuid();
        await using var db = NpgsqlDataSource.Create(TestConnection.ConnectionString());
        await using var cmd = db.CreateCommand("INSERT INTO client_apps (id, name, redirect_uris, is_active) VALUES (@id, 'cors test', @uris, true)");
        cmd.Parameters.AddWithValue("id", id);
        cmd.Parameters.AddWithValue("uris", new[] { redirectUri });
        await cmd.ExecuteNonQueryAsync();
        return id;
    }

    private static async Task SetActiveAsync(Guid clientAppId, bool active)
    {
        await using var db = NpgsqlDataSource.Create(TestConnection.ConnectionString());
        await using var cmd = db.CreateCommand("UPDATE client_apps SET is_active = @active WHERE id = @id");
        cmd.Parameters.AddWithValue("id", clientAppId);
        cmd.Parameters.AddWithValue("active", active);
        await cmd.ExecuteNonQueryAsync();
    }

    private static string UniqueOrigin(string scheme = "https") => $"{scheme}://app-{Guid.NewGuid():N}.example";

    [Fact]
    public async Task preflight_from_a_configured_origin_gets_exactly_the_contract_headers_and_no_security_headers()
    {
        using var response = await PreflightAsync(Configured);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Configured, Header(response, "Access-Control-Allow-Origin"));
        Assert.Equal("true", Header(response, "Access-Control-Allow-Credentials"));
        Assert.Equal("GET, POST, PUT, PATCH, DELETE, OPTIONS", Header(response, "Access-Control-Allow-Methods"));
        Assert.Equal("Accept, Accept-Language, Authorization, Content-Language, Content-Type, X-Requested-With", Header(response, "Access-Control-Allow-Headers"));
        Assert.Equal("600", Header(response, "Access-Control-Max-Age"));
        Assert.Contains("Origin", Header(response, "Vary"), StringComparison.Ordinal);
        Assert.Empty(Header(response, "Access-Control-Expose-Headers"));
        // Outermost: the security layer and the limiter never see a preflight.
        Assert.Empty(Header(response, "Content-Security-Policy"));
        Assert.Empty(Header(response, "RateLimit-Policy"));
    }

    [Fact]
    public async Task preflight_from_an_unknown_origin_is_400_cors_disallowed_without_allow_origin()
    {
        using var response = await PreflightAsync(UniqueOrigin());
        await Scenario.AssertErrorAsync(response, 400, "Disallowed CORS origin", "cors_disallowed");
        Assert.Empty(Header(response, "Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("x-service-key")]
    [InlineData("X-Authz-Token")]
    [InlineData("content-type, x-custom")]
    public async Task preflight_asking_for_a_header_outside_the_contract_is_refused(string headers)
    {
        using var response = await PreflightAsync(Configured, headers: headers);
        await Scenario.AssertErrorAsync(response, 400, "Disallowed CORS headers", "cors_disallowed");
    }

    [Fact]
    public async Task preflight_asking_for_a_method_outside_the_contract_is_refused()
    {
        using var response = await PreflightAsync(Configured, method: "TRACE", headers: null);
        await Scenario.AssertErrorAsync(response, 400, "Disallowed CORS method", "cors_disallowed");
    }

    [Fact]
    public async Task preflight_skips_the_host_check()
    {
        using var response = await PreflightAsync(Configured, url: "http://evil.example/auth/refresh");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task actual_requests_echo_an_allowed_origin_with_credentials_and_never_a_star()
    {
        var client = app.CreateClient();
        using var allowed = new HttpRequestMessage(HttpMethod.Get, "/.well-known/jwks.json");
        allowed.Headers.TryAddWithoutValidation("Origin", Configured);
        using var ok = await client.SendAsync(allowed);
        Assert.Equal(Configured, Header(ok, "Access-Control-Allow-Origin"));
        Assert.Equal("true", Header(ok, "Access-Control-Allow-Credentials"));
        Assert.Contains("Origin", Header(ok, "Vary"), StringComparison.Ordinal);

        using var other = new HttpRequestMessage(HttpMethod.Get, "/.well-known/jwks.json");
        other.Headers.TryAddWithoutValidation("Origin", UniqueOrigin());
        using var refused = await client.SendAsync(other);
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.Empty(Header(refused, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task a_client_app_redirect_origin_is_allowed_at_once_on_the_replica_that_invalidates_and_dropped_when_deactivated()
    {
        var origin = UniqueOrigin();
        var id = await ClientAppAsync(origin + ":8443/auth/callback?x=1");
        var cors = app.Services.GetRequiredService<CorsOrigins>();

        await cors.InvalidateAsync(CancellationToken.None);
        using (var allowed = await PreflightAsync(origin + ":8443"))
        {
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            Assert.Equal(origin + ":8443", Header(allowed, "Access-Control-Allow-Origin"));
        }
        // Exact match: the bare host, or the full redirect URI, is not the origin.
        using (var bare = await PreflightAsync(origin)) Assert.Equal(HttpStatusCode.BadRequest, bare.StatusCode);

        await SetActiveAsync(id, false);
        await cors.InvalidateAsync(CancellationToken.None);
        using var refused = await PreflightAsync(origin + ":8443");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
    }

    [Fact]
    public async Task a_service_app_created_elsewhere_is_allowed_here_within_the_refresh_period()
    {
        var origin = UniqueOrigin();
        // As another replica would: straight to the grain, which invalidates the cluster's set; this edge only polls.
        var created = await app.Cluster.Client.GetGrain<IServiceAppGrain>(Guid.NewGuid())
            .CreateAsync("cors test", Scenario.Unique("cors"), [origin], [], null);
        Assert.True(created.IsOk);

        var watch = Stopwatch.StartNew();
        await ClusterHarness.WaitUntilAsync(async () =>
        {
            using var r = await PreflightAsync(origin);
            return r.StatusCode == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(15), "the new service app's origin to be allowed");
        // CORS_REFRESH_SECONDS defaults to 5: one poll period plus scheduling slack on a busy machine.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(8), $"took {watch.Elapsed}");

        var app2 = await app.Cluster.Client.GetGrain<IServiceAppGrain>(created.Value!.App.Id).UpdateAsync(null, false, null, null, null);
        Assert.True(app2.IsOk);
        await ClusterHarness.WaitUntilAsync(async () =>
        {
            using var r = await PreflightAsync(origin);
            return r.StatusCode == HttpStatusCode.BadRequest;
        }, TimeSpan.FromSeconds(15), "the deactivated service app's origin to be refused");
    }
}
