using Sentinel.Grains.Directory;
using Sentinel.Grains.Tests.Data;
using Xunit;

namespace Sentinel.Grains.Tests.Directory;

/// <summary>The workspace grain's directory half with its real store on the test database.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class WorkspaceGrainTests(DatabaseFixture fixture)
{
    private async Task<(IWorkspaceGrain Grain, Guid Owner, Actor Actor)> CreateAsync()
    {
        var owner = await fixture.InsertUserAsync();
        var grain = fixture.Grains.GetGrain<IWorkspaceGrain>(Guid.NewGuid());
        Assert.True((await grain.CreateAsync("WS", $"ws-{Guid.NewGuid():N}", null, owner, default)).IsOk);
        return (grain, owner, new Actor(owner, "owner"));
    }

    [Fact]
    public async Task a_taken_slug_is_refused_with_slug_taken()
    {
        var (first, owner, _) = await CreateAsync();
        var slug = (await first.GetAsync(default))!.Slug;

        var second = await fixture.Grains.GetGrain<IWorkspaceGrain>(Guid.NewGuid()).CreateAsync("Again", slug, null, owner, default);

        Assert.Equal(DirectoryError.SlugTaken, second.Error);
    }

    [Fact]
    public async Task invite_finds_users_by_email_and_refuses_unknown_and_existing_members()
    {
        var (grain, _, actor) = await CreateAsync();
        var user = await fixture.InsertUserAsync();

        var invited = await grain.InviteAsync(actor, $"{user:N}@STORES.test", WorkspaceRole.Editor, default);
        var again = await grain.InviteAsync(actor, $"{user:N}@stores.test", WorkspaceRole.Editor, default);
        var unknown = await grain.InviteAsync(actor, $"{Guid.NewGuid():N}@stores.test", WorkspaceRole.Editor, default);

        Assert.Equal((user, WorkspaceRole.Editor), (invited.Value!.UserId, invited.Value.Role));
        Assert.Equal(DirectoryError.AlreadyMember, again.Error);
        Assert.Equal(DirectoryError.UserNotFound, unknown.Error);
        Assert.Equal(WorkspaceRole.Editor, await grain.GetRoleAsync(user, default));
        // The activity row keeps only the email's domain.
        Assert.Equal("***@STORES.test", Assert.Single(await fixture.ActivityAsync(user)).Detail!.Value.GetProperty("email").GetString());
    }

    [Fact]
    public async Task the_last_owner_stays_and_a_removed_member_leaves_their_groups()
    {
        var (grain, owner, actor) = await CreateAsync();
        var user = await fixture.InsertUserAsync();
        await grain.AddMemberAsync(actor, user, WorkspaceRole.Viewer, default);
        var group = (await grain.CreateGroupAsync(actor, "team", null, default)).Value!;
        Assert.True((await grain.AddGroupMemberAsync(actor, group.Id, user, default)).IsOk);

        Assert.Equal(DirectoryError.LastOwnerRemove, (await grain.RemoveMemberAsync(actor, owner, default)).Error);
        Assert.True((await grain.RemoveMemberAsync(actor, user, default)).IsOk);

        Assert.Null(await grain.GetRoleAsync(user, default));
        Assert.Empty(await grain.GetUserGroupsAsync(user, default));
        Assert.Equal(0L, await fixture.ScalarAsync("SELECT count(*) FROM group_memberships WHERE user_id = @u", ("u", user)));
    }

    [Fact]
    public async Task groups_refuse_a_taken_name_and_a_second_member_add()
    {
        var (grain, owner, actor) = await CreateAsync();
        var group = (await grain.CreateGroupAsync(actor, "team", null, default)).Value!;

        Assert.Equal(DirectoryError.GroupNameTaken, (await grain.CreateGroupAsync(actor, "team", null, default)).Error);
        Assert.True((await grain.AddGroupMemberAsync(actor, group.Id, owner, default)).IsOk);
        Assert.Equal(DirectoryError.AlreadyGroupMember, (await grain.AddGroupMemberAsync(actor, group.Id, owner, default)).Error);
        Assert.Equal([group.Id], await grain.GetUserGroupsAsync(owner, default));
        Assert.Equal("renamed", (await grain.UpdateGroupAsync(actor, group.Id, "renamed", null, false, default)).Value!.Name);
        Assert.True((await grain.DeleteGroupAsync(actor, group.Id, default)).IsOk);
        Assert.Empty(await grain.GetUserGroupsAsync(owner, default));
    }

    [Fact]
    public async Task role_change_update_and_delete_reach_the_tables()
    {
        var (grain, owner, actor) = await CreateAsync();
        var user = await fixture.InsertUserAsync();
        await grain.AddMemberAsync(actor, user, WorkspaceRole.Viewer, default);
        var id = (await grain.GetAsync(default))!.Id;

        Assert.Equal(WorkspaceRole.Admin, (await grain.ChangeRoleAsync(actor, user, WorkspaceRole.Admin, default)).Value!.Role);
        Assert.Equal("admin", await fixture.ScalarAsync("SELECT role FROM workspace_memberships WHERE workspace_id = @ws AND user_id = @u", ("ws", id), ("u", user)));
        Assert.Equal("New name", (await grain.UpdateAsync(actor, "New name", null, false, default)).Value!.Name);
        Assert.True((await grain.DeleteAsync(actor, default)).IsOk);

        Assert.Null(await grain.GetAsync(default));
        Assert.Equal(0L, await fixture.ScalarAsync("SELECT count(*) FROM workspaces WHERE id = @id", ("id", id)));
    }

    [Fact]
    public async Task reload_members_picks_up_rows_written_outside_the_grain()
    {
        var (grain, _, _) = await CreateAsync();
        var id = (await grain.GetAsync(default))!.Id;
        var user = await fixture.InsertUserAsync();
        await fixture.AddMemberAsync(id, user, "editor");

        Assert.Null(await grain.GetRoleAsync(user, default));
        Assert.Equal(2, await grain.ReloadMembersAsync(default));
        Assert.Equal(WorkspaceRole.Editor, await grain.GetRoleAsync(user, default));
    }
}
