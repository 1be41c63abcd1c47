using Sentinel.Grains.Directory;
using Sentinel.Grains.Tests.Data;
using Xunit;

namespace Sentinel.Grains.Tests.Directory;

[Collection(DatabaseCollection.Name)]
public sealed class WorkspaceDirectoryStoreTests(DatabaseFixture fixture)
{
    private readonly WorkspaceDirectoryStore store = fixture.Create<WorkspaceDirectoryStore>();

    private static string Slug() => $"ws-{Guid.NewGuid():N}";

    private Task<object?> CountAsync(string sql, Guid id) => fixture.ScalarAsync(sql, ("id", id));

    private async Task<Guid> CreateAsync(Guid owner)
    {
        var id = Guid.NewGuid();
        Assert.True((await store.CreateAsync(id, "WS", Slug(), null, owner, default)).IsOk);
        return id;
    }

    [Fact]
    public async Task create_writes_the_workspace_its_owner_and_workspace_created()
    {
        var owner = await fixture.InsertUserAsync();
        var (id, slug) = (Guid.NewGuid(), Slug());

        var created = await store.CreateAsync(id, "Created", slug, "about", owner, default);

        Assert.True(created.IsOk);
        Assert.Equal((id, slug, "about", owner), (created.Value.Workspace.Id, created.Value.Workspace.Slug, created.Value.Workspace.Description, created.Value.Workspace.CreatedBy));
        Assert.Equal((owner, WorkspaceRole.Owner), (created.Value.Owner.UserId, created.Value.Owner.Role));
        var row = Assert.Single(await fixture.ActivityAsync(id));
        Assert.Equal(("workspace_created", owner, (Guid?)id), (row.Action, row.ActorId, row.WorkspaceId));
    }

    [Fact]
    public async Task a_taken_slug_is_refused_and_records_nothing()
    {
        var owner = await fixture.InsertUserAsync();
        var slug = Slug();
        await store.CreateAsync(Guid.NewGuid(), "First", slug, null, owner, default);
        var second = Guid.NewGuid();

        Assert.Equal(DirectoryError.SlugTaken, (await store.CreateAsync(second, "Second", slug, null, owner, default)).Error);
        Assert.Empty(await fixture.ActivityAsync(second));
    }

    [Fact]
    public async Task an_unknown_owner_fails_on_created_by_and_leaves_no_row()
    {
        var id = Guid.NewGuid();

        // workspaces.created_by references users: the insert itself fails (a server fault, as before the move).
        var failed = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => store.CreateAsync(id, "Orphan", Slug(), null, Guid.NewGuid(), default));

