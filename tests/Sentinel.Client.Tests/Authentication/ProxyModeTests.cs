using System.Net;
using System.Text.Json;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Client.Tests.Authentication;

/// <summary>Proxy mode: JwtBearer from Sentinel's discovery document, the claims as a SentinelUser, the opt-in revocation check.</summary>
public sealed class ProxyModeTests
{
    private static readonly Guid User = Guid.NewGuid();
    private static readonly Guid Workspace = Guid.NewGuid();

    private static string Token(string role = "editor", string audience = "sentinel:access", string issuer = StubSentinel.BaseUrl,
        TimeSpan? lifetime = null, DateTimeOffset? issuedAt = null, bool includeKid = true, string type = "access", System.Security.Cryptography.RSA? key = null, IEnumerable<Guid>? groups = null) =>
        TestTokens.Access(User, Workspace, role, issuer, groups, "ursula@example.com", "Ursula", lifetime, null, issuedAt, key, null, includeKid, type, audience);

    [Fact]
    public async Task an_access_token_signs_the_user_in_with_every_claim_mapped()
    {
        await using var app = await AuthApp.StartAsync();
        var group = Guid.NewGuid();

        using var response = await app.GetAsync("/me", Token(groups: [group]));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var me = JsonDocument.Parse(text).RootElement;
        Assert.Equal(User, me.GetProperty("id").GetGuid());
        Assert.Equal("ursula@example.com", me.GetProperty("email").GetString());
        Assert.Equal("Ursula", me.GetProperty("name").GetString());
        Assert.Equal(Workspace, me.GetProperty("wid").GetGuid());
        Assert.Equal("ws", me.GetProperty("wslug").GetString());
        Assert.Equal("Editor", me.GetProperty("wrole").GetString());
        Assert.Equal(group, Assert.Single(me.GetProperty("groups").EnumerateArray()).GetGuid());
        // Keys came from the discovery document's jwks_uri.
        Assert.Contains(app.Stub.AllRequests, r => r.Uri.AbsolutePath == "/.well-known/openid-configuration");
        Assert.Contains(app.Stub.AllRequests, r => r.Uri.AbsolutePath == "/.well-known/jwks.json");
    }

    public static TheoryData<string, string> Refused => new()
    {
        { "audience sentinel:authz", "aud" },
        { "another issuer", "iss" },
        { "no kid", "kid" },
        { "a refresh type under the access audience", "type" },
        { "expired beyond the clock skew", "exp" },
        { "signed with an unknown key", "key" },
        { "no bearer", "none" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task a_token_that_is_not_a_valid_sentinel_access_token_is_refused(string why, string what)
    {
        await using var app = await AuthApp.StartAsync();
        var token = what switch
        {
            "aud" => Token(audience: "sentinel:authz"),
            "iss" => Token(issuer: "http://evil.test"),
            "kid" => Token(includeKid: false),
            "type" => Token(type: "refresh"),
            "exp" => Token(issuedAt: DateTimeOffset.UtcNow.AddMinutes(-20), lifetime: TimeSpan.FromMinutes(15)),
            "key" => Token(key: System.Security.Cryptography.RSA.Create(2048)),
            _ => null,
        };

        using var response = await app.GetAsync("/me", token);

        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, why);
    }

    [Fact]
    public async Task a_token_expired_within_the_clock_skew_is_still_accepted()
    {
        await using var app = await AuthApp.StartAsync(o => o.ClockSkew = TimeSpan.FromSeconds(30));

        using var response = await app.GetAsync("/me", Token(issuedAt: DateTimeOffset.UtcNow.AddSeconds(-70), lifetime: TimeSpan.FromMinutes(1)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task a_rotated_signing_key_is_fetched_without_a_restart()
    {
        await using var app = await AuthApp.StartAsync();
        using (var before = await app.GetAsync("/me", Token())) Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        // Sentinel promotes a new key: the JWKS now starts with it; the app has never seen its kid.
        var next = System.Security.Cryptography.RSA.Create(2048);
        app.Stub.Jwks = StubSentinel.JwksOf(next, TestKeys.Rsa);
        var rotated = Token(key: next);

        await ClusterHarness.WaitUntilAsync(async () =>
        {
            using var response = await app.GetAsync("/me", rotated);
            return response.StatusCode == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(10), "the new key to be accepted");
        using var old = await app.GetAsync("/me", Token());
        Assert.Equal(HttpStatusCode.OK, old.StatusCode);
    }

    [Fact]
    public async Task revocation_is_not_checked_unless_turned_on()
    {
        await using var app = await AuthApp.StartAsync();
        app.Stub.Respond = _ => Task.FromResult(StubSentinel.Json(401, """{"detail":"Token has been revoked","code":"token_revoked"}"""));

        using var response = await app.GetAsync("/me", Token());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(app.Stub.Requests, r => r.Uri.AbsolutePath == "/users/me");
    }

    [Fact]
    public async Task with_revocation_checks_on_a_token_sentinel_refuses_is_refused_here_too()
    {
        await using var app = await AuthApp.StartAsync(o => o.CheckRevocation = true);
        var revoked = Token();
        app.Stub.Respond = r => Task.FromResult(r.Uri.AbsolutePath == "/users/me" && r.Header("Authorization") == "Bearer " + revoked
            ? StubSentinel.Json(401, """{"detail":"Token has been revoked","code":"token_revoked"}""")
            : StubSentinel.Json(200, "{}"));

        using var refused = await app.GetAsync("/me", revoked);
        using var fine = await app.GetAsync("/me", Token(role: "viewer"));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, fine.StatusCode);
        var check = app.Stub.Requests.First(r => r.Uri.AbsolutePath == "/users/me");
        Assert.Equal(HttpMethod.Get, check.Method);
        Assert.Equal("/users/me", check.PathAndQuery);
        Assert.Equal(StubSentinel.Key, check.Header("X-Service-Key"));
    }

    [Fact]
    public async Task with_revocation_checks_on_an_unreachable_sentinel_answers_503_not_a_guess()
    {
        await using var app = await AuthApp.StartAsync(o => { o.CheckRevocation = true; o.MaxRetries = 0; });
        app.Stub.Respond = _ => throw new HttpRequestException("Connection refused");

        using var response = await app.GetAsync("/me", Token());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.True(response.Headers.Contains("Retry-After"));
        Assert.Contains("sentinel_unavailable", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task invalid_options_stop_the_start_with_every_failure_listed()
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => AuthApp.StartAsync(o =>
        {
            o.BaseUrl = "http://sentinel.test/api";
            o.ServiceKey = "not-a-key";
            o.Mode = SentinelMode.Authz;
            o.KeyRefreshInterval = TimeSpan.FromMinutes(1);
        }));

        Assert.Contains(error.Failures, f => f.Contains("bare origin", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("sk_", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("IdpMetadataAddress", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("KeyRefreshInterval", StringComparison.Ordinal));
    }
}
