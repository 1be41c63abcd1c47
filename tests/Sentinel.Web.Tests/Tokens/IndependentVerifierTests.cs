using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Sentinel.Testing;
using Sentinel.Web.Tokens;
using Xunit;

namespace Sentinel.Web.Tests.Tokens;

/// <summary>Sentinel's tokens and JWKS, checked by libraries Sentinel does not sign with.</summary>
[Collection(WebCollection.Name)]
public sealed class IndependentVerifierTests(SentinelWebApplication app)
{
    private (string Token, Guid Subject) MintAccess()
    {
        var subject = Guid.NewGuid();
        var service = (TokenService)app.Services.GetService(typeof(TokenService))!;
        var token = service.Mint(TokenKind.Access, subject, c =>
        {
            c["email"] = "a@example.com";
            c["name"] = "A";
            c["wid"] = Guid.NewGuid().ToString();
            c["wslug"] = "ws";
            c["wrole"] = "viewer";
            c["groups"] = new System.Text.Json.Nodes.JsonArray();
        }).Token;
        return (token, subject);
    }

    [Fact]
    public async Task node_jose_verifies_sentinel_tokens_against_the_published_jwks()
    {
        using var jwksResponse = await app.CreateClient().GetAsync("/.well-known/jwks.json");
        var jwksPath = Path.Combine(System.IO.Directory.CreateTempSubdirectory("jwks-").FullName, "jwks.json");
        await File.WriteAllTextAsync(jwksPath, await jwksResponse.Content.ReadAsStringAsync());
        var (token, subject) = MintAccess();

        var ok = await JoseAsync(jwksPath, token, "sentinel:access");
        Assert.True(ok.ExitCode == 0, ok.Output);
        var verified = JsonDocument.Parse(ok.Output).RootElement;
        Assert.Equal(subject.ToString(), verified.GetProperty("payload").GetProperty("sub").GetString());
        Assert.Equal(TestKeys.Kid, verified.GetProperty("header").GetProperty("kid").GetString());

        var wrongAudience = await JoseAsync(jwksPath, token, "sentinel:refresh");
        Assert.NotEqual(0, wrongAudience.ExitCode);
        var tampered = token[..^4] + (token[^4] == 'A' ? "BBBB" : "AAAA");
        Assert.NotEqual(0, (await JoseAsync(jwksPath, tampered, "sentinel:access")).ExitCode);
    }

    [Fact]
    public async Task stock_jwt_bearer_app_with_authority_at_sentinel_accepts_its_tokens()
    {
        var sentinel = app.Server.CreateHandler();
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
        {
            o.Authority = TestTokens.Issuer;
            o.Audience = "sentinel:access";
            o.RequireHttpsMetadata = false;
            o.BackchannelHttpHandler = sentinel;
            o.MapInboundClaims = false;
        });
        builder.Services.AddAuthorization();
        await using var backend = builder.Build();
        backend.UseAuthentication();
        backend.UseAuthorization();
        backend.MapGet("/protected", (HttpContext c) => c.User.FindFirst("sub")!.Value).RequireAuthorization();
        await backend.StartAsync();
        using var client = backend.GetTestClient();

        var (token, subject) = MintAccess();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/protected");
        request.Headers.Authorization = new("Bearer", token);
        using var ok = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(subject.ToString(), await ok.Content.ReadAsStringAsync());

        using var anonymous = await client.GetAsync("/protected");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    internal static async Task<(int ExitCode, string Output)> JoseAsync(string jwksPath, string token, string audience)
    {
        var dir = Path.Combine(TestEnvironment.RepoRoot, "tests", "fixtures", "jose-verify");
        await TestEnvironment.EnsureNodeModulesAsync(dir);
        return await RunAsync("node", ["verify.mjs", jwksPath, token, TestTokens.Issuer, audience], dir);
    }

    private static async Task<(int, string)> RunAsync(string file, string[] args, string dir)
    {
        var info = new ProcessStartInfo(file, args) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, (await stdout) + (await stderr));
    }
}
