using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Sentinel.Grains.AuthCodes;
using Sentinel.Testing.IdentityProviders;
using Xunit;

namespace Sentinel.Integration.Tests.SignIn;

/// <summary>
/// Proxy-mode sign-in end to end: a real OpenID Connect provider, a fake GitHub, real silo and web processes on
/// PostgreSQL and Redis.
/// </summary>
public sealed class SignInEndToEndTests(SignInCluster c) : IClassFixture<SignInCluster>
{
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task sign_in_started_on_one_web_replica_completes_on_another_and_the_tokens_verify_against_jwks()
    {
        var alice = await c.PersonAsync("alice");

        // Login on A; the provider's redirect lands on B, which must read A's state and correlation cookie.
        var callback = await Flow.AuthorizeAsync(c, alice.Email, c.WebA, c.WebB);
        using var workspaces = await http.GetAsync(new Uri(c.WebA, $"/auth/workspaces?code={Uri.EscapeDataString(callback.Code)}"));
        var listed = JsonDocument.Parse(await workspaces.Content.ReadAsStringAsync()).RootElement.EnumerateArray().ToArray();
        Assert.Equal(alice.WorkspaceId, Assert.Single(listed).GetProperty("id").GetGuid());
        var (access, refresh) = await Flow.TokenAsync(c.WebB, callback, alice.WorkspaceId!.Value);

        // An independent verifier: IdentityModel with the JWKS fetched over HTTP, selecting the key by kid. The access
        // token verifies; the refresh token is HS256 under the replicas' shared refresh key, which JWKS never publishes.
        var jwks = new JsonWebKeySet(await http.GetStringAsync(new Uri(c.WebB, "/.well-known/jwks.json")));
        var handler = new JsonWebTokenHandler();
        foreach (var (token, audience, verifies) in new[] { (access, "sentinel:access", true), (refresh, "sentinel:refresh", false) })
        {
            var result = await handler.ValidateTokenAsync(token, new TokenValidationParameters
            {
                ValidIssuer = c.BaseUrl,
                ValidAudience = audience,
                IssuerSigningKeys = jwks.GetSigningKeys(),
                ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
                ClockSkew = TimeSpan.Zero,
            });
            Assert.True(result.IsValid == verifies, result.Exception?.ToString());
            if (verifies) Assert.Equal(jwks.Keys[0].Kid, ((JsonWebToken)result.SecurityToken).Kid);
        }
        // Minted by B, refreshed by A: every replica derives the same refresh key.
        Assert.Equal("HS256", new JsonWebToken(refresh).Alg);
        using (var refreshed = await Flow.RefreshAsync(http, c.WebA, refresh))
            Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        var claims = new JsonWebToken(access);
        Assert.Equal(alice.UserId.ToString(), claims.Subject);
        Assert.Equal(alice.Email, claims.GetPayloadValue<string>("email"));
        Assert.Equal("owner", claims.GetPayloadValue<string>("wrole"));
        Assert.Equal(alice.WorkspaceId.ToString(), claims.GetPayloadValue<string>("wid"));

        // The pre-provisioned user was claimed by email, and the sign-in recorded.
        using var me = await Flow.BearerAsync(http, HttpMethod.Get, new Uri(c.WebA, "/users/me"), access);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal(1L, await c.QueryAsync<long>("SELECT count(*) FROM social_accounts WHERE user_id = @u AND provider = 'dex'", ("u", alice.UserId!.Value)));
        Assert.True(await c.QueryAsync<long>("SELECT count(*) FROM activity_logs WHERE action = 'user_login' AND target_id = @u AND detail->>'provider' = 'dex'", ("u", alice.UserId.Value)) >= 1);
    }

