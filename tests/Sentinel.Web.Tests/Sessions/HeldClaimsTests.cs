using System.Net;
using Sentinel.Grains.Admin;
using Sentinel.Grains.Directory;
using Sentinel.Web.Tests.SignIn;
using Xunit;

namespace Sentinel.Web.Tests.Sessions;

/// <summary>
/// The session grain issues rotations from claims it holds instead of reading the user and workspace grains each time.
/// With the real directory grains: every change to those claims reaches the session grain before it is acknowledged,
/// so a refresh that starts after the change never carries the old value.
/// </summary>
[Collection(SignInCollection.Name)]
public sealed class HeldClaimsTests(SignInWeb web)
{
    private readonly SignInScenario s = new(web.App);

    private async Task<TokenPair> RefreshAsync(TokenPair pair)
    {
        using var response = await s.RefreshAsync(pair.Refresh);
        return await TokenPair.ReadAsync(response);
    }

    [Fact]
    public async Task a_renamed_user_and_a_new_group_show_in_the_very_next_refresh()
    {
        var (owner, ws) = await s.OwnerAsync();
        var member = await s.S.UserAsync();
        await s.S.AddMemberAsync(ws, member, WorkspaceRole.Editor);
        // Sign in, then refresh once: the second issue already comes from held claims.
        var pair = await RefreshAsync(await s.SignInAsync(member.Id, ws));
        Assert.Equal(member.Name, pair.AccessJwt.GetPayloadValue<string>("name"));

        await s.Grains.GetGrain<IUserGrain>(member.Id).UpdateProfileAsync("Renamed Member", null);
        pair = await RefreshAsync(pair);
        Assert.Equal("Renamed Member", pair.AccessJwt.GetPayloadValue<string>("name"));

        var workspace = s.Grains.GetGrain<IWorkspaceGrain>(ws);
        var group = await workspace.CreateGroupAsync(new Actor(owner.Id, "owner"), "Held claims", null);
        Assert.True(group.IsOk);
        Assert.True((await workspace.AddGroupMemberAsync(new Actor(owner.Id, "owner"), group.Value!.Id, member.Id)).IsOk);
        pair = await RefreshAsync(pair);
        Assert.Equal([group.Value.Id.ToString()], pair.AccessJwt.GetPayloadValue<string[]>("groups"));

        // Renamed by an admin (the admin API's path: SQL, then the user grain reloads).
        Assert.NotNull(await s.Grains.GetGrain<IAdminUserCommandsGrain>(0).UpdateAsync(member.Id, new AdminUserUpdate("Admin Renamed", null, null), owner.Id));
        pair = await RefreshAsync(pair);
        Assert.Equal("Admin Renamed", pair.AccessJwt.GetPayloadValue<string>("name"));
    }

    [Fact]
    public async Task a_role_change_and_a_deactivation_refuse_the_next_refresh()
    {
        var (owner, ws) = await s.OwnerAsync();
        var member = await s.S.UserAsync();
        await s.S.AddMemberAsync(ws, member, WorkspaceRole.Editor);
        var pair = await RefreshAsync(await s.SignInAsync(member.Id, ws));

        Assert.True((await s.Grains.GetGrain<IWorkspaceGrain>(ws).ChangeRoleAsync(new Actor(owner.Id, "owner"), member.Id, WorkspaceRole.Viewer)).IsOk);
        using (var afterRole = await s.RefreshAsync(pair.Refresh))
            await Scenario.AssertErrorAsync(afterRole, 401, "Invalid refresh token", "invalid_refresh_token");

        // Signed in again with the new role, which the next refresh carries; then deactivated by an admin.
        pair = await RefreshAsync(await s.SignInAsync(member.Id, ws));
        Assert.Equal("viewer", pair.AccessJwt.GetPayloadValue<string>("wrole"));
        Assert.NotNull(await s.Grains.GetGrain<IAdminUserCommandsGrain>(0).UpdateAsync(member.Id, new AdminUserUpdate(null, false, null), owner.Id));
        using var afterDeactivation = await s.RefreshAsync(pair.Refresh);
        await Scenario.AssertErrorAsync(afterDeactivation, 401, "Invalid refresh token", "invalid_refresh_token");
        Assert.NotEqual(HttpStatusCode.OK, afterDeactivation.StatusCode);
    }
}
