using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Sentinel.Grains.Authorization;
using Sentinel.Grains.Directory;
using Sentinel.Grains.ServiceApps;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Integration.Tests.Authz;

/// <summary>One silo and two real web replicas, each with its own service-key verdict cache.</summary>
// The checks poll; limits are lifted so the limiter never answers for the thing under test (the web replicas get the
// generous limits from ClusterHarness already).
public sealed class AuthzRevocationCluster() : TwoWebCluster("authzrev", RateLimitTestSettings.Generous);

/// <summary>
/// Issue 18: the edge keeps service-key verdicts, and checks are answered from the workspace grain's memory. Whatever a
/// replica keeps, a rotated or deactivated key, a removed share and a removed member are refused by every replica within
/// one second of the change returning.
/// </summary>
public sealed class AuthzRevocationProcessTests(AuthzRevocationCluster cluster) : IClassFixture<AuthzRevocationCluster>
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(1);

    private HttpClient http => cluster.Http;
    private IClusterClient grains => cluster.Orleans.Client;

    private sealed record Fixture(Guid AppId, string Key, string Service, Guid WorkspaceId, Guid OwnerId, Guid MemberId, string MemberToken);

    private async Task<Fixture> SeedAsync()
    {
        var owner = (await grains.GetGrain<IUserGrain>(Guid.NewGuid()).CreateAsync($"o-{Guid.NewGuid():N}@example.com", "Owner", null, false)).Value!;
        var member = (await grains.GetGrain<IUserGrain>(Guid.NewGuid()).CreateAsync($"m-{Guid.NewGuid():N}@example.com", "Member", null, false)).Value!;
        var workspaceId = Guid.NewGuid();
        Assert.True((await grains.GetGrain<IWorkspaceGrain>(workspaceId).CreateAsync("W", $"ws-{Guid.NewGuid():N}"[..16], null, owner.Id)).IsOk);
        Assert.True((await grains.GetGrain<IWorkspaceGrain>(workspaceId).AddMemberAsync(new Actor(owner.Id, "owner"), member.Id, WorkspaceRole.Viewer)).IsOk);
        var service = $"svc-{Guid.NewGuid():N}"[..16];
        var appId = Guid.NewGuid();
        var app = await grains.GetGrain<IServiceAppGrain>(appId).CreateAsync("Docs", service, [], [], null);
        Assert.True(app.IsOk, app.Error.ToString());
        return new Fixture(appId, app.Value!.ApiKey, service, workspaceId, owner.Id, member.Id, TestTokens.Access(member.Id, workspaceId, "viewer"));
    }

    /// <summary>A private resource owned by the owner and shared to the member for view.</summary>
    private async Task<(Guid PermissionId, Guid ResourceId)> SharedResourceAsync(Fixture f)
    {
        var workspace = grains.GetGrain<IWorkspaceAuthorizationGrain>(f.WorkspaceId);
        var resourceId = Guid.NewGuid();
        var acl = await workspace.RegisterResourceAsync(new ResourceRef(f.Service, "doc", resourceId), f.OwnerId, AclVisibility.Private);
        Assert.True(acl.IsOk, acl.Error.ToString());
        Assert.True((await workspace.ShareAsync(acl.Value!.Id, null, GranteeType.User, f.MemberId, AclPermission.View)).IsOk);
        return (acl.Value.Id, resourceId);
    }

    /// <summary>POST /permissions/check on one replica: the status and, on 200, whether the one check was allowed.</summary>
    private async Task<(HttpStatusCode Status, bool Allowed)> CheckAsync(Uri web, Fixture f, string key, Guid resourceId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(web, "/permissions/check"))
        {
            Content = JsonContent.Create(new { checks = new[] { new { service_name = f.Service, resource_type = "doc", resource_id = resourceId, action = "view" } } }),
        };
        request.Headers.Add("X-Service-Key", key);
        request.Headers.Authorization = new("Bearer", f.MemberToken);
        using var response = await http.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.OK) return (response.StatusCode, false);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return (response.StatusCode, body.GetProperty("results")[0].GetProperty("allowed").GetBoolean());
    }

    /// <summary>Both replicas answer allowed, several times (so each has a verdict for the key cached).</summary>
    private async Task WarmAsync(Fixture f, string key, Guid resourceId)
    {
        for (var i = 0; i < 3; i++)
        foreach (var web in cluster.Webs)
            Assert.Equal((HttpStatusCode.OK, true), await CheckAsync(web, f, key, resourceId));
    }

    /// <summary>How long after the change each replica took to refuse; fails if one still allows after 3 s.</summary>
    private async Task<TimeSpan[]> TimeToRefusalAsync(Fixture f, string key, Guid resourceId, Stopwatch sinceChange, Func<(HttpStatusCode Status, bool Allowed), bool> refused)
    {
        var times = new TimeSpan[cluster.Webs.Length];
        for (var i = 0; i < cluster.Webs.Length; i++)
        {
            while (!refused(await CheckAsync(cluster.Webs[i], f, key, resourceId)))
            {
                Assert.True(sinceChange.Elapsed < TimeSpan.FromSeconds(3), $"replica {i} still allowed {sinceChange.Elapsed} after the change");
                await Task.Delay(20);
            }
            times[i] = sinceChange.Elapsed;
        }
        return times;
    }

    [Fact]
    public async Task a_rotated_then_deactivated_key_is_refused_by_every_replica_within_a_second()
    {
        var f = await SeedAsync();
        var (_, resourceId) = await SharedResourceAsync(f);
        await WarmAsync(f, f.Key, resourceId);

        var rotated = await grains.GetGrain<IServiceAppGrain>(f.AppId).RotateKeyAsync(null);
        var clock = Stopwatch.StartNew();
        Assert.True(rotated.IsOk);
        var times = await TimeToRefusalAsync(f, f.Key, resourceId, clock, r => r.Status == HttpStatusCode.Unauthorized);
        Assert.All(times, t => Assert.True(t < Prompt, $"old key refused after {t}"));

        var newKey = rotated.Value!.ApiKey;
        await WarmAsync(f, newKey, resourceId);
        var deactivated = await grains.GetGrain<IServiceAppGrain>(f.AppId).UpdateAsync(null, false, null, null, null);
        clock.Restart();
        Assert.True(deactivated.IsOk);
        times = await TimeToRefusalAsync(f, newKey, resourceId, clock, r => r.Status == HttpStatusCode.Unauthorized);
        Assert.All(times, t => Assert.True(t < Prompt, $"deactivated key refused after {t}"));
    }

    [Fact]
    public async Task a_key_change_whose_push_is_lost_is_still_refused_by_every_replica_within_a_second()
    {
        // The app is deactivated behind the watch's back (straight in the table, then only the key grain is told): no
        // replica is pushed anything, so only the verdicts' 500 ms lifetime can bring the refusal.
        var f = await SeedAsync();
        var (_, resourceId) = await SharedResourceAsync(f);
        await WarmAsync(f, f.Key, resourceId);

        await using (var db = NpgsqlDataSource.Create(TestConnection.ConnectionString()))
        await using (var cmd = db.CreateCommand("UPDATE service_apps SET is_active = false WHERE id = @id"))
        {
            cmd.Parameters.AddWithValue("id", f.AppId);
            Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
        }
        await grains.GetGrain<IServiceKeyGrain>(ServiceKeys.Hash(f.Key)).InvalidateAsync();
        var clock = Stopwatch.StartNew();
        var times = await TimeToRefusalAsync(f, f.Key, resourceId, clock, r => r.Status == HttpStatusCode.Unauthorized);
        Assert.All(times, t => Assert.True(t < Prompt, $"key refused after {t}"));
    }

    [Fact]
    public async Task a_removed_share_and_a_removed_member_are_refused_by_every_replica_within_a_second()
    {
        var f = await SeedAsync();
        var (permissionId, unshared) = await SharedResourceAsync(f);
        var (_, stillShared) = await SharedResourceAsync(f);
        await WarmAsync(f, f.Key, unshared);
        await WarmAsync(f, f.Key, stillShared);

        Assert.True((await grains.GetGrain<IWorkspaceAuthorizationGrain>(f.WorkspaceId).UnshareAsync(permissionId, GranteeType.User, f.MemberId)).IsOk);
        var clock = Stopwatch.StartNew();
        var times = await TimeToRefusalAsync(f, f.Key, unshared, clock, r => r is (HttpStatusCode.OK, false));
        Assert.All(times, t => Assert.True(t < Prompt, $"unshared resource refused after {t}"));
        // Only that share went: the other resource is still allowed on both replicas.
        foreach (var web in cluster.Webs) Assert.Equal((HttpStatusCode.OK, true), await CheckAsync(web, f, f.Key, stillShared));

        Assert.True((await grains.GetGrain<IWorkspaceGrain>(f.WorkspaceId).RemoveMemberAsync(new Actor(f.OwnerId, "owner"), f.MemberId)).IsOk);
        clock.Restart();
        // A removed member is denied everything (and their sessions are revoked, so a 401 is a refusal too).
        times = await TimeToRefusalAsync(f, f.Key, stillShared, clock, r => r != (HttpStatusCode.OK, true));
        Assert.All(times, t => Assert.True(t < Prompt, $"removed member refused after {t}"));
    }
}
