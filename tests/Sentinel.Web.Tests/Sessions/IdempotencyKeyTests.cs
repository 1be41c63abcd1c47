using System.Net;
using System.Net.Http.Json;
using Sentinel.Grains.Sessions;
using Sentinel.Web.Sessions;
using Sentinel.Web.Tests.SignIn;
using Xunit;

namespace Sentinel.Web.Tests.Sessions;

/// <summary>
/// A client's retry of <c>/auth/refresh</c> with the same <c>Idempotency-Key</c> (docs/sessions.md): the reply of a
/// committed rotation lost on the way back must not turn the client's retry into reuse. Grace window off.
/// </summary>
[Collection(SignInCollection.Name)]
public sealed class IdempotencyKeyTests(SignInWeb web)
{
    private readonly SignInScenario s = new(web.App);

    [Fact]
    public async Task a_retry_with_the_same_key_after_a_lost_reply_gets_the_same_pair_and_the_family_lives()
    {
        var (owner, ws) = await s.OwnerAsync();
        var first = await s.SignInAsync(owner.Id, ws);
        var key = Guid.NewGuid().ToString();

        // The rotation commits; the client never sees this reply (its connection or the replica died).
        using (var lost = await RefreshAsync(first.Refresh, key)) Assert.Equal(HttpStatusCode.OK, lost.StatusCode);

        using var retry = await RefreshAsync(first.Refresh, key);
        var second = await TokenPair.ReadAsync(retry);
        using var again = await RefreshAsync(first.Refresh, key);
        Assert.Equal(second, await TokenPair.ReadAsync(again));

        using var next = await s.RefreshAsync(second.Refresh);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Single(await s.Grains.GetGrain<IUserSessionGrain>(owner.Id).ListSessionsAsync(null));
    }

    [Fact]
    public async Task when_the_edge_gives_up_on_a_committed_rotation_the_clients_keyed_retry_recovers_it()
    {
        var (owner, ws) = await s.OwnerAsync();
        var first = await s.SignInAsync(owner.Id, ws);
        var key = Guid.NewGuid().ToString();
        DroppedReplies.Arm(owner.Id, nameof(IUserSessionGrain.RotateAsync), count: 1000);

        // Every reply is lost: the edge retries within its budget, then fails closed. The first call did rotate.
        using (var failed = await RefreshAsync(first.Refresh, key))
            Assert.True((int)failed.StatusCode >= 500, $"expected a 5xx, got {(int)failed.StatusCode}");
        DroppedReplies.Arm(owner.Id, nameof(IUserSessionGrain.RotateAsync), count: 0);
        Assert.True(DroppedReplies.CallsTo(owner.Id, nameof(IUserSessionGrain.RotateAsync)) >= 2);

        using var retry = await RefreshAsync(first.Refresh, key);
        var second = await TokenPair.ReadAsync(retry);
        using var next = await s.RefreshAsync(second.Refresh);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    [Fact]
    public async Task the_same_token_without_the_key_or_with_another_key_is_still_reuse_and_revokes_the_family()
    {
        var (owner, ws) = await s.OwnerAsync();
        var first = await s.SignInAsync(owner.Id, ws);
        var key = Guid.NewGuid().ToString();
        using var rotated = await RefreshAsync(first.Refresh, key);
        var second = await TokenPair.ReadAsync(rotated);

        using var thief = await RefreshAsync(first.Refresh, Guid.NewGuid().ToString());
        await Scenario.AssertErrorAsync(thief, 401, "Invalid refresh token", "invalid_refresh_token");
        using var victim = await s.RefreshAsync(second.Refresh);
        await Scenario.AssertErrorAsync(victim, 401, "Invalid refresh token", "invalid_refresh_token");
        using var keyed = await RefreshAsync(first.Refresh, key);
        await Scenario.AssertErrorAsync(keyed, 401, "Invalid refresh token", "invalid_refresh_token");
    }

    [Fact]
    public async Task a_key_replays_only_the_last_rotation_of_its_own_token()
    {
        var (owner, ws) = await s.OwnerAsync();
        var first = await s.SignInAsync(owner.Id, ws);
        var key = Guid.NewGuid().ToString();
        using var one = await RefreshAsync(first.Refresh, key);
        var second = await TokenPair.ReadAsync(one);
        // The client reuses its key for the next refresh (a bug, but harmless): a new token means a new rotation.
        using var two = await RefreshAsync(second.Refresh, key);
        var third = await TokenPair.ReadAsync(two);
        Assert.NotEqual(second.Refresh, third.Refresh);

        // The first token's rotation is no longer the family's last: presenting it again is reuse.
        using var stale = await RefreshAsync(first.Refresh, key);
        await Scenario.AssertErrorAsync(stale, 401, "Invalid refresh token", "invalid_refresh_token");
        using var revoked = await s.RefreshAsync(third.Refresh);
        await Scenario.AssertErrorAsync(revoked, 401, "Invalid refresh token", "invalid_refresh_token");
    }

    [Theory]
    [InlineData("short")]
    [InlineData("has space in the middle of it")]
    [InlineData("key\twith-a-tab-inside")]
    public async Task a_malformed_key_is_422_and_spends_nothing(string key)
    {
        var (owner, ws) = await s.OwnerAsync();
        var first = await s.SignInAsync(owner.Id, ws);

        using var bad = await RefreshAsync(first.Refresh, key);
        await Scenario.AssertValidationAsync(bad, RefreshIdempotency.Header);
        using var good = await s.RefreshAsync(first.Refresh);
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
    }

    [Fact]
    public async Task a_key_longer_than_255_characters_is_422()
    {
        var (owner, ws) = await s.OwnerAsync();
        var first = await s.SignInAsync(owner.Id, ws);
        using var bad = await RefreshAsync(first.Refresh, new string('k', RefreshIdempotency.MaxLength + 1));
        await Scenario.AssertValidationAsync(bad, RefreshIdempotency.Header, "string_too_long");
    }

    private async Task<HttpResponseMessage> RefreshAsync(string refreshToken, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/auth/refresh") { Content = JsonContent.Create(new { refresh_token = refreshToken }) };
        request.Headers.TryAddWithoutValidation(RefreshIdempotency.Header, key);
        return await s.Http.SendAsync(request);
    }
}
