using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;
using Sentinel.Grains.Sessions;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Web.Tests.Tokens;

/// <summary>Bearer verification on a real route (<c>GET /users/me</c>), including the attack cases.</summary>
[Collection(WebCollection.Name)]
public sealed class TokenVerificationTests(SentinelWebApplication app)
{
    private readonly Scenario scenario = new(app);

    private async Task<HttpResponseMessage> MeAsync(string? token) => await scenario.SendAsync(HttpMethod.Get, "/users/me", token);

    [Fact]
    public async Task valid_access_token_reads_the_profile()
    {
        var user = await scenario.UserAsync("Alice");
        using var response = await MeAsync(Scenario.Token(user, Guid.NewGuid(), "viewer"));
        var body = await Scenario.JsonAsync(response);
        Assert.Equal(user.Id, body.GetProperty("id").GetGuid());
        Assert.Equal(user.Email, body.GetProperty("email").GetString());
        Assert.Equal("Alice", body.GetProperty("name").GetString());
        Assert.True(body.GetProperty("is_active").GetBoolean());
        Assert.EndsWith("Z", body.GetProperty("created_at").GetString());
    }

    [Fact]
    public async Task missing_or_malformed_authorization_is_401_missing_bearer()
    {
        using var none = await MeAsync(null);
        await Scenario.AssertErrorAsync(none, 401, "Missing Bearer token", "missing_token");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/users/me");
        request.Headers.TryAddWithoutValidation("Authorization", "bearer abc");
        using var lower = await scenario.Http.SendAsync(request);
        await Scenario.AssertErrorAsync(lower, 401, "Missing Bearer token", "missing_token");
    }

    [Fact]
    public async Task token_over_8kb_is_401_token_too_large()
    {
        using var response = await MeAsync(new string('a', 8193));
        await Scenario.AssertErrorAsync(response, 401, "Token too large", "token_too_large");
    }

    [Fact]
    public async Task alg_none_token_is_rejected()
    {
        var user = await scenario.UserAsync();
        var valid = Scenario.Token(user, Guid.NewGuid(), "viewer");
        var parts = valid.Split('.');
        var header = Base64UrlEncoder.Encode($"{{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"{TestKeys.Kid}\"}}");
        using var response = await MeAsync($"{header}.{parts[1]}.");
        await Scenario.AssertErrorAsync(response, 401, "Invalid or expired token", "invalid_token");
    }

    [Fact]
    public async Task hs256_token_signed_with_the_public_key_is_rejected()
    {
        var user = await scenario.UserAsync();
        var parts = Scenario.Token(user, Guid.NewGuid(), "viewer").Split('.');
        var header = Base64UrlEncoder.Encode($"{{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"{TestKeys.Kid}\"}}");
        var publicPem = Encoding.UTF8.GetBytes(TestKeys.Rsa.ExportSubjectPublicKeyInfoPem());
        var signature = Base64UrlEncoder.Encode(HMACSHA256.HashData(publicPem, Encoding.ASCII.GetBytes($"{header}.{parts[1]}")));
        using var response = await MeAsync($"{header}.{parts[1]}.{signature}");
        await Scenario.AssertErrorAsync(response, 401, "Invalid or expired token", "invalid_token");
    }

    [Fact]
    public async Task token_without_kid_is_rejected_by_default()
    {
        var user = await scenario.UserAsync();
        using var response = await MeAsync(TestTokens.Access(user.Id, Guid.NewGuid(), "viewer", includeKid: false));
        await Scenario.AssertErrorAsync(response, 401, "Invalid or expired token", "invalid_token");
    }

    [Fact]
    public async Task token_with_unknown_kid_or_foreign_key_is_rejected()
    {
        var user = await scenario.UserAsync();
        var foreign = RSA.Create(2048);
        using var unknownKey = await MeAsync(TestTokens.Access(user.Id, Guid.NewGuid(), "viewer", key: foreign));
        await Scenario.AssertErrorAsync(unknownKey, 401, "Invalid or expired token", "invalid_token");
        // A foreign key claiming our kid fails the signature.
        using var spoofedKid = await MeAsync(TestTokens.Access(user.Id, Guid.NewGuid(), "viewer", key: foreign, kid: TestKeys.Kid));
        await Scenario.AssertErrorAsync(spoofedKid, 401, "Invalid or expired token", "invalid_token");
    }

