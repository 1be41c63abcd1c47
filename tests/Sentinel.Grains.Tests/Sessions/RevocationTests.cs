using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;
using Sentinel.Grains.Directory;
using Sentinel.Grains.Sessions;
using Sentinel.Grains.Storage;
using Xunit;

namespace Sentinel.Grains.Tests.Sessions;

/// <summary>
/// Revocation exact to the instant and session state bounded by the number of sessions (issue 23, items 2 and 6).
/// Time is the fixture's <c>FakeTimeProvider</c>, moved at sub-second offsets.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RevocationTests(ClusterFixture fixture)
{
    private static readonly FakeSessionDirectory Directory = FakeSessionDirectory.Instance;
    private static readonly SessionDevice Device = new("127.0.0.1", "tests");
    private static readonly SessionPolicy Policy = new(TimeSpan.FromMinutes(15), TimeSpan.FromDays(7), TimeSpan.Zero, 50);

    /// <summary>The same serializer, with the same defaults, the silo's ADO.NET storage writes rows with.</summary>
    private static readonly SystemTextJsonGrainStorageSerializer RowSerializer = new(Options.Create(new SystemTextJsonGrainStorageSerializerOptions()));

    private static DateTimeOffset Now => ClusterFixture.Time.GetUtcNow();

    private (Guid UserId, Guid WorkspaceId, IUserSessionGrain Grain) NewMember()
    {
        var userId = Guid.NewGuid();
        Directory.AddUser(userId);
        var workspaceId = Directory.AddWorkspace("ws-" + userId.ToString("N")[..8]);
        Directory.SetMember(workspaceId, userId, WorkspaceRole.Editor);
        return (userId, workspaceId, fixture.Grains.GetGrain<IUserSessionGrain>(userId));
    }

    private static async Task<IssuedTokens> StartAsync(IUserSessionGrain grain, Guid workspaceId) =>
        Assert.IsType<SessionDecision.Issued>(await grain.StartFamilyAsync(new StartFamilyRequest(Guid.NewGuid(), workspaceId, null, null, Device, Policy))).Tokens;

    private static Task<SessionDecision> RotateAsync(IUserSessionGrain grain, IssuedTokens from) =>
        grain.RotateAsync(new RotateRequest(Guid.NewGuid(), from.FamilyId, from.RefreshJti, Device, Policy));

    /// <summary>The access token the edge signs from an issue record carries sid = the family id.</summary>
    private static TokenRef Access(IssuedTokens issued) => new(issued.AccessJti, issued.IssuedAt, issued.FamilyId);

    /// <summary>Moves fake time to <paramref name="millis"/> ms past the next whole second.</summary>
    private static void MoveToNextSecondPlus(int millis)
    {
        var now = Now;
        var next = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds() + 1).AddMilliseconds(millis);
        ClusterFixture.Time.Advance(next - now);
    }

    private IGrainStorage SessionStorage() =>
        ((InProcessSiloHandle)fixture.Cluster.Primary!).SiloHost.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Sessions);

    /// <summary>The size of the user's stored row as the ADO.NET storage would write it.</summary>
    private async Task<int> StoredBytesAsync(IUserSessionGrain grain)
    {
        var stored = new GrainState<UserSessionState>();
        await SessionStorage().ReadStateAsync("session", grain.GetGrainId(), stored);
        return RowSerializer.Serialize(stored.State).ToMemory().Length;
    }

    [Fact]
    public async Task revoke_all_refuses_a_family_issued_earlier_in_the_same_second_and_never_one_started_after_it()
    {
        var (_, workspaceId, grain) = NewMember();
        MoveToNextSecondPlus(100);
        var before = await StartAsync(grain, workspaceId);          // s + 0.100
        ClusterFixture.Time.Advance(TimeSpan.FromMilliseconds(300));
        var cutoff = await grain.RevokeAllIssuedBeforeNowAsync();   // s + 0.400
        ClusterFixture.Time.Advance(TimeSpan.FromMilliseconds(1));
        var after = await StartAsync(grain, workspaceId);           // s + 0.401: the same whole-second iat as `before`

        Assert.Equal(before.IssuedAt, after.IssuedAt);
        Assert.Equal(400, cutoff.Millisecond);
        Assert.Equal(TokenStatus.Revoked, await grain.CheckAsync(Access(before)));
        Assert.Equal(TokenStatus.Active, await grain.CheckAsync(Access(after)));
        Assert.Equal(SessionRefusal.FamilyNotFound, Assert.IsType<SessionDecision.Refused>(await RotateAsync(grain, before)).Reason);
        var rotated = Assert.IsType<SessionDecision.Issued>(await RotateAsync(grain, after)).Tokens;
        Assert.Equal(TokenStatus.Active, await grain.CheckAsync(Access(rotated)));
    }

    [Fact]
    public async Task tokens_without_sid_are_ordered_by_the_cut_off_they_were_minted_under_not_by_a_clock()
    {
        var (_, _, grain) = NewMember();
        MoveToNextSecondPlus(500);
        // Admin and authz tokens carry rvk: the cut-off the edge read just before minting (none yet: the epoch).
        var mintedBefore = new TokenRef(Guid.NewGuid(), Now, null, (await grain.GetRevocationAsync()).RevokedBefore ?? DateTimeOffset.UnixEpoch);
        var first = await grain.RevokeAllIssuedBeforeNowAsync();
        var mintedAfter = new TokenRef(Guid.NewGuid(), Now, null, (await grain.GetRevocationAsync()).RevokedBefore);

        Assert.Equal(first, mintedAfter.MintedUnder);
        Assert.Equal(TokenStatus.Revoked, await grain.CheckAsync(mintedBefore));
        Assert.Equal(TokenStatus.Active, await grain.CheckAsync(mintedAfter));

        // A second revocation in the very same instant (fake time does not move) still gets a later cut-off.
        var second = await grain.RevokeAllIssuedBeforeNowAsync();
        Assert.True(second > first);
        Assert.Equal(TokenStatus.Revoked, await grain.CheckAsync(mintedAfter));
        Assert.Equal(TokenStatus.Active, await grain.CheckAsync(mintedAfter with { MintedUnder = second }));

        // Tokens minted before rvk existed have only a whole-second iat: the cut-off's own second is refused (fail closed).
        var secondOfCutOff = DateTimeOffset.FromUnixTimeSeconds(second.ToUnixTimeSeconds());
        Assert.Equal(TokenStatus.Revoked, await grain.CheckTokenAsync(Guid.NewGuid(), secondOfCutOff));
        Assert.Equal(TokenStatus.Active, await grain.CheckTokenAsync(Guid.NewGuid(), secondOfCutOff.AddSeconds(1)));
    }

    [Fact]
    public async Task a_family_started_just_after_deactivation_and_reactivation_works_and_the_old_one_stays_revoked()
    {
        var (userId, workspaceId, grain) = NewMember();
        MoveToNextSecondPlus(200);
        var before = await StartAsync(grain, workspaceId);
        ClusterFixture.Time.Advance(TimeSpan.FromMilliseconds(100));
        await grain.SetDeactivatedAsync(true);
        await grain.RevokeAllIssuedBeforeNowAsync();
        Assert.Equal(TokenStatus.Deactivated, await grain.CheckAsync(Access(before)));
        ClusterFixture.Time.Advance(TimeSpan.FromMilliseconds(100));
        await grain.SetDeactivatedAsync(false);
        ClusterFixture.Time.Advance(TimeSpan.FromMilliseconds(100));
        var after = await StartAsync(grain, workspaceId);

        Assert.Equal(before.IssuedAt, after.IssuedAt);
        Assert.Equal(TokenStatus.Revoked, await grain.CheckAsync(Access(before)));
        Assert.Equal(TokenStatus.Active, await grain.CheckAsync(Access(after)));
        _ = userId;
    }

    [Fact]
    public async Task revoking_one_family_refuses_its_access_tokens_by_reference_and_stores_nothing_per_token()
    {
        var (_, workspaceId, grain) = NewMember();
        var phone = await StartAsync(grain, workspaceId);
        var laptop = await StartAsync(grain, workspaceId);
        var phoneRotated = Assert.IsType<SessionDecision.Issued>(await RotateAsync(grain, phone)).Tokens;

        Assert.True(await grain.RevokeFamilyAsync(phone.FamilyId, "user"));

        Assert.Equal(TokenStatus.Revoked, await grain.CheckAsync(Access(phone)));
        Assert.Equal(TokenStatus.Revoked, await grain.CheckAsync(Access(phoneRotated)));
        Assert.Equal(TokenStatus.Active, await grain.CheckAsync(Access(laptop)));
        Assert.Equal(0, (await grain.GetRevocationAsync()).DeniedTokens);
        // A sid that names no family of this user (forged, foreign, or forgotten after expiry) is refused: fail closed.
        Assert.Equal(TokenStatus.Revoked, await grain.CheckAsync(new TokenRef(Guid.NewGuid(), laptop.IssuedAt, Guid.NewGuid())));
    }

    [Fact]
    public async Task refreshing_one_family_a_thousand_times_does_not_grow_the_stored_state()
    {
        var (_, workspaceId, grain) = NewMember();
        MoveToNextSecondPlus(0);
        var current = await StartAsync(grain, workspaceId);
        current = Assert.IsType<SessionDecision.Issued>(await RotateAsync(grain, current)).Tokens;
        var afterFirst = await StoredBytesAsync(grain);

        // Two seconds apart: far under the 15-minute access lifetime, so every access token issued in the last
        // 15 minutes (up to 450 of them) is still alive when the run ends.
        var sizes = new List<int>();
        for (var i = 0; i < 1000; i++)
        {
            ClusterFixture.Time.Advance(TimeSpan.FromSeconds(2));
            current = Assert.IsType<SessionDecision.Issued>(await RotateAsync(grain, current)).Tokens;
            if (i % 100 == 99) sizes.Add(await StoredBytesAsync(grain));
        }

        Assert.All(sizes, size => Assert.Equal(afterFirst, size));
        Assert.True(afterFirst < 2048, $"one family is stored in {afterFirst} bytes (past about 2 KB PostgreSQL writes TOAST rows)");
        Assert.Equal(TokenStatus.Active, await grain.CheckAsync(Access(current)));
        Assert.Single(await grain.ListSessionsAsync(current.FamilyId));
    }

    [Fact]
    public async Task revoked_and_expired_families_leave_the_stored_state()
    {
        var (_, workspaceId, grain) = NewMember();
        var (_, otherWorkspace, baseline) = NewMember();
        for (var i = 0; i < 5; i++) await StartAsync(grain, workspaceId);
        await grain.RevokeAllIssuedBeforeNowAsync();
        ClusterFixture.Time.Advance(TimeSpan.FromSeconds(1));
        var kept = await StartAsync(grain, workspaceId);
        await StartAsync(baseline, otherWorkspace);

        // One live family plus the cut-off (one instant): five revoked families leave nothing behind per family.
        var withRevoked = await StoredBytesAsync(grain);
        var oneFamily = await StoredBytesAsync(baseline);
        Assert.InRange(withRevoked - oneFamily, 0, 64);
        Assert.Single(await grain.ListSessionsAsync(null));
        Assert.Equal(TokenStatus.Active, await grain.CheckAsync(Access(kept)));
    }

    /// <summary>A row written before this change: per-family access jtis, and a whole-second RevokedBefore.</summary>
    private static string OldShapeRow(Guid familyId, Guid legacyAccessJti, DateTimeOffset now)
    {
        static string T(DateTimeOffset t) => t.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFzzz", System.Globalization.CultureInfo.InvariantCulture);
        var second = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds());
        return $$"""
        {
          "DeniedTokens": {},
          "RevokedBefore": "{{T(second.AddSeconds(-10))}}",
          "Deactivated": false,
          "Families": {
            "{{familyId}}": {
              "WorkspaceId": "{{Guid.NewGuid()}}",
              "ClientAppId": null,
              "ClientAppName": null,
              "CurrentRefreshJti": "{{Guid.NewGuid()}}",
              "RefreshExpiresAt": "{{T(second.AddDays(7))}}",
              "PreviousRefreshJti": null,
              "RotatedAt": null,
              "AccessTokens": { "{{legacyAccessJti}}": "{{T(second.AddMinutes(15))}}", "{{Guid.NewGuid()}}": "{{T(second.AddMinutes(-1))}}" },
              "CreatedAt": "{{T(second)}}",
              "LastUsedAt": "{{T(second)}}",
              "Ip": "127.0.0.1",
              "UserAgent": "tests",
              "LastIssued": null,
              "LastRequestId": null
            }
          }
        }
        """;
    }

    [Fact]
    public async Task an_old_shape_row_loads_and_its_legacy_access_tokens_and_cut_off_are_still_honoured()
    {
        var userId = Guid.NewGuid();
        var familyId = Guid.NewGuid();
        var legacyJti = Guid.NewGuid();
        MoveToNextSecondPlus(300);
        var now = Now;
        var row = OldShapeRow(familyId, legacyJti, now);
        var old = RowSerializer.Deserialize<UserSessionState>(BinaryData.FromString(row))!;
        Assert.Equal(2, old.Families[familyId].AccessTokens!.Count);

        var grain = fixture.Grains.GetGrain<IUserSessionGrain>(userId);
        await SessionStorage().WriteStateAsync("session", grain.GetGrainId(), new GrainState<UserSessionState>(old));

        // The old cut-off meant "iat at or before that second".
        var oldCutOffSecond = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds() - 10);
        Assert.Equal(TokenStatus.Revoked, await grain.CheckTokenAsync(Guid.NewGuid(), oldCutOffSecond));
        Assert.Equal(TokenStatus.Active, await grain.CheckTokenAsync(Guid.NewGuid(), oldCutOffSecond.AddSeconds(1)));
        // A legacy access token (no sid) is marked current by its jti, and revoking its family refuses it.
        Assert.True(Assert.Single(await grain.ListSessionsAsync(legacyJti)).Current);
        Assert.Equal(TokenStatus.Active, await grain.CheckTokenAsync(legacyJti, now));
        Assert.True(await grain.RevokeFamilyAsync(familyId, "user"));
        Assert.Equal(TokenStatus.Revoked, await grain.CheckTokenAsync(legacyJti, now));
        Assert.Equal(1, (await grain.GetRevocationAsync()).DeniedTokens);

        // Written back in the new shape: no legacy cut-off field, no per-family access list.
        var stored = new GrainState<UserSessionState>();
        await SessionStorage().ReadStateAsync("session", grain.GetGrainId(), stored);
        var json = RowSerializer.Serialize(stored.State).ToString();
        Assert.DoesNotContain("RevokedBefore", json, StringComparison.Ordinal);
        Assert.DoesNotContain("AccessTokens", json, StringComparison.Ordinal);
        Assert.Equal(TokenStatus.Revoked, await grain.CheckTokenAsync(Guid.NewGuid(), oldCutOffSecond));
    }
}