    [Fact]
    public async Task the_auth_code_row_exists_until_the_code_is_used_and_is_deleted_after()
    {
        var bob = await c.PersonAsync("bob");
        var callback = await Flow.AuthorizeAsync(c, bob.Email, c.WebA, c.WebA);
        const string sql = "SELECT count(*) FROM orleans_storage WHERE grain_type_string = 'authcode' AND grain_id_extension_string = @key";
        var key = AuthCodeKeys.For(callback.Code);

        Assert.Equal(1L, await c.QueryAsync<long>(sql, ("key", key)));
        Assert.Equal(0L, await c.QueryAsync<long>("SELECT count(*) FROM orleans_storage WHERE convert_from(payload_binary, 'UTF8') LIKE @code", ("code", "%" + callback.Code + "%")));
        await Flow.TokenAsync(c.WebB, callback, bob.WorkspaceId!.Value);

        Assert.Equal(0L, await c.QueryAsync<long>(sql, ("key", key)));
    }

    [Fact]
    public async Task refresh_rotates_on_either_replica_and_reuse_is_refused_and_recorded()
    {
        var carol = await c.PersonAsync("carol");
        var first = await Flow.TokenAsync(c.WebA, await Flow.AuthorizeAsync(c, carol.Email, c.WebA, c.WebA), carol.WorkspaceId!.Value);

        using var onB = await Flow.RefreshAsync(http, c.WebB, first.Refresh);
        var second = await Flow.PairAsync(onB);
        using var onA = await Flow.RefreshAsync(http, c.WebA, second.Refresh);
        var third = await Flow.PairAsync(onA);
        Assert.Equal(new JsonWebToken(first.Refresh).GetPayloadValue<string>("fid"), new JsonWebToken(third.Refresh).GetPayloadValue<string>("fid"));

        using var reuse = await Flow.RefreshAsync(http, c.WebA, first.Refresh);
        Assert.Equal(HttpStatusCode.Unauthorized, reuse.StatusCode);
        using var revoked = await Flow.RefreshAsync(http, c.WebB, third.Refresh);
        Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
        using var access = await Flow.BearerAsync(http, HttpMethod.Get, new Uri(c.WebB, "/users/me"), third.Access);
        Assert.Equal(HttpStatusCode.Unauthorized, access.StatusCode);
        Assert.Equal(1L, await c.QueryAsync<long>("SELECT count(*) FROM activity_logs WHERE action = 'refresh_token_reused' AND target_id = @u", ("u", carol.UserId!.Value)));
    }

    [Fact]
    public async Task fifty_parallel_refreshes_of_a_signed_in_token_give_exactly_one_winner_and_revoke_the_family()
    {
        var dave = await c.PersonAsync("dave");
        var pair = await Flow.TokenAsync(c.WebA, await Flow.AuthorizeAsync(c, dave.Email, c.WebA, c.WebA), dave.WorkspaceId!.Value);
        await Sessions.RaceAssertions.FiftyParallelRefreshesAsync(http, [c.WebA, c.WebB], pair);
    }

    [Fact]
    public async Task within_the_grace_window_a_duplicate_refresh_gets_the_same_pair_and_after_it_revokes()
    {
        var erin = await c.PersonAsync("erin");
        var pair = await Flow.TokenAsync(c.WebGrace, await Flow.AuthorizeAsync(c, erin.Email, c.WebA, c.WebA), erin.WorkspaceId!.Value);

        var tabs = await Task.WhenAll(Flow.RefreshAsync(http, c.WebGrace, pair.Refresh), Flow.RefreshAsync(http, c.WebGrace, pair.Refresh));
        var a = await Flow.PairAsync(tabs[0]);
        var b = await Flow.PairAsync(tabs[1]);
        Assert.Equal(a, b);

        await Task.Delay(TimeSpan.FromSeconds(SignInCluster.GraceSeconds + 1));
        using var late = await Flow.RefreshAsync(http, c.WebGrace, pair.Refresh);
        Assert.Equal(HttpStatusCode.Unauthorized, late.StatusCode);
        using var family = await Flow.RefreshAsync(http, c.WebGrace, a.Refresh);
        Assert.Equal(HttpStatusCode.Unauthorized, family.StatusCode);
    }

