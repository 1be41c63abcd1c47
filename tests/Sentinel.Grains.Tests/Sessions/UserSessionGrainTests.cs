using Sentinel.Grains.Sessions;
using Xunit;

namespace Sentinel.Grains.Tests.Sessions;

[Collection(ClusterCollection.Name)]
public sealed class UserSessionGrainTests(ClusterFixture fixture)
{
    private static DateTimeOffset Now => ClusterFixture.Time.GetUtcNow();

    private IUserSessionGrain NewUser() => fixture.Grains.GetGrain<IUserSessionGrain>(Guid.NewGuid());

    [Fact]
    public async Task fresh_user_token_is_active()
    {
        Assert.Equal(TokenStatus.Active, await NewUser().CheckTokenAsync(Guid.NewGuid(), Now));
    }

    [Fact]
    public async Task denylisted_jti_is_revoked_and_other_jtis_stay_active()
    {
        var user = NewUser();
        var denied = Guid.NewGuid();
        await user.DenyTokenAsync(denied, Now.AddMinutes(15));

        Assert.Equal(TokenStatus.Revoked, await user.CheckTokenAsync(denied, Now));
        Assert.Equal(TokenStatus.Active, await user.CheckTokenAsync(Guid.NewGuid(), Now));
    }

    [Fact]
    public async Task already_expired_token_is_not_stored_in_denylist()
    {
        var user = NewUser();
        await user.DenyTokenAsync(Guid.NewGuid(), Now.AddSeconds(-1));
        Assert.Equal(0, (await user.GetRevocationAsync()).DeniedTokens);
    }

    [Fact]
    public async Task expired_denylist_entries_are_pruned_on_next_write()
    {
        var user = NewUser();
        await user.DenyTokenAsync(Guid.NewGuid(), Now.AddSeconds(30));
        await user.DenyTokenAsync(Guid.NewGuid(), Now.AddHours(1));
        Assert.Equal(2, (await user.GetRevocationAsync()).DeniedTokens);

        ClusterFixture.Time.Advance(TimeSpan.FromMinutes(1));
        await user.DenyTokenAsync(Guid.NewGuid(), Now.AddHours(1));

        Assert.Equal(2, (await user.GetRevocationAsync()).DeniedTokens);
    }

    [Fact]
    public async Task revoke_all_revokes_tokens_issued_before_now_but_not_later_ones()
    {
        var user = NewUser();
        var issuedBefore = Now.AddMinutes(-5);
        var cutoff = await user.RevokeAllIssuedBeforeNowAsync();

        Assert.Equal(TokenStatus.Revoked, await user.CheckTokenAsync(Guid.NewGuid(), issuedBefore));
        Assert.Equal(TokenStatus.Active, await user.CheckTokenAsync(Guid.NewGuid(), cutoff));
        Assert.Equal(TokenStatus.Active, await user.CheckTokenAsync(Guid.NewGuid(), cutoff.AddSeconds(1)));
    }

    [Fact]
    public async Task deactivated_user_tokens_are_refused_until_reactivated()
    {
        var user = NewUser();
        var jti = Guid.NewGuid();
        await user.SetDeactivatedAsync(true);
        Assert.Equal(TokenStatus.Deactivated, await user.CheckTokenAsync(jti, Now));

        await user.SetDeactivatedAsync(false);
        Assert.Equal(TokenStatus.Active, await user.CheckTokenAsync(jti, Now));
    }

    [Fact]
    public async Task state_is_reloaded_from_storage_after_deactivation_of_the_grain()
    {
        var id = Guid.NewGuid();
        var jti = Guid.NewGuid();
        var user = fixture.Grains.GetGrain<IUserSessionGrain>(id);
        await user.DenyTokenAsync(jti, Now.AddMinutes(10));
        await user.SetDeactivatedAsync(true);

        var management = fixture.Grains.GetGrain<IManagementGrain>(0);
        await management.ForceActivationCollection(TimeSpan.Zero);

        var reloaded = await fixture.Grains.GetGrain<IUserSessionGrain>(id).GetRevocationAsync();
        Assert.True(reloaded.Deactivated);
        Assert.Equal(1, reloaded.DeniedTokens);
    }
}
