using Sentinel.Grains.Admin;
using Sentinel.Grains.Directory;
using Sentinel.Grains.Tests.Data;
using Xunit;

namespace Sentinel.Grains.Tests.Admin;

[Collection(DatabaseCollection.Name)]
public sealed class AdminQueryStoreTests(DatabaseFixture fixture)
{
    private readonly AdminQueryStore store = fixture.Create<AdminQueryStore>();

    [Fact]
    public async Task user_search_matches_email_or_name_literally_with_workspace_counts()
    {
        var tag = Guid.NewGuid().ToString("N")[..12];
        var user = await fixture.InsertUserAsync($"{tag}@search.test");
        var (ws, _) = await fixture.InsertWorkspaceAsync();
        await fixture.AddMemberAsync(ws, user, "viewer");

        var page = await store.ListUsersAsync(1, 10, tag.ToUpperInvariant(), default);
        var none = await store.ListUsersAsync(1, 10, tag + "%", default);

        var found = Assert.Single(page.Items);
        Assert.Equal((user, 1, 1L), (found.User.Id, found.WorkspaceCount, page.Total));
        Assert.Empty(none.Items);
    }

    [Fact]
    public async Task user_detail_has_social_accounts_and_memberships_or_is_null()
    {
        var user = await fixture.InsertUserAsync();
        var (ws, slug) = await fixture.InsertWorkspaceAsync("Detail");
        await fixture.AddMemberAsync(ws, user, "editor");
        await fixture.ScalarAsync("INSERT INTO social_accounts (id, user_id, provider, provider_user_id) VALUES (@id, @user, 'google', @sub)",
            ("id", Guid.NewGuid()), ("user", user), ("sub", Guid.NewGuid().ToString()));

        var detail = await store.GetUserAsync(user, default);

        Assert.Equal(user, detail!.User.Id);
        Assert.Equal("google", Assert.Single(detail.SocialAccounts).Provider);
        var membership = Assert.Single(detail.Memberships);
        Assert.Equal((ws, "Detail", slug, WorkspaceRole.Editor), (membership.WorkspaceId, membership.WorkspaceName, membership.WorkspaceSlug, membership.Role));
        Assert.Null(await store.GetUserAsync(Guid.NewGuid(), default));
    }

    [Fact]
    public async Task workspace_detail_counts_members_and_groups()
    {
        var (ws, slug) = await fixture.InsertWorkspaceAsync();
        await fixture.AddMemberAsync(ws, await fixture.InsertUserAsync(), "owner");
        await fixture.AddMemberAsync(ws, await fixture.InsertUserAsync(), "viewer");
        await fixture.InsertNamedAsync("groups", ws, "g");

        var detail = await store.GetWorkspaceAsync(ws, default);
        var listed = Assert.Single((await store.ListWorkspacesAsync(1, 10, slug, default)).Items);

        Assert.Equal((slug, 2, (int?)1), (detail!.Workspace.Slug, detail.MemberCount, detail.GroupCount));
        // The list leaves the group count out.
        Assert.Equal((2, (int?)null), (listed.MemberCount, listed.GroupCount));
        Assert.Null(await store.GetWorkspaceAsync(Guid.NewGuid(), default));
    }

    [Fact]
    public async Task activity_filters_by_actor_and_action_with_the_actors_name()
    {
        var actor = await fixture.InsertUserAsync();
        var target = Guid.NewGuid();
        await fixture.Create<AdminUserStore>().RecordAsync("tokens_revoked", actor, target, null, default);
        await fixture.Create<AdminUserStore>().RecordAsync("session_revoked", actor, target, new { family_id = Guid.Empty }, default);

        var page = await store.ListActivityAsync(new ActivityFilter(1, 10, "session_revoked", null, null, actor, null, null), default);

        var entry = Assert.Single(page.Items);
        Assert.Equal((target, actor, "user"), (entry.TargetId, entry.ActorId, entry.TargetType));
        Assert.Equal($"{actor:N}@stores.test", entry.ActorEmail);
        Assert.Contains("family_id", entry.DetailJson, StringComparison.Ordinal);
        Assert.Equal(2, (await store.ListActivityAsync(new ActivityFilter(1, 10, null, null, null, actor, null, null), default)).Total);
    }

    [Fact]
    public async Task stats_count_users_in_one_snapshot()
    {
        await fixture.InsertUserAsync(isActive: false);

        var stats = await store.GetStatsAsync(default);

        Assert.True(stats.InactiveUsers >= 1);
        Assert.Equal(stats.TotalUsers, stats.ActiveUsers + stats.InactiveUsers);
        Assert.InRange(stats.RecentUsers.Count, 1, 5);
    }

    [Fact]
    public async Task export_pages_by_creation_then_id_after_the_cursor()
    {
        var first = await store.ExportUsersAsync(null, null, 2, default);
        Assert.Equal(2, first.Count);

        var next = await store.ExportUsersAsync(first[^1].User.CreatedAt, first[^1].User.Id, 2, default);

        Assert.DoesNotContain(next, u => first.Any(f => f.User.Id == u.User.Id));
        Assert.True(next.Count == 0 || next[0].User.CreatedAt >= first[^1].User.CreatedAt);
    }
}
