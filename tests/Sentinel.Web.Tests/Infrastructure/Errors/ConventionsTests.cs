using System.Net;
using System.Text.Json;
using Xunit;

namespace Sentinel.Web.Tests.Infrastructure.Errors;

[Collection(WebCollection.Name)]
public sealed class ConventionsTests(SentinelWebApplication app)
{
    private readonly HttpClient http = app.CreateClient(new() { AllowAutoRedirect = false });

    private static async Task<JsonElement> JsonBody(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    [Fact]
    public async Task unknown_path_returns_json_404_with_code()
    {
        using var response = await http.GetAsync("/no/such/route");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var body = await JsonBody(response);
        Assert.Equal("Not Found", body.GetProperty("detail").GetString());
        Assert.Equal("not_found", body.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("DELETE")]
    [InlineData("HEAD")]
    public async Task wrong_method_returns_json_405_with_code(string method)
    {
        using var response = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), "/health"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        if (method != "HEAD")
        {
            var body = await JsonBody(response);
            Assert.Equal("Method Not Allowed", body.GetProperty("detail").GetString());
            Assert.Equal("method_not_allowed", body.GetProperty("code").GetString());
        }
    }

    [Fact]
    public async Task trailing_slash_redirects_307_to_slashless_path_keeping_query()
    {
        using var response = await http.GetAsync("/health/?x=1");
        Assert.Equal(HttpStatusCode.TemporaryRedirect, response.StatusCode);
        Assert.Equal("/health?x=1", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task declared_body_over_10_mib_returns_json_413()
    {
        using var content = new ByteArrayContent(new byte[16]);
        content.Headers.ContentLength = 10_485_761;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/health") { Content = content };
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var body = await JsonBody(response);
        Assert.Equal("Request body too large", body.GetProperty("detail").GetString());
        Assert.Equal("body_too_large", body.GetProperty("code").GetString());
    }

    [Fact]
    public void datetimes_render_utc_as_z_with_microseconds_only_when_non_zero()
    {
        var whole = new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.FromHours(2));
        Assert.Equal("2026-03-04T03:06:07Z", Sentinel.Web.Infrastructure.Conventions.ContractDateTimeOffsetConverter.Format(whole));
        Assert.Equal("2026-03-04T03:06:07.000123Z", Sentinel.Web.Infrastructure.Conventions.ContractDateTimeOffsetConverter.Format(whole.AddTicks(1230)));
    }
}
