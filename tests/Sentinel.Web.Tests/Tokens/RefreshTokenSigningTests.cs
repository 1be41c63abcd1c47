using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Sentinel.Testing;
using Sentinel.Web.Tests.SignIn;
using Sentinel.Web.Tokens;
using Xunit;

namespace Sentinel.Web.Tests.Tokens;

/// <summary>
/// Refresh tokens are HS256 under the refresh key (only Sentinel reads them); access tokens stay RS256 against JWKS.
/// Neither kind's key verifies the other's tokens, and RS256 refresh tokens from before the switch still refresh.
/// </summary>
[Collection(SignInCollection.Name)]
public sealed class RefreshTokenSigningTests(SignInWeb web)
{
    /// <summary>The web tests' SESSION_SECRET_KEY: with no REFRESH_TOKEN_KEY, the refresh key is derived from it.</summary>
    private const string SessionSecret = "web-tests-session-secret-0123456789";

    private readonly SignInScenario s = new(web.App);
    private readonly JsonWebTokenHandler handler = new() { SetDefaultTimesOnTokenCreation = false };

    private TokenService Tokens => web.App.Services.GetRequiredService<TokenService>();

    [Fact]
    public async Task refresh_tokens_are_hs256_with_the_refresh_kid_and_the_same_claims_and_round_trip()
    {
        var (owner, ws) = await s.OwnerAsync();
        var first = await s.SignInAsync(owner.Id, ws);

        var jwt = first.RefreshJwt;
        Assert.Equal("HS256", jwt.Alg);
        Assert.Equal(RefreshKeys.Derive(SessionSecret).KeyId, jwt.Kid);
        Assert.StartsWith("hs256.", jwt.Kid);
        Assert.Equal(["sentinel:refresh"], jwt.Audiences);
        Assert.Equal("refresh", jwt.GetPayloadValue<string>("type"));
        Assert.True(Guid.TryParse(jwt.GetPayloadValue<string>("fid"), out _));
        Assert.True(Guid.TryParse(jwt.Id, out _));
        Assert.True(jwt.ValidTo > DateTime.UtcNow.AddDays(6));
        // The access token is untouched: RS256 under the RSA key that JWKS publishes.
        Assert.Equal("RS256", first.AccessJwt.Alg);
        Assert.Equal(TestKeys.Kid, first.AccessJwt.Kid);

        using var response = await s.RefreshAsync(first.Refresh);
        var second = await TokenPair.ReadAsync(response);
        Assert.Equal("HS256", second.RefreshJwt.Alg);
        Assert.Equal(jwt.GetPayloadValue<string>("fid"), second.RefreshJwt.GetPayloadValue<string>("fid"));
        using var again = await s.RefreshAsync(second.Refresh);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    [Fact]
    public async Task tampered_wrong_kid_and_alg_confused_refresh_tokens_are_refused_and_spend_nothing()
    {
        var (owner, ws) = await s.OwnerAsync();
        var pair = await s.SignInAsync(owner.Id, ws);
        var payload = PayloadOf(pair.Refresh);
        var refreshKey = Tokens.RefreshKeys.Current;

        // Each forgery carries the live family's claims, so any that verified would rotate the family and turn the
        // genuine token's refresh below into reuse.
        var parts = pair.Refresh.Split('.');
        var tamperedPayload = JsonNode.Parse(Base64UrlEncoder.Decode(parts[1]))!.AsObject();
        tamperedPayload["exp"] = tamperedPayload["exp"]!.GetValue<long>() + 1;
        var forgeries = new Dictionary<string, string>
        {
            ["tampered payload"] = parts[0] + "." + Base64UrlEncoder.Encode(tamperedPayload.ToJsonString()) + "." + parts[2],
            ["tampered signature"] = parts[0] + "." + parts[1] + "." + Flip(parts[2]),
            ["unknown kid"] = Hmac(payload, refreshKey.Key, "hs256.AAAAAAAAAAAAAAAA", SecurityAlgorithms.HmacSha256),
            ["another key under the right kid"] = Hmac(payload, RefreshKeys.Derive("some-other-secret-0123456789-abcdef").Key, refreshKey.KeyId, SecurityAlgorithms.HmacSha256),
            ["no kid"] = Hmac(payload, refreshKey.Key, null, SecurityAlgorithms.HmacSha256),
            ["HS512 under the refresh key"] = RawHs512(payload, refreshKey.Key, refreshKey.KeyId),
            ["HS256 keyed by the RSA public key (SPKI DER)"] = Hmac(payload, TestKeys.Rsa.ExportSubjectPublicKeyInfo(), TestKeys.Kid, SecurityAlgorithms.HmacSha256),
            ["HS256 keyed by the RSA public key (PEM)"] = Hmac(payload, Encoding.ASCII.GetBytes(TestKeys.Rsa.ExportSubjectPublicKeyInfoPem()), TestKeys.Kid, SecurityAlgorithms.HmacSha256),
            ["HS256 keyed by the RSA modulus"] = Hmac(payload, TestKeys.Rsa.ExportParameters(false).Modulus!, TestKeys.Kid, SecurityAlgorithms.HmacSha256),
            ["alg none, refresh kid"] = Unsigned(payload, refreshKey.KeyId),
            ["alg none, RSA kid"] = Unsigned(payload, TestKeys.Kid),
            ["RS256 header over an HMAC signature"] = Relabel(pair.Refresh, "RS256", TestKeys.Kid),
        };
        foreach (var (name, forged) in forgeries)
        {
            using var refused = await s.RefreshAsync(forged);
            Assert.True(refused.StatusCode == HttpStatusCode.Unauthorized, name);
            await Scenario.AssertErrorAsync(refused, 401, "Invalid refresh token", "invalid_refresh_token");
        }

        using var genuine = await s.RefreshAsync(pair.Refresh);
        Assert.Equal(HttpStatusCode.OK, genuine.StatusCode);
    }

    [Fact]
    public async Task an_hmac_signed_token_is_never_an_access_token_for_sentinel_or_a_jwks_verifier()
    {
        var (owner, ws) = await s.OwnerAsync();
        var pair = await s.SignInAsync(owner.Id, ws);

        // The refresh token itself as a bearer.
        using (var asBearer = await s.GetAsync("/users/me/sessions", pair.Refresh))
            await Scenario.AssertErrorAsync(asBearer, 401, null, "invalid_token");
        // An access token's exact claims, signed with the refresh key: whoever holds that key still cannot mint access.
        var forged = Hmac(PayloadOf(pair.Access), Tokens.RefreshKeys.Current.Key, Tokens.RefreshKeys.Current.KeyId, SecurityAlgorithms.HmacSha256);
        using (var forgedAccess = await s.GetAsync("/users/me/sessions", forged))
            await Scenario.AssertErrorAsync(forgedAccess, 401, null, "invalid_token");
        using (var genuine = await s.GetAsync("/users/me/sessions", pair.Access))
            Assert.Equal(HttpStatusCode.OK, genuine.StatusCode);

        // JWKS publishes RSA keys only: no symmetric key ever leaves the service.
        using var jwks = await s.Http.GetAsync("/.well-known/jwks.json");
        var keys = JsonDocument.Parse(await jwks.Content.ReadAsStringAsync()).RootElement.GetProperty("keys").EnumerateArray().ToArray();
        Assert.All(keys, k => Assert.Equal("RSA", k.GetProperty("kty").GetString()));
        Assert.All(keys, k => Assert.False(k.TryGetProperty("k", out _)));

        // A stock JwtBearer resource server pointed at Sentinel accepts the RS256 access token and refuses the HS256 one.
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
        {
            o.Authority = TestTokens.Issuer;
            o.Audience = "sentinel:access";
            o.RequireHttpsMetadata = false;
            o.BackchannelHttpHandler = web.App.Server.CreateHandler();
            o.MapInboundClaims = false;
        });
        builder.Services.AddAuthorization();
        await using var backend = builder.Build();
        backend.UseAuthentication();
        backend.UseAuthorization();
        backend.MapGet("/protected", (HttpContext c) => c.User.FindFirst("sub")!.Value).RequireAuthorization();
        await backend.StartAsync();
        using var client = backend.GetTestClient();
        foreach (var (token, expected) in new[] { (pair.Access, HttpStatusCode.OK), (forged, HttpStatusCode.Unauthorized), (pair.Refresh, HttpStatusCode.Unauthorized) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/protected");
            request.Headers.Authorization = new("Bearer", token);
            using var response = await client.SendAsync(request);
            Assert.Equal(expected, response.StatusCode);
        }
    }

    [Fact]
    public async Task an_rs256_access_token_presented_as_a_refresh_token_is_refused()
    {
        var (owner, ws) = await s.OwnerAsync();
        var pair = await s.SignInAsync(owner.Id, ws);
        using var refused = await s.RefreshAsync(pair.Access);
        await Scenario.AssertErrorAsync(refused, 401, "Invalid refresh token", "invalid_refresh_token");
        // Even with the refresh audience and type, an access-kind RS256 token with another family's claims changes nothing.
        Assert.IsType<TokenCheck.Invalid>(await Tokens.VerifyAsync(pair.Refresh, TokenKind.Access));
        Assert.IsType<TokenCheck.Invalid>(await Tokens.VerifyAsync(pair.Refresh, TokenKind.Admin));
        Assert.IsType<TokenCheck.Invalid>(await Tokens.VerifyAsync(pair.Refresh, TokenKind.Authz));
    }

    [Fact]
    public async Task an_rs256_refresh_token_issued_before_the_switch_still_refreshes_until_it_expires()
    {
        var (owner, ws) = await s.OwnerAsync();
        var pair = await s.SignInAsync(owner.Id, ws);
        // The same claims as the live family's token, signed as the previous version did: RS256, kid = RSA thumbprint.
        var payload = PayloadOf(pair.Refresh);
        var legacy = handler.CreateToken(payload.ToJsonString(), new SigningCredentials(new RsaSecurityKey(TestKeys.Rsa) { KeyId = TestKeys.Kid }, SecurityAlgorithms.RsaSha256));
        Assert.Equal("RS256", new JsonWebToken(legacy).Alg);

        using var response = await s.RefreshAsync(legacy);
        var next = await TokenPair.ReadAsync(response);
        Assert.Equal("HS256", next.RefreshJwt.Alg);

        // Expired: refused like any expired token (zero leeway).
        payload["jti"] = next.RefreshJwt.Id;
        payload["exp"] = DateTimeOffset.UtcNow.AddSeconds(-1).ToUnixTimeSeconds();
        payload["iat"] = DateTimeOffset.UtcNow.AddDays(-7).ToUnixTimeSeconds();
        var expired = handler.CreateToken(payload.ToJsonString(), new SigningCredentials(new RsaSecurityKey(TestKeys.Rsa) { KeyId = TestKeys.Kid }, SecurityAlgorithms.RsaSha256));
        using var refused = await s.RefreshAsync(expired);
        await Scenario.AssertErrorAsync(refused, 401, "Invalid refresh token", "invalid_refresh_token");
    }

    [Fact]
    public async Task rotating_the_refresh_key_keeps_live_sessions_while_the_old_key_is_listed_as_previous()
    {
        var (owner, ws) = await s.OwnerAsync();
        var pair = await s.SignInAsync(owner.Id, ws);
        const string newKey = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

        // A replica given only the new key cannot verify the live token (nothing is spent by the refusal)...
        using (var withoutPrevious = RefreshEdge(new() { ["REFRESH_TOKEN_KEY"] = newKey }))
        {
            using var refused = await withoutPrevious.CreateClient().PostAsJsonAsync("/auth/refresh", new { refresh_token = pair.Refresh });
            await Scenario.AssertErrorAsync(refused, 401, "Invalid refresh token", "invalid_refresh_token");
        }

        // ...one that lists the old key as previous refreshes it and signs the new pair under the new key.
        using var rotated = RefreshEdge(new() { ["REFRESH_TOKEN_KEY"] = newKey, ["REFRESH_TOKEN_PREVIOUS_KEYS"] = SessionSecret });
        using var response = await rotated.CreateClient().PostAsJsonAsync("/auth/refresh", new { refresh_token = pair.Refresh });
        var next = await TokenPair.ReadAsync(response);
        Assert.Equal(RefreshKeys.Derive(newKey).KeyId, next.RefreshJwt.Kid);
        Assert.NotEqual(pair.RefreshJwt.Kid, next.RefreshJwt.Kid);

        // The new token is refused by a replica that does not have the new key yet, and refreshes on one that does.
        using (var old = await s.RefreshAsync(next.Refresh))
            await Scenario.AssertErrorAsync(old, 401, "Invalid refresh token", "invalid_refresh_token");
        using var again = await rotated.CreateClient().PostAsJsonAsync("/auth/refresh", new { refresh_token = next.Refresh });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    /// <summary>Another edge over the same test cluster, with extra settings.</summary>
    private Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> RefreshEdge(Dictionary<string, string> settings) =>
        web.App.WithWebHostBuilder(b =>
        {
            foreach (var (key, value) in settings) b.UseSetting(key, value);
        });

    private static JsonObject PayloadOf(string token) => JsonNode.Parse(Base64UrlEncoder.Decode(token.Split('.')[1]))!.AsObject();

    private string Hmac(JsonObject payload, byte[] key, string? kid, string algorithm)
    {
        var securityKey = new SymmetricSecurityKey(key);
        if (kid is not null) securityKey.KeyId = kid;
        return handler.CreateToken(payload.ToJsonString(), new SigningCredentials(securityKey, algorithm));
    }

    /// <summary>HS512 by hand: IdentityModel refuses to sign HS512 with a 256-bit key, an attacker's code would not.</summary>
    private static string RawHs512(JsonObject payload, byte[] key, string kid)
    {
        var input = Base64UrlEncoder.Encode($"{{\"alg\":\"HS512\",\"kid\":\"{kid}\",\"typ\":\"JWT\"}}") + "." + Base64UrlEncoder.Encode(payload.ToJsonString());
        return input + "." + Base64UrlEncoder.Encode(System.Security.Cryptography.HMACSHA512.HashData(key, Encoding.ASCII.GetBytes(input)));
    }

    private static string Unsigned(JsonObject payload, string kid) =>
        Base64UrlEncoder.Encode($"{{\"alg\":\"none\",\"kid\":\"{kid}\",\"typ\":\"JWT\"}}") + "." + Base64UrlEncoder.Encode(payload.ToJsonString()) + ".";

    /// <summary>Keeps payload and signature, swaps the header.</summary>
    private static string Relabel(string token, string alg, string kid)
    {
        var parts = token.Split('.');
        return Base64UrlEncoder.Encode($"{{\"alg\":\"{alg}\",\"kid\":\"{kid}\",\"typ\":\"JWT\"}}") + "." + parts[1] + "." + parts[2];
    }

    private static string Flip(string signature) => (signature[0] == 'A' ? 'B' : 'A') + signature[1..];
}
