using System.Net;
using System.Text.Json;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Integration.Tests.Hardening;

/// <summary>The 10 MiB cap in Kestrel itself, for a body with no Content-Length (chunked), which only a real server enforces.</summary>
public sealed class SizeLimitProcessTests
{
    private sealed class Endless(long bytes) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var chunk = new byte[64 * 1024];
            chunk.AsSpan().Fill((byte)' ');
            for (long sent = 0; sent < bytes; sent += chunk.Length)
                await stream.WriteAsync(chunk);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    [Fact]
    public async Task a_chunked_body_over_10_mib_is_413_body_too_large_from_a_real_web_process()
    {
        await using var cluster = new ClusterHarness("limits");
        var (web, api) = cluster.StartWeb("web");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        await ClusterHarness.WaitUntilAsync(() => ClusterHarness.IsStatusAsync(http, new Uri(api, "/health"), HttpStatusCode.OK),
            TimeSpan.FromSeconds(60), "web to start", () => web.Output);

        using var content = new Endless(11L * 1024 * 1024);
        content.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(api, "/auth/refresh")) { Content = content };
        request.Headers.TransferEncodingChunked = true;
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request);
        }
        catch (HttpRequestException ex)
        {
            Assert.Fail($"the server closed the connection instead of answering 413: {ex.Message}");
            return;
        }
        using (response)
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("body_too_large", body.GetProperty("code").GetString());
        }
    }
}
