using System.Net;
using Sentinel.Web.Tests.SignIn;
using Xunit;

namespace Sentinel.Web.Tests.Sessions;

/// <summary><c>REFRESH_REUSE_GRACE_SECONDS=5</c>: two tabs refreshing at once don't log each other out.</summary>
[Collection(GraceCollection.Name)]
public sealed class GraceWindowTests(GraceSignInWeb web)
{
    private readonly SignInScenario s = new(web.App);

    [Fact]
    public async Task within_the_grace_window_the_just_rotated_token_returns_the_same_pair()
    {
        var (owner, ws) = await s.OwnerAsync();
        var first = await s.SignInAsync(owner.Id, ws);

        using var a = await s.RefreshAsync(first.Refresh);
        using var b = await s.RefreshAsync(first.Refresh);
        var tabA = await TokenPair.ReadAsync(a);
        var tabB = await TokenPair.ReadAsync(b);

        // Byte-identical: the grain returned the same issue record and signing it is deterministic.
        Assert.Equal(tabA, tabB);
        using var next = await s.RefreshAsync(tabB.Refresh);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    [Fact]
    public async Task after_the_grace_window_the_rotated_token_is_reuse_and_revokes_the_family()
    {
        var (owner, ws) = await s.OwnerAsync();
        var first = await s.SignInAsync(owner.Id, ws);
        using var rotated = await s.RefreshAsync(first.Refresh);
        var second = await TokenPair.ReadAsync(rotated);

        await Task.Delay(TimeSpan.FromSeconds(5.5));

        using var late = await s.RefreshAsync(first.Refresh);
        await Scenario.AssertErrorAsync(late, 401, "Invalid refresh token", "invalid_refresh_token");
        using var winner = await s.RefreshAsync(second.Refresh);
        await Scenario.AssertErrorAsync(winner, 401, "Invalid refresh token", "invalid_refresh_token");
    }
}
