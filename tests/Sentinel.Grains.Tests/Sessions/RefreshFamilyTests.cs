using Sentinel.Grains.Directory;
using Sentinel.Grains.Sessions;
using Xunit;

namespace Sentinel.Grains.Tests.Sessions;

/// <summary>Refresh-token families in the user's session grain: issue, rotation, reuse, grace, retries, limits.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RefreshFamilyTests(ClusterFixture fixture)
{
    /// <summary>Rounds of each race test: <c>SENTINEL_RACE_ROUNDS</c> (<c>make stress</c> sets 100), else 1.</summary>
    public static TheoryData<int> RaceRounds()
    {
        var rounds = int.TryParse(Environment.GetEnvironmentVariable("SENTINEL_RACE_ROUNDS"), out var n) && n > 0 ? n : 1;
        var data = new TheoryData<int>();
        for (var i = 1; i <= rounds; i++) data.Add(i);
        return data;
    }

    private static readonly FakeSessionDirectory Directory = FakeSessionDirectory.Instance;
    private static DateTimeOffset Now => ClusterFixture.Time.GetUtcNow();

    private static SessionPolicy Policy(int graceSeconds = 0, int maxFamilies = 50) =>
        new(TimeSpan.FromMinutes(15), TimeSpan.FromDays(7), TimeSpan.FromSeconds(graceSeconds), maxFamilies);

    private static readonly SessionDevice Device = new("127.0.0.1", "tests");

    private sealed record Member(Guid UserId, Guid WorkspaceId, IUserSessionGrain Grain);

    private Member NewMember(WorkspaceRole role = WorkspaceRole.Editor, params Guid[] groups)
    {
        var userId = Guid.NewGuid();
        Directory.AddUser(userId);
        var workspaceId = Directory.AddWorkspace("ws-" + userId.ToString("N")[..8]);
        Directory.SetMember(workspaceId, userId, role, groups);
        return new Member(userId, workspaceId, fixture.Grains.GetGrain<IUserSessionGrain>(userId));
    }

    private static async Task<IssuedTokens> StartAsync(Member m, SessionPolicy? policy = null, Guid? clientApp = null)
    {
        var decision = await m.Grain.StartFamilyAsync(new StartFamilyRequest(Guid.NewGuid(), m.WorkspaceId, clientApp, clientApp is null ? null : "App", Device, policy ?? Policy()));
        return Assert.IsType<SessionDecision.Issued>(decision).Tokens;
    }

    private static Task<SessionDecision> RotateAsync(Member m, IssuedTokens from, SessionPolicy? policy = null, Guid? requestId = null) =>
        m.Grain.RotateAsync(new RotateRequest(requestId ?? Guid.NewGuid(), from.FamilyId, from.RefreshJti, Device, policy ?? Policy()));

    [Fact]
    public async Task starting_a_family_issues_claims_read_fresh_from_the_directory()
    {
        var group = Guid.NewGuid();
        var m = NewMember(WorkspaceRole.Admin, group);

        var tokens = await StartAsync(m);

        Assert.Equal("admin", tokens.Claims.WorkspaceRole);
        Assert.Equal(m.WorkspaceId, tokens.Claims.WorkspaceId);
        Assert.StartsWith("ws-", tokens.Claims.WorkspaceSlug, StringComparison.Ordinal);
        Assert.Equal([group], tokens.Claims.Groups);
        Assert.Equal(tokens.IssuedAt + TimeSpan.FromMinutes(15), tokens.AccessExpiresAt);
        Assert.Equal(tokens.IssuedAt + TimeSpan.FromDays(7), tokens.RefreshExpiresAt);
        Assert.Equal(0, tokens.IssuedAt.Ticks % TimeSpan.TicksPerSecond);
    }

    [Fact]
    public async Task starting_a_family_is_refused_for_a_non_member_an_unknown_workspace_and_an_inactive_user()
    {
        var m = NewMember();
        var other = Directory.AddWorkspace("other");
        var notMember = await m.Grain.StartFamilyAsync(new StartFamilyRequest(Guid.NewGuid(), other, null, null, Device, Policy()));
        var unknown = await m.Grain.StartFamilyAsync(new StartFamilyRequest(Guid.NewGuid(), Guid.NewGuid(), null, null, Device, Policy()));
        Directory.SetActive(m.UserId, false);
        var inactive = await m.Grain.StartFamilyAsync(new StartFamilyRequest(Guid.NewGuid(), m.WorkspaceId, null, null, Device, Policy()));

        Assert.Equal(SessionRefusal.NotMember, Assert.IsType<SessionDecision.Refused>(notMember).Reason);
        Assert.Equal(SessionRefusal.WorkspaceNotFound, Assert.IsType<SessionDecision.Refused>(unknown).Reason);
        Assert.Equal(SessionRefusal.UserInactive, Assert.IsType<SessionDecision.Refused>(inactive).Reason);
        Assert.Empty(await m.Grain.ListSessionsAsync(null));
    }

    [Fact]
    public async Task rotation_issues_a_new_pair_in_the_same_family_with_the_current_role()
    {
        var m = NewMember(WorkspaceRole.Viewer);
        var first = await StartAsync(m);
        Directory.SetMember(m.WorkspaceId, m.UserId, WorkspaceRole.Owner);
        // The directory announces every change to the claims (here a stand-in for a role change, which revokes instead).
        await m.Grain.ClaimsChangedAsync();
        ClusterFixture.Time.Advance(TimeSpan.FromSeconds(5));

        var second = Assert.IsType<SessionDecision.Issued>(await RotateAsync(m, first)).Tokens;

        Assert.Equal(first.FamilyId, second.FamilyId);
        Assert.NotEqual(first.RefreshJti, second.RefreshJti);
        Assert.NotEqual(first.AccessJti, second.AccessJti);
        Assert.Equal("owner", second.Claims.WorkspaceRole);
        Assert.True(second.IssuedAt > first.IssuedAt);
    }

    [Fact]
    public async Task rotations_issue_from_held_claims_until_a_change_is_announced_then_read_once_more()
    {
        var group = Guid.NewGuid();
        var m = NewMember(WorkspaceRole.Editor);
        var tokens = await StartAsync(m);
        for (var i = 0; i < 3; i++)
            tokens = Assert.IsType<SessionDecision.Issued>(await RotateAsync(m, tokens)).Tokens;
        // The sign-in read the directory; three rotations issued from what it read.
        Assert.Equal(1, Directory.ReadsFor(m.UserId));

        Directory.SetMember(m.WorkspaceId, m.UserId, WorkspaceRole.Editor, group);
        await m.Grain.ClaimsChangedAsync();
        tokens = Assert.IsType<SessionDecision.Issued>(await RotateAsync(m, tokens)).Tokens;
        Assert.Equal([group], tokens.Claims.Groups);
        Assert.Equal(2, Directory.ReadsFor(m.UserId));

        // A revocation forgets them too: the next sign-in and its rotations read afresh.
        await m.Grain.RevokeAllIssuedBeforeNowAsync();
        tokens = await StartAsync(m);
        tokens = Assert.IsType<SessionDecision.Issued>(await RotateAsync(m, tokens)).Tokens;
        Assert.Equal(3, Directory.ReadsFor(m.UserId));
    }

    [Fact]
    public async Task reusing_a_rotated_token_revokes_the_family_and_denylists_its_live_access_tokens()
    {
        var m = NewMember();
        var first = await StartAsync(m);
        var second = Assert.IsType<SessionDecision.Issued>(await RotateAsync(m, first)).Tokens;

        var reuse = await RotateAsync(m, first);

        Assert.Equal(SessionRefusal.Reused, Assert.IsType<SessionDecision.Refused>(reuse).Reason);
        Assert.Equal(SessionRefusal.FamilyNotFound, Assert.IsType<SessionDecision.Refused>(await RotateAsync(m, second)).Reason);
        Assert.Equal(TokenStatus.Revoked, await m.Grain.CheckAsync(new TokenRef(first.AccessJti, first.IssuedAt, first.FamilyId)));
        Assert.Equal(TokenStatus.Revoked, await m.Grain.CheckAsync(new TokenRef(second.AccessJti, second.IssuedAt, second.FamilyId)));
        Assert.Contains("refresh_token_reused", RecordingActivitySink.Instance.ActionsFor(m.UserId));
    }

    [Fact]
    public async Task a_repeated_request_id_returns_the_stored_result_instead_of_a_reuse_verdict()
    {
        var m = NewMember();
        var first = await StartAsync(m);
        var requestId = Guid.NewGuid();

        var original = Assert.IsType<SessionDecision.Issued>(await RotateAsync(m, first, requestId: requestId));
        var retried = Assert.IsType<SessionDecision.Issued>(await RotateAsync(m, first, requestId: requestId));

        Assert.False(original.Replayed);
        Assert.True(retried.Replayed);
        Assert.Equal(original.Tokens, retried.Tokens);
        // The family is alive and moved exactly once: the new token rotates.
        Assert.IsType<SessionDecision.Issued>(await RotateAsync(m, original.Tokens));
    }

    [Fact]
    public async Task a_request_id_is_forgotten_after_two_minutes()
    {
        var m = NewMember();
        var first = await StartAsync(m);
        var requestId = Guid.NewGuid();
        await RotateAsync(m, first, requestId: requestId);

        ClusterFixture.Time.Advance(TimeSpan.FromMinutes(3));

        Assert.Equal(SessionRefusal.Reused, Assert.IsType<SessionDecision.Refused>(await RotateAsync(m, first, requestId: requestId)).Reason);
    }

    [Fact]
    public async Task within_the_grace_window_the_just_rotated_token_gets_the_same_pair_and_after_it_revokes()
    {
        var m = NewMember();
        var policy = Policy(graceSeconds: 10);
        var first = await StartAsync(m, policy);
        var second = Assert.IsType<SessionDecision.Issued>(await RotateAsync(m, first, policy)).Tokens;

        ClusterFixture.Time.Advance(TimeSpan.FromSeconds(9));
        var replay = Assert.IsType<SessionDecision.Issued>(await RotateAsync(m, first, policy));
        Assert.True(replay.Replayed);
        Assert.Equal(second, replay.Tokens);

        ClusterFixture.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(SessionRefusal.Reused, Assert.IsType<SessionDecision.Refused>(await RotateAsync(m, first, policy)).Reason);
    }

    [Fact]
    public async Task with_grace_zero_an_immediate_duplicate_revokes_the_family()
    {
        var m = NewMember();
        var first = await StartAsync(m);
        await RotateAsync(m, first);

        Assert.Equal(SessionRefusal.Reused, Assert.IsType<SessionDecision.Refused>(await RotateAsync(m, first)).Reason);
        Assert.Empty(await m.Grain.ListSessionsAsync(null));
    }

    [Fact]
    public async Task the_grace_window_covers_only_the_token_rotated_last()
    {
        var m = NewMember();
        var policy = Policy(graceSeconds: 30);
        var first = await StartAsync(m, policy);
        var second = Assert.IsType<SessionDecision.Issued>(await RotateAsync(m, first, policy)).Tokens;
        await RotateAsync(m, second, policy);

        Assert.Equal(SessionRefusal.Reused, Assert.IsType<SessionDecision.Refused>(await RotateAsync(m, first, policy)).Reason);
    }

    [Fact]
    public async Task rotation_after_removal_from_the_workspace_revokes_the_family()
    {
        var m = NewMember();
        var first = await StartAsync(m);
        Directory.RemoveMember(m.WorkspaceId, m.UserId);
        await m.Grain.ClaimsChangedAsync();

        Assert.Equal(SessionRefusal.NotMember, Assert.IsType<SessionDecision.Refused>(await RotateAsync(m, first)).Reason);
        Directory.SetMember(m.WorkspaceId, m.UserId, WorkspaceRole.Viewer);
        Assert.Equal(SessionRefusal.FamilyNotFound, Assert.IsType<SessionDecision.Refused>(await RotateAsync(m, first)).Reason);
        Assert.Equal(TokenStatus.Revoked, await m.Grain.CheckAsync(new TokenRef(first.AccessJti, first.IssuedAt, first.FamilyId)));
    }

    [Fact]
    public async Task rotation_for_an_inactive_user_revokes_the_family()
    {
        var m = NewMember();
        var first = await StartAsync(m);
        Directory.SetActive(m.UserId, false);
        await m.Grain.ClaimsChangedAsync();

        Assert.Equal(SessionRefusal.UserInactive, Assert.IsType<SessionDecision.Refused>(await RotateAsync(m, first)).Reason);
        Directory.SetActive(m.UserId, true);
        Assert.Equal(SessionRefusal.FamilyNotFound, Assert.IsType<SessionDecision.Refused>(await RotateAsync(m, first)).Reason);
    }

    [Fact]
    public async Task starting_more_families_than_the_cap_evicts_the_oldest_and_denylists_its_access_tokens()
    {
        var m = NewMember();
        var policy = Policy(maxFamilies: 3);
        var families = new List<IssuedTokens>();
        for (var i = 0; i < 4; i++)
        {
            families.Add(await StartAsync(m, policy));
            ClusterFixture.Time.Advance(TimeSpan.FromSeconds(1));
        }

        var live = await m.Grain.ListSessionsAsync(null);
        Assert.Equal(3, live.Count);
        Assert.DoesNotContain(live, s => s.FamilyId == families[0].FamilyId);
        Assert.Equal(TokenStatus.Revoked, await m.Grain.CheckAsync(new TokenRef(families[0].AccessJti, families[0].IssuedAt, families[0].FamilyId)));
        Assert.Equal(TokenStatus.Active, await m.Grain.CheckAsync(new TokenRef(families[1].AccessJti, families[1].IssuedAt, families[1].FamilyId)));
        Assert.Equal(SessionRefusal.FamilyNotFound, Assert.IsType<SessionDecision.Refused>(await RotateAsync(m, families[0], policy)).Reason);
    }

    [Fact]
    public async Task expired_families_are_pruned_and_their_refresh_tokens_no_longer_rotate()
    {
        var m = NewMember();
        var short_ = new SessionPolicy(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(10), TimeSpan.Zero, 50);
        var first = await StartAsync(m, short_);
        var keep = await StartAsync(m, Policy());

        ClusterFixture.Time.Advance(TimeSpan.FromMinutes(11));

        var live = await m.Grain.ListSessionsAsync(null);
        Assert.Equal([keep.FamilyId], live.Select(s => s.FamilyId));
        Assert.Equal(SessionRefusal.FamilyNotFound, Assert.IsType<SessionDecision.Refused>(await RotateAsync(m, first, short_)).Reason);
    }

    [Fact]
    public async Task revoking_one_family_denylists_its_access_tokens_and_leaves_the_others()
    {
        var m = NewMember();
        var phone = await StartAsync(m);
        var laptop = await StartAsync(m);

        Assert.True(await m.Grain.RevokeFamilyAsync(phone.FamilyId, "user"));
        Assert.False(await m.Grain.RevokeFamilyAsync(phone.FamilyId, "user"));
        Assert.False(await m.Grain.RevokeFamilyAsync(Guid.NewGuid(), "user"));

        Assert.Equal(TokenStatus.Revoked, await m.Grain.CheckAsync(new TokenRef(phone.AccessJti, phone.IssuedAt, phone.FamilyId)));
        Assert.Equal(TokenStatus.Active, await m.Grain.CheckAsync(new TokenRef(laptop.AccessJti, laptop.IssuedAt, laptop.FamilyId)));
        Assert.IsType<SessionDecision.Issued>(await RotateAsync(m, laptop));
    }

    [Fact]
    public async Task logout_revokes_every_family_and_denylists_the_presented_token()
    {
        var m = NewMember();
        var a = await StartAsync(m);
        var b = await StartAsync(m);
        var presented = Guid.NewGuid();

        Assert.Equal(2, await m.Grain.LogoutAsync(presented, Now.AddMinutes(10)));

        Assert.Empty(await m.Grain.ListSessionsAsync(null));
        Assert.Equal(TokenStatus.Revoked, await m.Grain.CheckTokenAsync(presented, Now));
        Assert.Equal(TokenStatus.Revoked, await m.Grain.CheckAsync(new TokenRef(b.AccessJti, b.IssuedAt, b.FamilyId)));
        Assert.Equal(SessionRefusal.FamilyNotFound, Assert.IsType<SessionDecision.Refused>(await RotateAsync(m, a)).Reason);
    }

    [Fact]
    public async Task revoke_all_and_deactivation_revoke_every_family_with_its_access_tokens()
    {
        var viaRevokeAll = NewMember();
        var a = await StartAsync(viaRevokeAll);
        await viaRevokeAll.Grain.RevokeAllIssuedBeforeNowAsync();

        var viaDeactivation = NewMember();
        var b = await StartAsync(viaDeactivation);
        await viaDeactivation.Grain.SetDeactivatedAsync(true);

        Assert.Empty(await viaRevokeAll.Grain.ListSessionsAsync(null));
        // By reference: the family is gone, so its access token (sid) is refused, and nothing is stored per token.
        Assert.Equal(TokenStatus.Revoked, await viaRevokeAll.Grain.CheckAsync(new TokenRef(a.AccessJti, a.IssuedAt, a.FamilyId)));
        Assert.Equal(0, (await viaRevokeAll.Grain.GetRevocationAsync()).DeniedTokens);
        Assert.Equal(SessionRefusal.FamilyNotFound, Assert.IsType<SessionDecision.Refused>(await RotateAsync(viaRevokeAll, a)).Reason);
        Assert.Empty(await viaDeactivation.Grain.ListSessionsAsync(null));
        Assert.Equal(TokenStatus.Deactivated, await viaDeactivation.Grain.CheckAsync(new TokenRef(b.AccessJti, b.IssuedAt, b.FamilyId)));
        Assert.Equal(0, (await viaDeactivation.Grain.GetRevocationAsync()).DeniedTokens);
        Assert.Equal(SessionRefusal.UserInactive, Assert.IsType<SessionDecision.Refused>(
            await viaDeactivation.Grain.StartFamilyAsync(new StartFamilyRequest(Guid.NewGuid(), viaDeactivation.WorkspaceId, null, null, Device, Policy()))).Reason);
    }

    [Fact]
    public async Task the_sessions_list_marks_the_asking_family_as_current_and_orders_by_last_use()
    {
        var m = NewMember();
        var clientApp = Guid.NewGuid();
        var older = await StartAsync(m, clientApp: clientApp);
        ClusterFixture.Time.Advance(TimeSpan.FromSeconds(3));
        var newer = await StartAsync(m);

        var list = await m.Grain.ListSessionsAsync(older.FamilyId);

        Assert.Equal([newer.FamilyId, older.FamilyId], list.Select(s => s.FamilyId));
        Assert.True(list.Single(s => s.FamilyId == older.FamilyId).Current);
        Assert.False(list.Single(s => s.FamilyId == newer.FamilyId).Current);
        var info = list.Single(s => s.FamilyId == older.FamilyId);
        Assert.Equal((clientApp, "App", m.WorkspaceId, "127.0.0.1", "tests"), (info.ClientAppId, info.ClientAppName, info.WorkspaceId, info.Ip, info.UserAgent));
    }

    [Theory, MemberData(nameof(RaceRounds)), Trait("Category", "Race")]
    public async Task fifty_concurrent_rotations_of_one_token_have_exactly_one_winner_and_revoke_the_family(int round)
    {
        _ = round;
        var m = NewMember();
        var first = await StartAsync(m);

        var decisions = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => RotateAsync(m, first)));

        var winners = decisions.OfType<SessionDecision.Issued>().ToArray();
        Assert.Single(winners);
        Assert.Equal(49, decisions.OfType<SessionDecision.Refused>().Count());
        Assert.Empty(await m.Grain.ListSessionsAsync(null));
        Assert.Equal(TokenStatus.Revoked, await m.Grain.CheckAsync(new TokenRef(winners[0].Tokens.AccessJti, winners[0].Tokens.IssuedAt, winners[0].Tokens.FamilyId)));
    }

    [Fact]
    public async Task families_and_the_denylist_are_reloaded_from_storage_after_the_grain_deactivates()
    {
        var m = NewMember();
        var live = await StartAsync(m);
        var gone = await StartAsync(m);
        await m.Grain.RevokeFamilyAsync(gone.FamilyId, "user");

        await fixture.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        var reloaded = fixture.Grains.GetGrain<IUserSessionGrain>(m.UserId);
        Assert.Equal([live.FamilyId], (await reloaded.ListSessionsAsync(null)).Select(s => s.FamilyId));
        Assert.Equal(TokenStatus.Revoked, await reloaded.CheckAsync(new TokenRef(gone.AccessJti, gone.IssuedAt, gone.FamilyId)));
        Assert.IsType<SessionDecision.Issued>(await RotateAsync(m with { Grain = reloaded }, live));
    }
}
