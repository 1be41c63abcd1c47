using Sentinel.Grains.Directory;
using Sentinel.Grains.Tests.Data;
using Xunit;

namespace Sentinel.Grains.Tests.Directory;

[Collection(DatabaseCollection.Name)]
public sealed class DirectoryQueryStoreTests(DatabaseFixture fixture)
{
    private readonly DirectoryQueryStore store = fixture.Create<DirectoryQueryStore>();

    [Fact]
    public async Task user_and_workspace_ids_are_found_by_email_in_any_case_and_by_slug()
    {
        var email = $"{Guid.NewGuid():N}@query.test";
        var user = await fixture.InsertUserAsync(email);
        var (ws, slug) = await fixture.InsertWorkspaceAsync();

        Assert.Equal(user, await store.FindUserIdByEmailAsync(email.ToUpperInvariant(), default));
        Assert.Equal(ws, await store.FindWorkspaceIdBySlugAsync(slug, default));
        Assert.Null(await store.FindUserIdByEmailAsync("nobody-" + email, default));
        Assert.Null(await store.FindWorkspaceIdBySlugAsync(slug.ToUpperInvariant(), default));
    }

    [Fact]
    public async Task members_are_searched_literally_and_limited()
    {
        var (ws, _) = await fixture.InsertWorkspaceAsync();
        var alice = await fixture.InsertUserAsync($"alice_{Guid.NewGuid():N}@query.test");
        var bob = await fixture.InsertUserAsync($"bob{Guid.NewGuid():N}@query.test");
        await fixture.AddMemberAsync(ws, alice, "owner");
        await fixture.AddMemberAsync(ws, bob, "viewer");

        Assert.Equal(2, (await store.ListMembersAsync(ws, null, null, default)).Count);
        Assert.Single(await store.ListMembersAsync(ws, null, 1, default));
        Assert.Equal(alice, Assert.Single(await store.ListMembersAsync(ws, "ALICE_", null, default)).UserId);
        // "_" is a literal character, not a LIKE wildcard.
        Assert.Empty(await store.ListMembersAsync(ws, "bob_", null, default));
    }

    [Fact]
    public async Task a_users_workspaces_carry_their_role()
    {
        var user = await fixture.InsertUserAsync();
        var (ws, slug) = await fixture.InsertWorkspaceAsync();
        await fixture.AddMemberAsync(ws, user, "admin");

        var mine = Assert.Single(await store.ListUserWorkspacesAsync(user, default));

        Assert.Equal((slug, WorkspaceRole.Admin), (mine.Workspace.Slug, mine.Role));
    }

    [Fact]
    public async Task group_members_are_null_for_a_group_of_another_workspace()
    {
        var (ws, _) = await fixture.InsertWorkspaceAsync();
        var (other, _) = await fixture.InsertWorkspaceAsync();
        var group = await fixture.InsertNamedAsync("groups", ws, "g");
        var user = await fixture.InsertUserAsync();
        await fixture.ScalarAsync("INSERT INTO group_memberships (id, group_id, user_id) VALUES (@id, @g, @u)", ("id", Guid.NewGuid()), ("g", group), ("u", user));

        Assert.Equal(user, Assert.Single((await store.ListGroupMembersAsync(ws, group, default))!).UserId);
        Assert.Null(await store.ListGroupMembersAsync(other, group, default));
        Assert.Equal(group, Assert.Single(await store.ListGroupsAsync(ws, default)).Id);
    }
}