    [Fact]
    public async Task logout_on_one_replica_ends_every_session_on_all_of_them()
    {
        var frank = await c.PersonAsync("frank");
        var laptop = await Flow.TokenAsync(c.WebA, await Flow.AuthorizeAsync(c, frank.Email, c.WebA, c.WebA), frank.WorkspaceId!.Value);
        var phone = await Flow.TokenAsync(c.WebB, await Flow.AuthorizeAsync(c, frank.Email, c.WebB, c.WebB), frank.WorkspaceId!.Value);

        using var logout = await Flow.BearerAsync(http, HttpMethod.Post, new Uri(c.WebB, "/auth/logout"), laptop.Access);
        Assert.Equal(HttpStatusCode.OK, logout.StatusCode);
        Assert.Equal("\"cookies\", \"storage\"", logout.Headers.GetValues("Clear-Site-Data").Single());

        foreach (var (web, token) in new[] { (c.WebA, laptop.Access), (c.WebB, phone.Access) })
        {
            using var me = await Flow.BearerAsync(http, HttpMethod.Get, new Uri(web, "/users/me"), token);
            Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
        }
        foreach (var refresh in new[] { laptop.Refresh, phone.Refresh })
        {
            using var r = await Flow.RefreshAsync(http, c.WebA, refresh);
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        }
    }

    [Fact]
    public async Task revoking_one_device_ends_that_family_only()
    {
        var gina = await c.PersonAsync("gina");
        var laptop = await Flow.TokenAsync(c.WebA, await Flow.AuthorizeAsync(c, gina.Email, c.WebA, c.WebA), gina.WorkspaceId!.Value);
        var phone = await Flow.TokenAsync(c.WebA, await Flow.AuthorizeAsync(c, gina.Email, c.WebA, c.WebA), gina.WorkspaceId!.Value);

        using var list = await Flow.BearerAsync(http, HttpMethod.Get, new Uri(c.WebB, "/users/me/sessions"), laptop.Access);
        var sessions = JsonDocument.Parse(await list.Content.ReadAsStringAsync()).RootElement.GetProperty("sessions").EnumerateArray().ToArray();
        Assert.Equal(2, sessions.Length);
        Assert.All(sessions, s => Assert.Equal(c.ClientAppId, s.GetProperty("client_app_id").GetGuid()));
        var phoneFamily = new JsonWebToken(phone.Refresh).GetPayloadValue<string>("fid");

        using var revoke = await Flow.BearerAsync(http, HttpMethod.Delete, new Uri(c.WebB, $"/users/me/sessions/{phoneFamily}"), laptop.Access);
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);

