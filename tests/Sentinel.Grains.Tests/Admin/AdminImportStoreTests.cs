using Sentinel.Grains.Admin;
using Sentinel.Grains.Directory;
using Sentinel.Grains.Data;
using Sentinel.Grains.Tests.Data;
using Xunit;

namespace Sentinel.Grains.Tests.Admin;

[Collection(DatabaseCollection.Name)]
public sealed class AdminImportStoreTests(DatabaseFixture fixture)
{
    private readonly AdminImportStore store = fixture.Create<AdminImportStore>();

    private static CsvImportRow Row(int line, string email, string slug) => new(line, email, "Imported", slug, WorkspaceRole.Viewer);

    private Task<object?> UserIdAsync(string email) => fixture.ScalarAsync("SELECT id FROM users WHERE lower(email) = lower(@e)", ("e", email));

    [Fact]
    public async Task nothing_is_visible_before_the_commit_and_everything_after()
    {
        var (ws, slug) = await fixture.InsertWorkspaceAsync();
        var actor = await fixture.InsertUserAsync();
        var email = $"{Guid.NewGuid():N}@import.test";

        await using (var import = await store.OpenAsync(default))
        {
            Assert.Equal(ws, (await import.WorkspaceIdsAsync([slug, "no-such-slug"], default))[slug]);
            await import.BeginAsync(default);
            var (created, added) = await import.WriteBatchAsync([(Row(2, email, slug), ws), (Row(3, email.ToUpperInvariant(), slug), ws)], new(), new(), actor, default);
            await import.RecordAsync(new ActivityRow("batch_import", actor, "system", Guid.Empty), default);

            Assert.Equal((1, 1), (created, added));
            Assert.Null(await UserIdAsync(email));
            await import.CommitAsync();
        }

        var user = (Guid)(await UserIdAsync(email))!;
        // One transaction: both rows carry the same created_at, so only the set is fixed.
        Assert.Equal(["member_invited", "user_created"], (await fixture.ActivityAsync(user)).Select(r => r.Action).Order());
        Assert.Equal("viewer", await fixture.ScalarAsync("SELECT role FROM workspace_memberships WHERE workspace_id = @ws AND user_id = @u", ("ws", ws), ("u", user)));
    }

    [Fact]
    public async Task disposing_without_commit_rolls_everything_back()
    {
        var (ws, slug) = await fixture.InsertWorkspaceAsync();
        var actor = await fixture.InsertUserAsync();
        var email = $"{Guid.NewGuid():N}@import.test";

        await using (var import = await store.OpenAsync(default))
        {
            await import.BeginAsync(default);
            await import.WriteBatchAsync([(Row(2, email, slug), ws)], new(), new(), actor, default);
        }

        Assert.Null(await UserIdAsync(email));
        Assert.Equal(0L, await fixture.ScalarAsync("SELECT count(*) FROM workspace_memberships WHERE workspace_id = @ws", ("ws", ws)));
    }

    [Fact]
    public async Task an_existing_user_and_membership_are_reused_not_duplicated()
    {
        var (ws, slug) = await fixture.InsertWorkspaceAsync();
        var actor = await fixture.InsertUserAsync();
        var existing = await fixture.InsertUserAsync();
        await fixture.AddMemberAsync(ws, existing, "editor");

        int created, added;
        await using (var import = await store.OpenAsync(default))
        {
            await import.BeginAsync(default);
            (created, added) = await import.WriteBatchAsync([(Row(2, $"{existing:N}@STORES.test", slug), ws)], new(), new(), actor, default);
            await import.CommitAsync();
        }

        Assert.Equal((0, 0), (created, added));
        Assert.Equal("editor", await fixture.ScalarAsync("SELECT role FROM workspace_memberships WHERE workspace_id = @ws AND user_id = @u", ("ws", ws), ("u", existing)));
    }
}
