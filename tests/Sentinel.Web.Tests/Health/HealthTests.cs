using System.Net;
using System.Text.Json;
using Xunit;

namespace Sentinel.Web.Tests.Health;

[Collection(WebCollection.Name)]
public sealed class HealthTests(SentinelWebApplication app)
{
    [Fact]
    public async Task health_is_ok_without_touching_dependencies()
    {
        using var response = await app.CreateClient().GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"status\":\"ok\"}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ready_is_200_when_a_grain_and_postgres_answer()
    {
        // The first probe may pay for a cold TLS connection pool while other test classes load the box.
        await Sentinel.Testing.ClusterHarness.WaitUntilAsync(
            () => Sentinel.Testing.ClusterHarness.IsStatusAsync(app.CreateClient(), new Uri("/health/ready", UriKind.Relative), HttpStatusCode.OK),
            TimeSpan.FromSeconds(20), "readiness");
        using var response = await app.CreateClient().GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"status\":\"ready\"}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task admin_port_serves_the_panel_page_and_api_port_does_not()
    {
        var client = app.CreateClient();
        using var admin = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "http://localhost:9004/"));
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
        Assert.Contains("Sentinel admin", await admin.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var api = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "http://localhost:9003/"));
        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
    }
}

public sealed class ClusterDownTests : IAsyncLifetime
{
    private readonly SentinelWebApplication app = new() { ClusterDown = true };

    public Task InitializeAsync() => ((IAsyncLifetime)app).InitializeAsync();

    public Task DisposeAsync() => ((IAsyncLifetime)app).DisposeAsync();

    [Fact]
    public async Task ready_is_503_with_retry_after_and_cluster_unavailable_code_when_no_silo_answers()
    {
        var client = app.CreateClient();
        using var live = await client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);

        using var response = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("unavailable", body.RootElement.GetProperty("status").GetString());
        Assert.Equal("cluster_unavailable", body.RootElement.GetProperty("code").GetString());
    }
}
