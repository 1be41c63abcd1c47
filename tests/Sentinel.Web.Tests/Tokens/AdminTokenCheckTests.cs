using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Sentinel.Testing;
using Sentinel.Tokens;
using Xunit;

namespace Sentinel.Web.Tests.Tokens;

/// <summary>
/// The one admin-token check (common/JwtCheck.cs) that the edge and the silo's dashboard gate share: what it accepts and
/// each way a token is refused.
/// </summary>
public sealed class AdminTokenCheckTests
{
    private const string Issuer = "https://auth.example.test";
    private static readonly DateTimeOffset Now = new(2026, 12, 8, 0, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider time = new(Now);
    private readonly RsaVerificationKeys keys = new();
    private readonly string kid;

    public AdminTokenCheckTests()
    {
        kid = keys.Add(TestKeys.Rsa.ExportParameters(false));
    }

    private static JsonObject Claims(Action<JsonObject>? change = null)
    {
        var claims = new JsonObject
        {
            ["iss"] = Issuer,
            ["sub"] = Guid.NewGuid().ToString(),
            ["aud"] = AdminTokenCheck.Audience,
            ["type"] = AdminTokenCheck.Type,
            ["jti"] = Guid.NewGuid().ToString(),
            ["iat"] = Now.ToUnixTimeSeconds(),
            ["exp"] = Now.AddMinutes(60).ToUnixTimeSeconds(),
            ["admin"] = true,
        };
        change?.Invoke(claims);
        return claims;
    }

    private static string Sign(JsonObject claims, SigningCredentials credentials, IDictionary<string, object>? header = null) =>
        new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(claims.ToJsonString(), credentials, header ?? new Dictionary<string, object>());

    private SigningCredentials Rs256(RSA rsa, string? keyId = null) =>
        new(new RsaSecurityKey(rsa) { KeyId = keyId ?? kid }, SecurityAlgorithms.RsaSha256);

    private Task<(JwtVerdict Verdict, bool Admin)> Check(string token) => AdminTokenCheck.VerifyAsync(token, Issuer, keys.Resolve, time);

    [Fact]
    public async Task a_valid_admin_token_passes_with_its_claims()
    {
        var claims = Claims(c => c["rvk"] = 1_700_000_000_000_000L);
        var (verdict, admin) = await Check(Sign(claims, Rs256(TestKeys.Rsa)));
        var valid = Assert.IsType<JwtVerdict.Valid>(verdict);
        Assert.True(admin);
        Assert.Equal(Guid.Parse(claims["sub"]!.GetValue<string>()), valid.Subject);
        Assert.Equal(Guid.Parse(claims["jti"]!.GetValue<string>()), valid.Jti);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(Now.ToUnixTimeSeconds()), valid.IssuedAt);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddTicks(1_700_000_000_000_000L * 10), valid.MintedUnder);
    }

    [Fact]
    public async Task a_token_without_the_admin_claim_verifies_but_is_not_admin()
    {
        var (verdict, admin) = await Check(Sign(Claims(c => c.Remove("admin")), Rs256(TestKeys.Rsa)));
        Assert.IsType<JwtVerdict.Valid>(verdict);
        Assert.False(admin);
    }

    [Fact]
    public async Task an_expired_token_is_refused_with_no_leeway()
    {
        var token = Sign(Claims(), Rs256(TestKeys.Rsa));
        time.Advance(TimeSpan.FromMinutes(60) - TimeSpan.FromSeconds(1));
        Assert.IsType<JwtVerdict.Valid>((await Check(token)).Verdict);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.IsType<JwtVerdict.Invalid>((await Check(token)).Verdict);
    }

    [Fact]
    public async Task a_token_for_another_audience_is_refused()
    {
        var token = Sign(Claims(c => c["aud"] = "sentinel:access"), Rs256(TestKeys.Rsa));
        Assert.IsType<JwtVerdict.Invalid>((await Check(token)).Verdict);
    }

    [Fact]
    public async Task a_token_from_another_issuer_is_refused()
    {
        var token = Sign(Claims(c => c["iss"] = "https://evil.example.test"), Rs256(TestKeys.Rsa));
        Assert.IsType<JwtVerdict.Invalid>((await Check(token)).Verdict);
    }

    [Fact]
    public async Task a_token_signed_by_another_key_is_refused_under_a_known_kid_and_under_its_own()
    {
        using var other = RSA.Create(2048);
        Assert.IsType<JwtVerdict.Invalid>((await Check(Sign(Claims(), Rs256(other)))).Verdict);
        Assert.IsType<JwtVerdict.Invalid>((await Check(Sign(Claims(), Rs256(other, RsaVerificationKeys.Thumbprint(other.ExportParameters(false)))))).Verdict);
    }

    [Fact]
    public async Task alg_confusion_hs256_keyed_with_the_rsa_public_key_is_refused()
    {
        // The classic attack: sign HS256 with the server's public key bytes as the HMAC secret, under its kid.
        var publicPem = Encoding.UTF8.GetBytes(TestKeys.Rsa.ExportSubjectPublicKeyInfoPem());
        var hmac = new SigningCredentials(new SymmetricSecurityKey(publicPem) { KeyId = kid }, SecurityAlgorithms.HmacSha256);
        Assert.IsType<JwtVerdict.Invalid>((await Check(Sign(Claims(), hmac))).Verdict);
    }

    [Fact]
    public async Task an_unsigned_token_is_refused()
    {
        var unsigned = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(Claims().ToJsonString());
        Assert.IsType<JwtVerdict.Invalid>((await Check(unsigned)).Verdict);
    }

    [Fact]
    public async Task another_token_type_is_a_wrong_type()
    {
        var token = Sign(Claims(c => c["type"] = "access"), Rs256(TestKeys.Rsa));
        Assert.IsType<JwtVerdict.WrongType>((await Check(token)).Verdict);
    }

    [Fact]
    public async Task a_crit_header_an_iat_far_ahead_and_a_malformed_rvk_are_refused()
    {
        var crit = Sign(Claims(), Rs256(TestKeys.Rsa), new Dictionary<string, object> { ["crit"] = new[] { "exp" } });
        Assert.IsType<JwtVerdict.Invalid>((await Check(crit)).Verdict);
        var ahead = Sign(Claims(c => c["iat"] = Now.AddSeconds(61).ToUnixTimeSeconds()), Rs256(TestKeys.Rsa));
        Assert.IsType<JwtVerdict.Invalid>((await Check(ahead)).Verdict);
        var withinSkew = Sign(Claims(c => c["iat"] = Now.AddSeconds(60).ToUnixTimeSeconds()), Rs256(TestKeys.Rsa));
        Assert.IsType<JwtVerdict.Valid>((await Check(withinSkew)).Verdict);
        var rvk = Sign(Claims(c => c["rvk"] = "soon"), Rs256(TestKeys.Rsa));
        Assert.IsType<JwtVerdict.Invalid>((await Check(rvk)).Verdict);
    }

    [Fact]
    public async Task an_oversized_token_is_refused_before_parsing()
    {
        Assert.IsType<JwtVerdict.Invalid>((await Check(new string('a', JwtCheck.MaxTokenLength + 1))).Verdict);
    }

    [Fact]
    public void the_kid_is_the_rfc7638_thumbprint_the_edge_uses()
    {
        Assert.Equal(TestKeys.Kid, kid);
    }
}
