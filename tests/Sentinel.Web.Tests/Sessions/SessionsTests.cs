using System.Net;
using Sentinel.Grains.Sessions;
using Sentinel.Web.Tests.SignIn;
using Xunit;

namespace Sentinel.Web.Tests.Sessions;

/// <summary><c>/auth/logout</c> and <c>/users/me/sessions</c>.</summary>
[Collection(SignInCollection.Name)]
public sealed class SessionsTests(SignInWeb web)
{
    private readonly SignInScenario s = new(web.App);

    [Fact]
    public async Task logout_revokes_every_family_denylists_the_token_and_clears_site_data()
    {
        var (owner, ws) = await s.OwnerAsync();
        var laptop = await s.SignInAsync(owner.Id, ws);
        var phone = await s.SignInAsync(owner.Id, ws);

        using var logout = await s.S.SendAsync(HttpMethod.Post, "/auth/logout", laptop.Access);
        Assert.Equal(HttpStatusCode.OK, logout.StatusCode);
        Assert.True((await Scenario.JsonAsync(logout)).GetProperty("ok").GetBoolean());
        Assert.Equal("\"cookies\", \"storage\"", logout.Headers.GetValues("Clear-Site-Data").Single());

        using var again = await s.S.SendAsync(HttpMethod.Post, "/auth/logout", laptop.Access);
        await Scenario.AssertErrorAsync(again, 401, "Token has been revoked", "token_revoked");
        using var phoneAccess = await s.GetAsync("/users/me/sessions", phone.Access);
        await Scenario.AssertErrorAsync(phoneAccess, 401, "Token has been revoked", "token_revoked");
        foreach (var refresh in new[] { laptop.Refresh, phone.Refresh })
        {
            using var response = await s.RefreshAsync(refresh);
            await Scenario.AssertErrorAsync(response, 401, "Invalid refresh token", "invalid_refresh_token");
        }
        using var anonymous = await s.S.SendAsync(HttpMethod.Post, "/auth/logout", null);
        await Scenario.AssertErrorAsync(anonymous, 401, "Missing Bearer token", "missing_token");
    }

    [Fact]
    public async Task the_sessions_list_shows_each_device_and_never_a_token()
    {
        var clientApp = await SignInScenario.ClientAppAsync($"http://app-{Guid.NewGuid():N}.example/cb");
        var (owner, ws) = await s.OwnerAsync();
        var laptop = await s.SignInAsync(owner.Id, ws, clientApp);
        var phone = await s.SignInAsync(owner.Id, ws);

        using var response = await s.GetAsync("/users/me/sessions", laptop.Access);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sessions = (await Scenario.JsonAsync(response)).GetProperty("sessions").EnumerateArray().ToArray();
        Assert.Equal(2, sessions.Length);
        var mine = sessions.Single(x => x.GetProperty("current").GetBoolean());
        Assert.Equal(laptop.RefreshJwt.GetPayloadValue<string>("fid"), mine.GetProperty("family_id").GetString());
        Assert.Equal(clientApp, mine.GetProperty("client_app_id").GetGuid());
        Assert.Equal("Test app", mine.GetProperty("client_app_name").GetString());
        Assert.Equal(ws, mine.GetProperty("workspace_id").GetGuid());
        foreach (var field in new[] { "created_at", "last_used_at", "ip", "user_agent" }) Assert.True(mine.TryGetProperty(field, out _), field);
        Assert.Single(sessions, x => !x.GetProperty("current").GetBoolean());
        foreach (var secret in new[] { laptop.Access, laptop.Refresh, phone.Refresh, laptop.AccessJwt.Id, laptop.RefreshJwt.Id, "token", "jti" })
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task revoking_one_device_ends_only_that_family_and_its_access_tokens()
    {
        var (owner, ws) = await s.OwnerAsync();
        var laptop = await s.SignInAsync(owner.Id, ws);
        var phone = await s.SignInAsync(owner.Id, ws);
        var phoneFamily = phone.RefreshJwt.GetPayloadValue<string>("fid");

        using var revoke = await s.S.SendAsync(HttpMethod.Delete, $"/users/me/sessions/{phoneFamily}", laptop.Access);
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);

        using var phoneRefresh = await s.RefreshAsync(phone.Refresh);
        await Scenario.AssertErrorAsync(phoneRefresh, 401, "Invalid refresh token", "invalid_refresh_token");
        using var phoneAccess = await s.GetAsync("/users/me/sessions", phone.Access);
        await Scenario.AssertErrorAsync(phoneAccess, 401, "Token has been revoked", "token_revoked");
        using var laptopRefresh = await s.RefreshAsync(laptop.Refresh);
        Assert.Equal(HttpStatusCode.OK, laptopRefresh.StatusCode);

        using var again = await s.S.SendAsync(HttpMethod.Delete, $"/users/me/sessions/{phoneFamily}", laptop.Access);
        await Scenario.AssertErrorAsync(again, 404, "Session not found", "session_not_found");
        using var malformed = await s.S.SendAsync(HttpMethod.Delete, "/users/me/sessions/not-a-uuid", laptop.Access);
        await Scenario.AssertValidationAsync(malformed, "family_id", "uuid_parsing");
    }

    [Fact]
    public async Task a_family_of_another_user_cannot_be_listed_or_revoked()
    {
        var (alice, aliceWs) = await s.OwnerAsync();
        var (bob, bobWs) = await s.OwnerAsync();
        var alicePair = await s.SignInAsync(alice.Id, aliceWs);
        var bobPair = await s.SignInAsync(bob.Id, bobWs);

        using var revoke = await s.S.SendAsync(HttpMethod.Delete, $"/users/me/sessions/{bobPair.RefreshJwt.GetPayloadValue<string>("fid")}", alicePair.Access);
        await Scenario.AssertErrorAsync(revoke, 404, "Session not found", "session_not_found");
        Assert.Single(await s.Grains.GetGrain<IUserSessionGrain>(bob.Id).ListSessionsAsync(null));
    }

    [Fact]
    public async Task the_oldest_family_is_evicted_beyond_max_sessions_per_user()
    {
        var (owner, ws) = await s.OwnerAsync();
        var pairs = new List<TokenPair>();
        for (var i = 0; i < 4; i++) pairs.Add(await s.SignInAsync(owner.Id, ws));

        using var oldest = await s.RefreshAsync(pairs[0].Refresh);
        await Scenario.AssertErrorAsync(oldest, 401, "Invalid refresh token", "invalid_refresh_token");
        Assert.Equal(3, (await s.Grains.GetGrain<IUserSessionGrain>(owner.Id).ListSessionsAsync(null)).Count);
    }
}
