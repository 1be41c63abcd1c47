using Sentinel.Grains.ClientApps;
using Sentinel.Grains.Tests.Data;
using Xunit;

namespace Sentinel.Grains.Tests.ClientApps;

[Collection(DatabaseCollection.Name)]
public sealed class ClientAppStoreTests(DatabaseFixture fixture)
{
    private readonly ClientAppStore store = fixture.Create<ClientAppStore>();

    private static string Uri(string what) => $"https://{what}-{Guid.NewGuid():N}.example/callback";

    [Fact]
    public async Task create_writes_the_row_and_client_app_created()
    {
        var id = Guid.NewGuid();
        var actor = await fixture.InsertUserAsync();
        var uri = Uri("create");

        var app = await store.CreateAsync(id, "Create", [uri], actor, default);

        Assert.NotNull(app);
        Assert.Equal((id, "Create", true, actor), (app.Id, app.Name, app.IsActive, app.CreatedBy));
        Assert.Equal([uri], app.RedirectUris);
        Assert.Equivalent(app, await store.GetAsync(id, default), strict: true);
        var row = Assert.Single(await fixture.ActivityAsync(id));
        Assert.Equal(("client_app_created", actor), (row.Action, row.ActorId));
        Assert.Equal("Create", row.Detail!.Value.GetProperty("name").GetString());
    }

    [Fact]
    public async Task create_with_a_taken_id_returns_null_and_records_nothing_more()
    {
        var id = Guid.NewGuid();
        await store.CreateAsync(id, "First", [], null, default);

        Assert.Null(await store.CreateAsync(id, "Second", [], null, default));

        Assert.Equal("First", (await store.GetAsync(id, default))!.Name);
        Assert.Single(await fixture.ActivityAsync(id));
    }

    [Fact]
    public async Task update_applies_only_the_given_fields()
    {
        var id = Guid.NewGuid();
        var uri = Uri("update");
        await store.CreateAsync(id, "Before", [uri], null, default);

        var updated = await store.UpdateAsync(id, null, null, false, withSessionHolders: false, default);

        Assert.NotNull(updated);
        Assert.Equal(("Before", false), (updated.Value.App.Name, updated.Value.App.IsActive));
        Assert.Equal([uri], updated.Value.App.RedirectUris);
        Assert.Empty(updated.Value.SessionHolders);
        Assert.Null(await store.UpdateAsync(Guid.NewGuid(), "x", null, null, false, default));
    }

    [Fact]
    public async Task update_lists_the_users_who_started_sessions_through_the_app()
    {
        var id = Guid.NewGuid();
        await store.CreateAsync(id, "Holders", [], null, default);
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        foreach (var user in new[] { a, b })
            await fixture.ScalarAsync("INSERT INTO client_app_sessions (client_app_id, user_id) VALUES (@app, @user)", ("app", id), ("user", user));

        var updated = await store.UpdateAsync(id, "Renamed", null, null, withSessionHolders: true, default);

        Assert.Equal("Renamed", updated!.Value.App.Name);
        Assert.Equal(new[] { a, b }.Order(), updated.Value.SessionHolders.Order());
    }

    [Fact]
    public async Task recorded_update_carries_the_revoked_count()
    {
        var id = Guid.NewGuid();

        await store.RecordUpdatedAsync(id, "Named", 3, null, default);

        var row = Assert.Single(await fixture.ActivityAsync(id));
        Assert.Equal("client_app_updated", row.Action);
        Assert.Equal(3, row.Detail!.Value.GetProperty("tokens_revoked").GetInt32());
        Assert.Equal("Named", row.Detail!.Value.GetProperty("name").GetString());
    }

    [Fact]
    public async Task delete_removes_the_row_and_records_its_name()
    {
        var id = Guid.NewGuid();
        await store.CreateAsync(id, "Doomed", [], null, default);

        Assert.True(await store.DeleteAsync(id, null, default));
        Assert.False(await store.DeleteAsync(id, null, default));

        Assert.Null(await store.GetAsync(id, default));
        var rows = await fixture.ActivityAsync(id);
        Assert.Equal(["client_app_created", "client_app_deleted"], rows.Select(r => r.Action));
        Assert.Equal("Doomed", rows[1].Detail!.Value.GetProperty("name").GetString());
    }

    [Fact]
    public async Task list_has_every_app_newest_first()
    {
        var (older, newer) = (Guid.NewGuid(), Guid.NewGuid());
        await store.CreateAsync(older, "Older", [], null, default);
        await store.CreateAsync(newer, "Newer", [], null, default);

        var ids = (await store.ListAsync(default)).Select(a => a.Id).ToList();

        Assert.True(ids.IndexOf(newer) >= 0 && ids.IndexOf(newer) < ids.IndexOf(older));
    }

    [Fact]
    public async Task redirect_lookup_finds_only_active_apps_and_honours_the_app_id()
    {
        var uri = Uri("lookup");
        var (first, second) = (Guid.NewGuid(), Guid.NewGuid());
        await store.CreateAsync(first, "First", [uri], null, default);
        await store.CreateAsync(second, "Second", [uri], null, default);

        Assert.Equal(first, (await store.FindActiveForRedirectAsync(uri, null, default))!.Id);
        Assert.Equal(new(second, "Second"), await store.FindActiveForRedirectAsync(uri, second, default));
        await store.UpdateAsync(first, null, null, false, false, default);
        Assert.Equal(second, (await store.FindActiveForRedirectAsync(uri, null, default))!.Id);
        Assert.Null(await store.FindActiveForRedirectAsync(uri, first, default));
        Assert.Null(await store.FindActiveForRedirectAsync(Uri("unknown"), null, default));
    }
}
