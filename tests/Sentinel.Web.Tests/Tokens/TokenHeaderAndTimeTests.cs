using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Sentinel.Grains.Sessions;
using Sentinel.Testing;
using Sentinel.Web.Tests.Admin;
using Sentinel.Web.Tokens;
using Xunit;

namespace Sentinel.Web.Tests.Tokens;

/// <summary>
/// Issue 23 item 5 (part): an unknown <c>crit</c> header and an <c>iat</c> in the future are refused; and admin tokens,
/// which carry no <c>sid</c>, are ordered against a revocation by the cut-off they were minted under (<c>rvk</c>), not by
/// a clock: the edge's and the silo's clocks may disagree (here the silo's is shifted ahead by other tests).
/// </summary>
[Collection(WebCollection.Name)]
public sealed class TokenHeaderAndTimeTests(SentinelWebApplication app)
{
    private readonly Scenario scenario = new(app);

    private async Task<HttpResponseMessage> MeAsync(string token) => await scenario.SendAsync(HttpMethod.Get, "/users/me", token);

    /// <summary>An access token signed by the test key with extra header parameters.</summary>
    private static string SignWithHeader(Guid userId, IDictionary<string, object> header)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var payload = new JsonObject
        {
            ["iss"] = TestTokens.Issuer, ["sub"] = userId.ToString(), ["aud"] = "sentinel:access", ["type"] = "access",
            ["jti"] = Guid.NewGuid().ToString(), ["email"] = "user@example.com", ["name"] = "Test User",
            ["wid"] = Guid.NewGuid().ToString(), ["wslug"] = "ws", ["wrole"] = "viewer", ["groups"] = new JsonArray(),
            ["iat"] = now, ["exp"] = now + 900,
        };
        var key = new RsaSecurityKey(TestKeys.Rsa) { KeyId = TestKeys.Kid };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }
            .CreateToken(payload.ToJsonString(), new SigningCredentials(key, SecurityAlgorithms.RsaSha256), header);
    }

    [Fact]
    public async Task a_token_whose_crit_header_names_an_unknown_extension_is_refused()
    {
        var user = await scenario.UserAsync();
        using (var control = await MeAsync(SignWithHeader(user.Id, new Dictionary<string, object> { ["x-ext"] = "v" })))
            Assert.Equal(HttpStatusCode.OK, control.StatusCode);

        using var crit = await MeAsync(SignWithHeader(user.Id, new Dictionary<string, object> { ["x-ext"] = "v", ["crit"] = new[] { "x-ext" } }));
        await Scenario.AssertErrorAsync(crit, 401, "Invalid or expired token", "invalid_token");
        using var empty = await MeAsync(SignWithHeader(user.Id, new Dictionary<string, object> { ["crit"] = Array.Empty<string>() }));
        await Scenario.AssertErrorAsync(empty, 401, "Invalid or expired token", "invalid_token");
    }

    [Fact]
    public async Task a_token_issued_in_the_future_beyond_the_allowed_skew_is_refused()
    {
        var user = await scenario.UserAsync();
        var tenYears = TestTokens.Access(user.Id, Guid.NewGuid(), "viewer", issuedAt: DateTimeOffset.UtcNow.AddYears(10), lifetime: TimeSpan.FromMinutes(15));
        var fiveMinutes = TestTokens.Access(user.Id, Guid.NewGuid(), "viewer", issuedAt: DateTimeOffset.UtcNow.AddMinutes(5), lifetime: TimeSpan.FromMinutes(15));
        var withinSkew = TestTokens.Access(user.Id, Guid.NewGuid(), "viewer", issuedAt: DateTimeOffset.UtcNow.AddSeconds(20), lifetime: TimeSpan.FromMinutes(15));

        using (var far = await MeAsync(tenYears)) await Scenario.AssertErrorAsync(far, 401, "Invalid or expired token", "invalid_token");
        using (var near = await MeAsync(fiveMinutes)) await Scenario.AssertErrorAsync(near, 401, "Invalid or expired token", "invalid_token");
        using var skew = await MeAsync(withinSkew);
        Assert.Equal(HttpStatusCode.OK, skew.StatusCode);
    }

    [Fact]
    public async Task an_admin_token_minted_right_after_a_revocation_works_and_the_one_before_it_is_refused()
    {
        var admins = new AdminScenario(app);
        var tokens = app.Services.GetRequiredService<TokenService>();
        var sameSecond = 0;
        for (var round = 0; round < 5; round++)
        {
            var admin = await admins.AdminAsync();
            var before = await MintAsync(tokens, admin.User);
            var sessions = app.Cluster.GrainFactory.GetGrain<IUserSessionGrain>(admin.User.Id);
            await sessions.RevokeAllIssuedBeforeNowAsync();
            var after = await MintAsync(tokens, admin.User);
            // The edge's clock stamps both tokens (the test silo's clock may be shifted from it), so "the same second"
            // is judged between the two tokens: the refused one and the one that must work.
            if (new JsonWebToken(after).GetPayloadValue<long>("iat") == new JsonWebToken(before).GetPayloadValue<long>("iat")) sameSecond++;

            using (var ok = await admins.SendAsync(HttpMethod.Get, "/admin/users", after))
                Assert.True(ok.StatusCode == HttpStatusCode.OK, $"round {round}: {(int)ok.StatusCode} {await ok.Content.ReadAsStringAsync()}");
            using var refused = await admins.SendAsync(HttpMethod.Get, "/admin/users", before);
            await Scenario.AssertErrorAsync(refused, 401, "Token has been revoked", "token_revoked");
        }
        Assert.True(sameSecond > 0, "no round minted both tokens within one second");
    }

    /// <summary>As the admin callback mints: the revocation state read first, then the token.</summary>
    private async Task<string> MintAsync(TokenService tokens, Sentinel.Grains.Directory.UserProfile user)
    {
        var revocation = await app.Cluster.GrainFactory.GetGrain<IUserSessionGrain>(user.Id).GetRevocationAsync();
        return tokens.Mint(TokenKind.Admin, user.Id, p =>
        {
            p["email"] = user.Email;
            p["name"] = user.Name;
            p["admin"] = true;
        }, revocation: revocation).Token;
    }
}