    [Theory]
    [InlineData("aud")]
    [InlineData("iss")]
    [InlineData("exp")]
    public async Task wrong_audience_issuer_or_expired_token_is_rejected(string broken)
    {
        var user = await scenario.UserAsync();
        var token = broken switch
        {
            "aud" => TestTokens.Access(user.Id, Guid.NewGuid(), "viewer", audience: "sentinel:refresh"),
            "iss" => TestTokens.Access(user.Id, Guid.NewGuid(), "viewer", issuer: "https://evil.example"),
            _ => TestTokens.Access(user.Id, Guid.NewGuid(), "viewer", issuedAt: DateTimeOffset.UtcNow.AddMinutes(-20), lifetime: TimeSpan.FromMinutes(15)),
        };
        using var response = await MeAsync(token);
        await Scenario.AssertErrorAsync(response, 401, "Invalid or expired token", "invalid_token");
    }

    [Fact]
    public async Task access_audience_with_other_type_claim_is_invalid_token_type()
    {
        var user = await scenario.UserAsync();
        using var response = await MeAsync(TestTokens.Access(user.Id, Guid.NewGuid(), "viewer", type: "refresh"));
        await Scenario.AssertErrorAsync(response, 401, "Invalid token type", "invalid_token_type");
    }

    [Fact]
    public async Task token_without_workspace_claims_is_missing_required_claims()
    {
        var user = await scenario.UserAsync();
        var payload = new System.Text.Json.Nodes.JsonObject
        {
            ["iss"] = TestTokens.Issuer, ["sub"] = user.Id.ToString(), ["aud"] = "sentinel:access", ["type"] = "access",
            ["jti"] = Guid.NewGuid().ToString(), ["email"] = user.Email, ["name"] = user.Name,
        };
        using var response = await MeAsync(TestTokens.Sign(payload, TimeSpan.FromMinutes(5)));
        await Scenario.AssertErrorAsync(response, 401, "Token missing required claims", "token_missing_claims");
    }

    [Fact]
    public async Task denylisted_jti_is_token_revoked_and_deactivated_user_is_refused()
    {
        var user = await scenario.UserAsync();
        var jti = Guid.NewGuid();
        var token = TestTokens.Access(user.Id, Guid.NewGuid(), "viewer", jti: jti);
        var sessions = app.Cluster.GrainFactory.GetGrain<IUserSessionGrain>(user.Id);

        await sessions.DenyTokenAsync(jti, DateTimeOffset.UtcNow.AddMinutes(15));
        using (var revoked = await MeAsync(token)) await Scenario.AssertErrorAsync(revoked, 401, "Token has been revoked", "token_revoked");

        var other = TestTokens.Access(user.Id, Guid.NewGuid(), "viewer");
        await sessions.SetDeactivatedAsync(true);
        using (var deactivated = await MeAsync(other)) await Scenario.AssertErrorAsync(deactivated, 401, "User account is deactivated", "user_deactivated");
        await sessions.SetDeactivatedAsync(false);
        using (var back = await MeAsync(other)) Assert.Equal(System.Net.HttpStatusCode.OK, back.StatusCode);
    }

    [Fact]
    public async Task revoke_all_refuses_tokens_issued_before_it()
    {
        var user = await scenario.UserAsync();
        var old = TestTokens.Access(user.Id, Guid.NewGuid(), "viewer", issuedAt: DateTimeOffset.UtcNow.AddSeconds(-30));
        await app.Cluster.GrainFactory.GetGrain<IUserSessionGrain>(user.Id).RevokeAllIssuedBeforeNowAsync();
        using var response = await MeAsync(old);
        await Scenario.AssertErrorAsync(response, 401, "Token has been revoked", "token_revoked");
    }
}
