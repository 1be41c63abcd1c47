using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Integration.Tests.Hardening;

/// <summary>One real web process (no silo needed: Kestrel answers these before Sentinel's code), both listeners.</summary>
public sealed class KestrelProcess : IAsyncLifetime
{
    private readonly ClusterHarness cluster = new("kestrel");
    private SentinelProcess web = null!;

    public int ApiPort { get; private set; }
    public int AdminPort { get; } = TestEnvironment.FreePort();
    public string Output => web.Output;

    public async Task InitializeAsync()
    {
        (web, var api) = cluster.StartWeb("web", new Dictionary<string, string> { ["ADMIN_PORT"] = AdminPort.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        ApiPort = api.Port;
        await ClusterHarness.WaitUntilAsync(async () => (await RawHttp.SendAsync(ApiPort, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")).Count > 0,
            TimeSpan.FromSeconds(90), "web to listen", () => web.Output);
    }

    public async Task DisposeAsync() => await cluster.DisposeAsync();
}

/// <summary>A response read off the socket.</summary>
public sealed record RawResponse(int Status, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>HTTP/1.1 over a plain socket, so requests no client library would send reach Kestrel as written.</summary>
public static class RawHttp
{
    public static async Task<IReadOnlyList<RawResponse>> SendAsync(int port, string request) => await SendAsync(port, Encoding.Latin1.GetBytes(request));

    /// <summary>Writes <paramref name="request"/>, reads until the server closes (or 10 s), and parses every response.</summary>
    public static async Task<IReadOnlyList<RawResponse>> SendAsync(int port, byte[] request)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync("127.0.0.1", port);
        using var stream = new NetworkStream(socket, ownsSocket: false);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await stream.WriteAsync(request, timeout.Token);
        }
        catch (IOException)
        {
            // The server may refuse before reading it all; its answer is still to be read.
        }
        var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var n = await stream.ReadAsync(buffer, timeout.Token);
                if (n == 0) break;
                received.Write(buffer, 0, n);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            // Reset or keep-alive left open: parse what arrived.
        }
        return Parse(received.ToArray());
    }

    private static List<RawResponse> Parse(byte[] data)
    {
        var responses = new List<RawResponse>();
        var text = Encoding.Latin1.GetString(data);
        var at = 0;
        while (at < text.Length)
        {
            var end = text.IndexOf("\r\n\r\n", at, StringComparison.Ordinal);
            if (end < 0) break;
            var lines = text[at..end].Split("\r\n");
            var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
            var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
            var bodyStart = end + 4;
            if (headers.TryGetValue("Transfer-Encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
            {
                var chunks = new MemoryStream();
                at = bodyStart;
                while (true)
                {
                    var lineEnd = text.IndexOf("\r\n", at, StringComparison.Ordinal);
                    if (lineEnd < 0) return responses;
                    var size = Convert.ToInt32(text[at..lineEnd].Split(';')[0], 16);
                    at = lineEnd + 2;
                    if (size == 0)
                    {
                        at = text.IndexOf("\r\n", at, StringComparison.Ordinal) + 2;
                        break;
                    }
                    chunks.Write(data, at, size);
                    at += size + 2;
                }
                responses.Add(new RawResponse(status, headers, Encoding.UTF8.GetString(chunks.ToArray())));
                continue;
            }
            var length = headers.TryGetValue("Content-Length", out var cl) ? int.Parse(cl, System.Globalization.CultureInfo.InvariantCulture) : 0;
            var body = Encoding.UTF8.GetString(data, bodyStart, Math.Min(length, data.Length - bodyStart));
            responses.Add(new RawResponse(status, headers, body));
            at = bodyStart + length;
        }
        return responses;
    }
}

/// <summary>
/// Errors Kestrel raises before Sentinel's code keep their status and carry the contract's JSON body
/// (<c>detail</c> + <c>code</c>), on both listeners, over a real socket (issue 23, item 4).
/// </summary>
public sealed class KestrelRejectionTests(KestrelProcess web) : IClassFixture<KestrelProcess>
{
    private const string Host = "Host: 127.0.0.1\r\n";

    private async Task<RawResponse> OnlyAsync(string request, int? port = null)
    {
        var responses = await RawHttp.SendAsync(port ?? web.ApiPort, request);
        Assert.True(responses.Count == 1, $"expected one response, got {responses.Count}\n{web.Output[^Math.Min(2000, web.Output.Length)..]}");
        return responses[0];
    }

    private static void AssertJson(RawResponse response, int status, string? detail, string code)
    {
        Assert.True(response.Status == status, $"expected {status}, got {response.Status}: {response.Body}");
        Assert.StartsWith("application/json", response.Headers.GetValueOrDefault("Content-Type") ?? "", StringComparison.Ordinal);
        var body = JsonDocument.Parse(response.Body).RootElement;
        if (detail is not null) Assert.Equal(detail, body.GetProperty("detail").GetString());
        Assert.Equal(code, body.GetProperty("code").GetString());
    }

    [Fact]
    public async Task a_100_kb_authorization_header_is_431_with_json()
    {
        var response = await OnlyAsync("GET /health HTTP/1.1\r\n" + Host + "Authorization: Bearer " + new string('a', 100 * 1024) + "\r\n\r\n");
        AssertJson(response, 431, null, "request_headers_too_large");
    }

    [Theory]
    [InlineData("path")]
    [InlineData("query")]
    public async Task a_long_request_target_is_414_with_json(string where)
    {
        var target = where == "path" ? "/" + new string('a', 20_000) : "/health?q=" + new string('a', 20_000);
        AssertJson(await OnlyAsync($"GET {target} HTTP/1.1\r\n{Host}\r\n"), 414, null, "uri_too_long");
    }

    [Fact]
    public async Task nul_in_a_path_segment_is_400_with_json()
    {
        AssertJson(await OnlyAsync("GET /users/a%00b HTTP/1.1\r\n" + Host + "\r\n"), 400, null, "bad_request");
    }

    [Theory]
    [InlineData("localhost@evil.example")]
    [InlineData("[::1")]
    [InlineData("a b")]
    public async Task a_malformed_host_is_400_invalid_host_header(string host)
    {
        AssertJson(await OnlyAsync($"GET /health HTTP/1.1\r\nHost: {host}\r\n\r\n"), 400, "Invalid host header", "invalid_host");
    }

    [Fact]
    public async Task an_absolute_form_target_for_another_host_is_400_with_json()
    {
        var response = await OnlyAsync("GET http://evil.example/health HTTP/1.1\r\n" + Host + "\r\n");
        Assert.Equal(400, response.Status);
        AssertJson(response, 400, null, JsonDocument.Parse(response.Body).RootElement.GetProperty("code").GetString()!);
    }

    [Fact]
    public async Task an_unparsable_content_length_is_400_invalid_content_length_header()
    {
        AssertJson(await OnlyAsync("POST /auth/refresh HTTP/1.1\r\n" + Host + "Content-Length: abc\r\n\r\n"), 400, "Invalid Content-Length header", "invalid_content_length");
    }

    [Fact]
    public async Task the_panel_listener_answers_the_same_json()
    {
        AssertJson(await OnlyAsync("GET / HTTP/1.1\r\nHost: localhost@evil.example\r\n\r\n", web.AdminPort), 400, "Invalid host header", "invalid_host");
        AssertJson(await OnlyAsync("GET /" + new string('a', 20_000) + " HTTP/1.1\r\n" + Host + "\r\n", web.AdminPort), 414, null, "uri_too_long");
    }

    [Fact]
    public async Task pipelined_good_requests_pass_through_unchanged_before_the_rejection()
    {
        const string good = "GET /no/such/route HTTP/1.1\r\n" + Host + "\r\n";
        var responses = await RawHttp.SendAsync(web.ApiPort, good + good + "GET /health HTTP/1.1\r\nHost: localhost@evil.example\r\n\r\n");
        Assert.Equal([404, 404, 400], responses.Select(r => r.Status));
        foreach (var notFound in responses.Take(2)) AssertJson(notFound, 404, "Not Found", "not_found");
        AssertJson(responses[2], 400, "Invalid host header", "invalid_host");
    }

    [Fact]
    public async Task a_keep_alive_connection_keeps_working_and_sees_no_rewrite()
    {
        // No rejection: both answers arrive, the connection stays open (read ends on the client's timeout).
        const string good = "GET /no/such/route HTTP/1.1\r\n" + Host + "\r\n";
        var responses = await RawHttp.SendAsync(web.ApiPort, good + "GET /no/such/route HTTP/1.1\r\n" + Host + "Connection: close\r\n\r\n");
        Assert.Equal([404, 404], responses.Select(r => r.Status));
        Assert.All(responses, r => AssertJson(r, 404, "Not Found", "not_found"));
    }
}