        Assert.Equal("workspaces_created_by_fkey", failed.ConstraintName);
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM workspaces WHERE id = @id", id));
        Assert.Empty(await fixture.ActivityAsync(id));
    }

    [Fact]
    public async Task update_and_load_see_the_new_fields_and_an_unknown_workspace_is_null()
    {
        var owner = await fixture.InsertUserAsync();
        var id = await CreateAsync(owner);

        var updated = await store.UpdateAsync(id, owner, "Renamed", null, descriptionSet: true, default);
        await using var connection = await fixture.Database.OpenConnectionAsync();
        var loaded = await store.LoadAsync(connection, id, default);

        Assert.Equal(("Renamed", (string?)null), (updated!.Name, updated.Description));
        Assert.Equal(updated, loaded.Workspace);
        Assert.Equal(owner, Assert.Single(loaded.Members).UserId);
        Assert.Null(await store.UpdateAsync(Guid.NewGuid(), owner, "x", null, false, default));
        Assert.Null((await store.LoadAsync(connection, Guid.NewGuid(), default)).Workspace);
    }

    [Fact]
    public async Task adding_a_member_returns_their_row_or_user_not_found()
    {
        var owner = await fixture.InsertUserAsync();
        var id = await CreateAsync(owner);
        var user = await fixture.InsertUserAsync();

        var added = await store.AddMemberAsync(id, owner, user, WorkspaceRole.Editor, new { role = "editor" }, default);
        var unknown = await store.AddMemberAsync(id, owner, Guid.NewGuid(), WorkspaceRole.Viewer, new { role = "viewer" }, default);

        Assert.Equal((user, WorkspaceRole.Editor, $"{user:N}@stores.test"), (added.Value.Membership.UserId, added.Value.Membership.Role, added.Value.User.Email));
        Assert.Equal(DirectoryError.UserNotFound, unknown.Error);
        var row = Assert.Single(await fixture.ActivityAsync(user));
        Assert.Equal(("member_invited", "editor"), (row.Action, row.Detail!.Value.GetProperty("role").GetString()));
    }

    [Fact]
    public async Task removing_a_member_takes_their_groups_and_roles_in_the_workspace()
    {
        var owner = await fixture.InsertUserAsync();
        var id = await CreateAsync(owner);
        var user = await fixture.InsertUserAsync();
        await store.AddMemberAsync(id, owner, user, WorkspaceRole.Viewer, new { }, default);
        var group = (await store.CreateGroupAsync(id, owner, "g", null, default))!;
        Assert.True(await store.AddGroupMemberAsync(id, owner, group.Id, user, default));
        var role = await fixture.InsertNamedAsync("roles", id, "r");
        await fixture.ScalarAsync("INSERT INTO user_roles (id, user_id, role_id) VALUES (@id, @u, @r)", ("id", Guid.NewGuid()), ("u", user), ("r", role));

        await store.RemoveMemberAsync(id, owner, user, default);

        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM workspace_memberships WHERE user_id = @id", user));
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM group_memberships WHERE user_id = @id", user));
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM user_roles WHERE user_id = @id", user));
        Assert.Equal("member_removed", (await fixture.ActivityAsync(user))[^1].Action);
    }

    [Fact]
    public async Task groups_refuse_a_taken_name_and_a_second_add_of_the_same_member()
    {
        var owner = await fixture.InsertUserAsync();
        var id = await CreateAsync(owner);
        var group = (await store.CreateGroupAsync(id, owner, "team", "d", default))!;

        Assert.Null(await store.CreateGroupAsync(id, owner, "team", null, default));
        Assert.True(await store.AddGroupMemberAsync(id, owner, group.Id, owner, default));
        Assert.False(await store.AddGroupMemberAsync(id, owner, group.Id, owner, default));
        Assert.Single(await fixture.ActivityAsync(owner), r => r.Action == "group_member_added");
        Assert.Equal("renamed", (await store.UpdateGroupAsync(id, owner, group.Id, "renamed", null, false, default))!.Name);
        Assert.Null(await store.UpdateGroupAsync(Guid.NewGuid(), owner, group.Id, "elsewhere", null, false, default));

        await using var connection = await fixture.Database.OpenConnectionAsync();
        var loaded = await store.LoadAsync(connection, id, default);
        Assert.Equal((group.Id, owner), Assert.Single(loaded.GroupMembers));

        await store.DeleteGroupAsync(id, owner, group, default);
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM groups WHERE id = @id", group.Id));
        Assert.Equal(["group_created", "group_updated", "group_deleted"], (await fixture.ActivityAsync(group.Id)).Select(r => r.Action));
    }

    [Fact]
    public async Task delete_removes_the_workspace_and_records_its_name()
    {
        var owner = await fixture.InsertUserAsync();
        var id = await CreateAsync(owner);
        await using var connection = await fixture.Database.OpenConnectionAsync();
        var workspace = (await store.LoadAsync(connection, id, default)).Workspace!;

        await store.DeleteAsync(workspace, owner, default);

        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM workspaces WHERE id = @id", id));
        var row = (await fixture.ActivityAsync(id))[^1];
        Assert.Equal(("workspace_deleted", (Guid?)null, workspace.Slug), (row.Action, row.WorkspaceId, row.Detail!.Value.GetProperty("slug").GetString()));
        Assert.Empty(await store.ListMembershipsAsync(id, default));
    }
}
