using System.Net;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;
using Sentinel.Testing;
using Sentinel.Web.Tokens;
using Xunit;

namespace Sentinel.Web.Tests.Tokens;

/// <summary>JWKS order and rotation: current first, then next (verifies nothing), then previous (still verify).</summary>
public sealed class KeyRotationTests : IAsyncLifetime
{
    private static readonly (string PublicPath, string PrivatePath, string Kid, System.Security.Cryptography.RSA Rsa) Next = TestKeys.NewKeyPair();
    private static readonly (string PublicPath, string PrivatePath, string Kid, System.Security.Cryptography.RSA Rsa) Previous = TestKeys.NewKeyPair();

    private readonly SentinelWebApplication app = new()
    {
        Settings =
        {
            ["JWT_NEXT_PUBLIC_KEY_PATH"] = Next.PublicPath,
            ["JWT_PREVIOUS_PUBLIC_KEY_PATHS"] = Previous.PublicPath,
            ["ACCEPT_TOKENS_WITHOUT_KID"] = "true",
        },
    };

    public Task InitializeAsync() => ((IAsyncLifetime)app).InitializeAsync();
    public Task DisposeAsync() => ((IAsyncLifetime)app).DisposeAsync();

    [Fact]
    public async Task jwks_lists_current_then_next_then_previous_with_rfc7638_kids()
    {
        using var response = await app.CreateClient().GetAsync("/.well-known/jwks.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("max-age", response.Headers.CacheControl?.ToString());
        var keys = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("keys").EnumerateArray().ToArray();
        Assert.Equal([TestKeys.Kid, Next.Kid, Previous.Kid], keys.Select(k => k.GetProperty("kid").GetString()));
        foreach (var key in keys)
        {
            Assert.Equal("RSA", key.GetProperty("kty").GetString());
            Assert.Equal("sig", key.GetProperty("use").GetString());
            Assert.Equal("RS256", key.GetProperty("alg").GetString());
            Assert.Equal(["verify"], key.GetProperty("key_ops").EnumerateArray().Select(o => o.GetString()));
            Assert.False(key.TryGetProperty("d", out _));
        }
    }

    [Fact]
    public async Task previous_key_still_verifies_and_next_key_verifies_nothing()
    {
        var scenario = new Scenario(app);
        var user = await scenario.UserAsync();
        using (var previous = await scenario.SendAsync(HttpMethod.Get, "/users/me", TestTokens.Access(user.Id, Guid.NewGuid(), "viewer", key: Previous.Rsa)))
            Assert.Equal(HttpStatusCode.OK, previous.StatusCode);
        using var next = await scenario.SendAsync(HttpMethod.Get, "/users/me", TestTokens.Access(user.Id, Guid.NewGuid(), "viewer", key: Next.Rsa));
        await Scenario.AssertErrorAsync(next, 401, "Invalid or expired token", "invalid_token");
    }

    [Fact]
    public async Task cutover_flag_accepts_kidless_tokens_only_from_the_current_key()
    {
        var scenario = new Scenario(app);
        var user = await scenario.UserAsync();
        using (var current = await scenario.SendAsync(HttpMethod.Get, "/users/me", TestTokens.Access(user.Id, Guid.NewGuid(), "viewer", includeKid: false)))
            Assert.Equal(HttpStatusCode.OK, current.StatusCode);
        using var previous = await scenario.SendAsync(HttpMethod.Get, "/users/me", TestTokens.Access(user.Id, Guid.NewGuid(), "viewer", key: Previous.Rsa, includeKid: false));
        await Scenario.AssertErrorAsync(previous, 401, "Invalid or expired token", "invalid_token");
    }

    [Fact]
    public async Task discovery_document_points_at_jwks_and_sentinel_tokens_carry_kid()
    {
        using var response = await app.CreateClient().GetAsync("/.well-known/openid-configuration");
        var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(TestTokens.Issuer, doc.GetProperty("issuer").GetString());
        Assert.Equal(TestTokens.Issuer + "/.well-known/jwks.json", doc.GetProperty("jwks_uri").GetString());
        Assert.Equal(["RS256"], doc.GetProperty("id_token_signing_alg_values_supported").EnumerateArray().Select(a => a.GetString()));

        var service = (TokenService)app.Services.GetService(typeof(TokenService))!;
        var (token, _, _) = service.Mint(TokenKind.Access, Guid.NewGuid(), _ => { });
        var header = JsonDocument.Parse(Base64UrlEncoder.Decode(token.Split('.')[0])).RootElement;
        Assert.Equal("RS256", header.GetProperty("alg").GetString());
        Assert.Equal("JWT", header.GetProperty("typ").GetString());
        Assert.Equal(TestKeys.Kid, header.GetProperty("kid").GetString());
    }
}
