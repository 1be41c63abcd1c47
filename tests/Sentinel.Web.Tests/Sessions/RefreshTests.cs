using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;
using Sentinel.Grains.Directory;
using Sentinel.Grains.Sessions;
using Sentinel.Web.Tests.SignIn;
using Xunit;

namespace Sentinel.Web.Tests.Sessions;

/// <summary><c>/auth/refresh</c> over HTTP, with the grace window off.</summary>
[Collection(SignInCollection.Name)]
public sealed class RefreshTests(SignInWeb web)
{
    private readonly SignInScenario s = new(web.App);

    [Fact]
    public async Task refresh_rotates_to_a_new_pair_in_the_same_family()
    {
        var (owner, ws) = await s.OwnerAsync();
        var first = await s.SignInAsync(owner.Id, ws);
        await Task.Delay(1100);

        using var response = await s.RefreshAsync(first.Refresh);
        var second = await TokenPair.ReadAsync(response);

        Assert.Equal(first.RefreshJwt.GetPayloadValue<string>("fid"), second.RefreshJwt.GetPayloadValue<string>("fid"));
        Assert.NotEqual(first.RefreshJwt.Id, second.RefreshJwt.Id);
        Assert.NotEqual(first.AccessJwt.Id, second.AccessJwt.Id);
        Assert.True(second.AccessJwt.IssuedAt > first.AccessJwt.IssuedAt);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task reusing_a_rotated_token_revokes_the_family_and_its_access_tokens()
    {
        var (owner, ws) = await s.OwnerAsync();
        var first = await s.SignInAsync(owner.Id, ws);
        using var rotated = await s.RefreshAsync(first.Refresh);
        var second = await TokenPair.ReadAsync(rotated);

        using var reuse = await s.RefreshAsync(first.Refresh);
        await Scenario.AssertErrorAsync(reuse, 401, "Invalid refresh token", "invalid_refresh_token");

        using var winner = await s.RefreshAsync(second.Refresh);
        await Scenario.AssertErrorAsync(winner, 401, "Invalid refresh token", "invalid_refresh_token");
        foreach (var access in new[] { first.Access, second.Access })
        {
            using var me = await s.GetAsync("/users/me/sessions", access);
            await Scenario.AssertErrorAsync(me, 401, "Token has been revoked", "token_revoked");
        }
    }

    [Fact]
    public async Task refresh_with_an_unverifiable_or_wrong_kind_of_token_is_401()
    {
        var (owner, ws) = await s.OwnerAsync();
        var pair = await s.SignInAsync(owner.Id, ws);

        using var garbage = await s.RefreshAsync("not.a.jwt");
        await Scenario.AssertErrorAsync(garbage, 401, "Invalid refresh token", "invalid_refresh_token");
        using var access = await s.RefreshAsync(pair.Access);
        await Scenario.AssertErrorAsync(access, 401, "Invalid refresh token", "invalid_refresh_token");
        using var missing = await s.Http.PostAsJsonAsync("/auth/refresh", new { });
        await Scenario.AssertValidationAsync(missing, "refresh_token", "missing");
        using var huge = await s.RefreshAsync(new string('a', 4097));
        await Scenario.AssertValidationAsync(huge, "refresh_token", "string_too_long");
    }

    [Fact]
    public async Task refresh_after_removal_from_the_workspace_revokes_the_family()
    {
        var (owner, ws) = await s.OwnerAsync();
        var member = await s.S.UserAsync();
        await s.S.AddMemberAsync(ws, member, WorkspaceRole.Editor);
        var pair = await s.SignInAsync(member.Id, ws);

        // Removal revokes every family of the member, and their live access tokens, through the workspace grain.
        var removed = await s.Grains.GetGrain<IWorkspaceGrain>(ws).RemoveMemberAsync(new Actor(owner.Id, "owner"), member.Id);
        Assert.True(removed.IsOk);

        using var refresh = await s.RefreshAsync(pair.Refresh);
        await Scenario.AssertErrorAsync(refresh, 401, "Invalid refresh token", "invalid_refresh_token");
        Assert.Empty(await s.Grains.GetGrain<IUserSessionGrain>(member.Id).ListSessionsAsync(null));
        using var me = await s.GetAsync("/users/me/sessions", pair.Access);
        await Scenario.AssertErrorAsync(me, 401, "Token has been revoked", "token_revoked");
    }

    [Fact]
    public async Task a_rotation_whose_reply_is_lost_is_retried_by_the_edge_and_succeeds_once()
    {
        var (owner, ws) = await s.OwnerAsync();
        var first = await s.SignInAsync(owner.Id, ws);
        DroppedReplies.Arm(owner.Id, nameof(IUserSessionGrain.RotateAsync));

        using var response = await s.RefreshAsync(first.Refresh);
        var second = await TokenPair.ReadAsync(response);

        // Two calls reached the grain (the lost one and the retry) but only one rotation happened: the family is alive,
        // and the pair returned is the one the first call decided.
        Assert.Equal(2, DroppedReplies.CallsTo(owner.Id, nameof(IUserSessionGrain.RotateAsync)));
        using var next = await s.RefreshAsync(second.Refresh);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Single(await s.Grains.GetGrain<IUserSessionGrain>(owner.Id).ListSessionsAsync(null));
    }

    [Fact]
    public async Task a_storage_version_conflict_fails_closed_with_503_and_the_grain_reloads()
    {
        var (owner, ws) = await s.OwnerAsync();
        var pair = await s.SignInAsync(owner.Id, ws);

        // Another writer (a duplicate activation) writes the row behind the active grain's back.
        var silo = (InProcessSiloHandle)web.App.Cluster.Primary!;
        var storage = silo.ServiceProvider.GetRequiredKeyedService<IGrainStorage>("sessions");
        var grainId = GrainId.Create(GrainType.Create("usersession"), GrainIdKeyExtensions.CreateGuidKey(owner.Id));
        var state = new GrainState<UserSessionState>();
        await storage.ReadStateAsync("session", grainId, state);
        Assert.Single(state.State!.Families);
        await storage.WriteStateAsync("session", grainId, state);

        using var conflicted = await s.RefreshAsync(pair.Refresh);
        await Scenario.AssertErrorAsync(conflicted, 503, null, "cluster_unavailable");
        Assert.True(conflicted.Headers.Contains("Retry-After"));

        // Nothing was issued, and the fresh activation reads what storage holds: the token still rotates, once.
        using var retried = await s.RefreshAsync(pair.Refresh);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
    }
}
