using System.Net;
using System.Net.Http.Json;
using Xunit;

namespace Sentinel.Web.Tests.Hardening;

/// <summary>Bodies over 10 MiB get 413 <c>body_too_large</c>; tokens over 8 KiB get 401 <c>token_too_large</c> wherever they arrive.</summary>
[Collection(WebCollection.Name)]
public sealed class SizeLimitTests(SentinelWebApplication app)
{
    private static readonly string Oversized = "eyJ" + new string('a', 8192);

    [Theory]
    [InlineData("/auth/token")]
    [InlineData("/auth/refresh")]
    [InlineData("/workspaces")]
    public async Task a_body_over_10_mib_is_413_body_too_large(string path)
    {
        using var content = new ByteArrayContent(new byte[16]);
        content.Headers.ContentLength = 10 * 1024 * 1024 + 1;
        content.Headers.ContentType = new("application/json");
        using var response = await app.CreateClient().SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = content });
        await Scenario.AssertErrorAsync(response, 413, "Request body too large", "body_too_large");
    }

    [Fact]
    public async Task a_bearer_token_over_8_kib_is_401_token_too_large()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/users/me");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + Oversized);
        using var response = await app.CreateClient().SendAsync(request);
        await Scenario.AssertErrorAsync(response, 401, "Token too large", "token_too_large");
    }

    [Fact]
    public async Task a_bearer_token_of_exactly_8_kib_is_judged_on_its_merits()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/users/me");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + Oversized[..8192]);
        using var response = await app.CreateClient().SendAsync(request);
        await Scenario.AssertErrorAsync(response, 401, "Invalid or expired token", "invalid_token");
    }

    [Fact]
    public async Task an_admin_cookie_over_8_kib_is_401_token_too_large()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/auth/admin/me");
        request.Headers.TryAddWithoutValidation("Cookie", "admin_token=" + Oversized);
        using var response = await app.CreateClient().SendAsync(request);
        await Scenario.AssertErrorAsync(response, 401, "Token too large", "token_too_large");
    }

    [Fact]
    public async Task a_refresh_token_over_8_kib_in_the_body_is_refused_by_the_contracts_4096_limit()
    {
        // The contract caps refresh_token at 4096 characters, checked as validation before any verification.
        using var response = await app.CreateClient().PostAsJsonAsync("/auth/refresh", new { refresh_token = Oversized });
        await Scenario.AssertValidationAsync(response, "refresh_token");
    }
}
