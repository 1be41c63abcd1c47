using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Sentinel.Grains.AuthCodes;
using Sentinel.Grains.Directory;
using Sentinel.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Sentinel.Integration.Tests.Cluster;

/// <summary>
/// Issue 15 end to end: <c>make cluster</c>'s script (one silo, one web, the local proxy; Web with <c>BEHIND_PROXY=true</c>,
/// <c>TRUSTED_PROXY_COUNT=1</c> as the script sets them). A person connects to the proxy from 127.0.0.7, while the proxy
/// reaches Web from 127.0.0.1: the sessions list must show 127.0.0.7, the address the proxy wrote into
/// <c>X-Forwarded-For</c>, not the proxy's own, and not what the person wrote into the header themselves.
/// </summary>
public sealed class ProxyClientAddressTests(ITestOutputHelper output)
{
    private static readonly IPAddress Person = IPAddress.Parse("127.0.0.7");
    private const string Spoofed = "198.51.100.66";

    [Theory]
    [InlineData("caddy")]
    [InlineData("nginx")]
    public async Task the_sessions_list_shows_the_address_the_proxy_forwarded_not_the_proxy(string proxy)
    {
        var script = new ClusterScript(output, proxy, silos: 1, webs: 1);
        try
        {
            var start = await script.RunAsync("start", TimeSpan.FromSeconds(120));
            Assert.True(start.ExitCode == 0, $"cluster.sh start exited {start.ExitCode}:\n{start.Output}\n{script.Logs()}");

            // A user with a workspace, and a code as /auth/callback would issue it, straight into the cluster's grains.
            await using var orleans = await OrleansTestClient.ConnectAsync(script.ClusterId, TimeSpan.FromSeconds(60));
            var email = $"proxied-{Guid.NewGuid():N}@example.com";
            var user = await orleans.Client.GetGrain<IUserGrain>(Guid.NewGuid()).CreateAsync(email, "Proxied Person", null, false);
            Assert.True(user.IsOk, user.Error.ToString());
            var workspace = await orleans.Client.GetGrain<IWorkspaceGrain>(Guid.NewGuid())
                .CreateAsync("Proxied", $"proxied-{Guid.NewGuid().ToString("N")[..10]}", null, user.Value!.Id);
            Assert.True(workspace.IsOk, workspace.Error.ToString());
            var verifier = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
            var code = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
            var challenge = WebEncoders.Base64UrlEncode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
            Assert.True(await orleans.Client.GetGrain<IAuthCodeGrain>(AuthCodeKeys.For(code))
                .IssueAsync(new AuthCodeGrant(user.Value.Id, "dex", null, null, challenge, "S256", DateTimeOffset.UtcNow.AddMinutes(5))));

            using var http = FromAddress(Person, script.Front);
            http.DefaultRequestHeaders.TryAddWithoutValidation("X-Forwarded-For", Spoofed);
            using var token = await http.PostAsJsonAsync("/auth/token", new { code, workspace_id = workspace.Value!.Id, code_verifier = verifier });
            var tokenText = await token.Content.ReadAsStringAsync();
            Assert.True(token.StatusCode == HttpStatusCode.OK, $"{(int)token.StatusCode}: {tokenText}");
            var access = JsonDocument.Parse(tokenText).RootElement.GetProperty("access_token").GetString();

            using var request = new HttpRequestMessage(HttpMethod.Get, "/users/me/sessions");
            request.Headers.Authorization = new("Bearer", access);
            using var sessions = await http.SendAsync(request);
            var text = await sessions.Content.ReadAsStringAsync();
            Assert.True(sessions.StatusCode == HttpStatusCode.OK, $"{(int)sessions.StatusCode}: {text}");
            var session = Assert.Single(JsonDocument.Parse(text).RootElement.GetProperty("sessions").EnumerateArray());
            Assert.Equal(Person.ToString(), session.GetProperty("ip").GetString());
        }
        finally
        {
            var stop = await script.RunAsync("stop", TimeSpan.FromSeconds(75));
            Assert.True(stop.ExitCode == 0, $"cluster.sh stop exited {stop.ExitCode}:\n{stop.Output}");
            script.Dispose();
        }
    }

    /// <summary>A client whose connections leave from <paramref name="local"/>, a loopback address other than the proxy's.</summary>
    private static HttpClient FromAddress(IPAddress local, Uri front) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(local, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    {
        BaseAddress = front,
        Timeout = TimeSpan.FromSeconds(20),
    };
}