        using var phoneRefresh = await Flow.RefreshAsync(http, c.WebA, phone.Refresh);
        Assert.Equal(HttpStatusCode.Unauthorized, phoneRefresh.StatusCode);
        using var phoneAccess = await Flow.BearerAsync(http, HttpMethod.Get, new Uri(c.WebA, "/users/me"), phone.Access);
        Assert.Equal(HttpStatusCode.Unauthorized, phoneAccess.StatusCode);
        using var laptopRefresh = await Flow.RefreshAsync(http, c.WebA, laptop.Refresh);
        Assert.Equal(HttpStatusCode.OK, laptopRefresh.StatusCode);
    }

    [Fact]
    public async Task a_storage_version_conflict_on_the_session_row_fails_closed_and_the_next_refresh_works()
    {
        var hank = await c.PersonAsync("hank");
        var pair = await Flow.TokenAsync(c.WebA, await Flow.AuthorizeAsync(c, hank.Email, c.WebA, c.WebA), hank.WorkspaceId!.Value);
        var family = new JsonWebToken(pair.Refresh).GetPayloadValue<string>("fid");

        // A write behind the active grain's back, as a duplicate activation would make: the stored version moves on.
        var bumped = await c.QueryAsync<int>(
            "WITH u AS (UPDATE orleans_storage SET version = version + 1 WHERE grain_type_string = 'session' AND convert_from(payload_binary, 'UTF8') LIKE @fid RETURNING 1) SELECT count(*)::int FROM u",
            ("fid", "%" + family + "%"));
        Assert.Equal(1, bumped);

        using var conflicted = await Flow.RefreshAsync(http, c.WebA, pair.Refresh);
        var body = await conflicted.Content.ReadAsStringAsync();
        Assert.True(conflicted.StatusCode == HttpStatusCode.ServiceUnavailable, body);
        Assert.Contains("cluster_unavailable", body, StringComparison.Ordinal);

        using var next = await Flow.RefreshAsync(http, c.WebB, pair.Refresh);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    [Fact]
    public async Task an_unverified_email_is_refused_with_an_html_403_and_no_user_is_created()
    {
        var mallory = await c.PersonAsync("mallory", verified: false, preProvision: false);
        using var browser = BrowserlessLogin.CreateBrowser();
        var verifier = Flow.NewVerifier();
        using var response = await Flow.SignInAsync(browser, Flow.LoginUrl(c.WebA, "dex", c.AppRedirect, Flow.ChallengeOf(verifier), "s"),
            new Uri(c.Provider.Issuer), mallory.Email, c.WebA);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("Error 403", html, StringComparison.Ordinal);
        Assert.Equal(0L, await c.QueryAsync<long>("SELECT count(*) FROM users WHERE lower(email) = lower(@e)", ("e", mallory.Email)));
    }

    [Fact]
    public async Task github_sign_in_uses_the_primary_verified_email_and_the_canonical_subject()
    {
        var id = Random.Shared.NextInt64(10_000_000, 99_999_999);
        var email = $"octo-{c.Run}-{id}@example.com";
        c.GitHub.AddUser(new GitHubUser(id, $"octo{id}", null, [new($"other-{id}@example.com", false, true), new(email, true, true)]));
        c.GitHub.DefaultLogin = $"octo{id}";

        var callback = await Flow.AuthorizeAsync(c, $"octo{id}", c.WebA, c.WebB, provider: "github");

        var userId = await c.QueryAsync<Guid>("SELECT user_id FROM social_accounts WHERE provider = 'github' AND provider_user_id = @s", ("s", $"github|{id}"));
        Assert.NotEqual(Guid.Empty, userId);
        Assert.Equal(email, await c.QueryAsync<string>("SELECT email FROM users WHERE id = @u", ("u", userId)));
        Assert.Equal($"octo{id}", await c.QueryAsync<string>("SELECT name FROM users WHERE id = @u", ("u", userId)));
        using var workspaces = await http.GetAsync(new Uri(c.WebA, $"/auth/workspaces?code={Uri.EscapeDataString(callback.Code)}"));
        Assert.Equal(HttpStatusCode.OK, workspaces.StatusCode);
    }

    [Fact]
    public async Task github_sign_in_with_an_unverified_primary_email_is_refused_even_with_a_verified_secondary()
    {
        var id = Random.Shared.NextInt64(10_000_000, 99_999_999);
        c.GitHub.AddUser(new GitHubUser(id, $"mal{id}", "Mal", [new($"mal-{id}@example.com", true, false), new($"mal2-{id}@example.com", false, true)]));
        c.GitHub.DefaultLogin = $"mal{id}";
        using var browser = BrowserlessLogin.CreateBrowser();
        using var response = await Flow.SignInAsync(browser, Flow.LoginUrl(c.WebA, "github", c.AppRedirect, Flow.ChallengeOf(Flow.NewVerifier()), null),
            new Uri(c.GitHub.OAuthBaseUrl), $"mal{id}", c.WebA);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(0L, await c.QueryAsync<long>("SELECT count(*) FROM social_accounts WHERE provider = 'github' AND provider_user_id = @s", ("s", $"github|{id}")));
    }

    [Fact]
    public async Task a_new_admin_email_signs_in_to_the_admin_panel_with_a_strict_http_only_cookie()
    {
        await c.Provider.AddUserAsync(new OidcUser($"admin-{c.Run}", c.AdminEmail, true, "Admin Example"));
        using var browser = BrowserlessLogin.CreateBrowser();
        using var callback = await Flow.SignInAsync(browser, new Uri(c.WebA, "/auth/admin/login/dex"), new Uri(c.Provider.Issuer), c.AdminEmail, c.WebA);

        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        Assert.Equal($"{c.BaseUrl}/auth/admin/landing", callback.Headers.Location!.ToString());
        var cookie = callback.Headers.GetValues("Set-Cookie").Single(h => h.StartsWith("admin_token=", StringComparison.Ordinal));
        foreach (var attribute in new[] { "max-age=3600", "path=/", "samesite=strict", "httponly" })
            Assert.Contains(attribute, cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", cookie.Replace("samesite", "", StringComparison.OrdinalIgnoreCase), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("domain=", cookie, StringComparison.OrdinalIgnoreCase);

        using var landing = await browser.GetAsync(callback.Headers.Location);
        Assert.Contains($"url={c.AdminUrl}/", await landing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var meRequest = new HttpRequestMessage(HttpMethod.Get, new Uri(c.WebB, "/auth/admin/me"));
        using var me = await browser.SendAsync(meRequest);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal(c.AdminEmail, JsonDocument.Parse(await me.Content.ReadAsStringAsync()).RootElement.GetProperty("email").GetString());
        Assert.True(await c.QueryAsync<bool>("SELECT is_admin FROM users WHERE lower(email) = lower(@e)", ("e", c.AdminEmail)));
        Assert.True(await c.QueryAsync<long>("SELECT count(*) FROM activity_logs a JOIN users u ON u.id = a.target_id WHERE a.action = 'admin_login' AND lower(u.email) = lower(@e)", ("e", c.AdminEmail)) >= 1);
    }

    [Fact]
    public async Task admin_sign_in_by_an_unknown_non_admin_creates_no_account_and_says_not_admin()
    {
        var stranger = await c.PersonAsync("stranger", preProvision: false);
        using var browser = BrowserlessLogin.CreateBrowser();
        using var callback = await Flow.SignInAsync(browser, new Uri(c.WebA, "/auth/admin/login/dex"), new Uri(c.Provider.Issuer), stranger.Email, c.WebA);

        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        Assert.Equal($"{c.AdminUrl}/login?error=not_admin", callback.Headers.Location!.ToString());
        Assert.False(callback.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(h => h.StartsWith("admin_token=", StringComparison.Ordinal)));
        Assert.Equal(0L, await c.QueryAsync<long>("SELECT count(*) FROM users WHERE lower(email) = lower(@e)", ("e", stranger.Email)));
    }

    [Fact]
    public async Task admin_sign_in_by_an_existing_user_who_is_not_admin_says_not_admin()
    {
        var ivy = await c.PersonAsync("ivy");
        await Flow.AuthorizeAsync(c, ivy.Email, c.WebA, c.WebA);
        using var browser = BrowserlessLogin.CreateBrowser();
        using var callback = await Flow.SignInAsync(browser, new Uri(c.WebA, "/auth/admin/login/dex"), new Uri(c.Provider.Issuer), ivy.Email, c.WebA);

        Assert.Equal($"{c.AdminUrl}/login?error=not_admin", callback.Headers.Location!.ToString());
    }

    [Fact]
    public async Task admin_sign_in_with_an_unverified_email_says_email_not_verified()
    {
        var unverified = await c.PersonAsync("unverified", verified: false, preProvision: false);
        using var browser = BrowserlessLogin.CreateBrowser();
        using var callback = await Flow.SignInAsync(browser, new Uri(c.WebA, "/auth/admin/login/dex"), new Uri(c.Provider.Issuer), unverified.Email, c.WebA);

        Assert.Equal($"{c.AdminUrl}/login?error=email_not_verified", callback.Headers.Location!.ToString());
    }
}
