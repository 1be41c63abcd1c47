using Sentinel.Grains.Authorization;
using Sentinel.Grains.Tests.Data;
using Xunit;

namespace Sentinel.Grains.Tests.Authorization;

/// <summary>The service-action catalog and the cross-workspace deletions against the real test database.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class ServiceActionStoreTests(DatabaseFixture fixture)
{
    private readonly ServiceActionStore store = fixture.Create<ServiceActionStore>();

    private static string Service() => $"svc-{Guid.NewGuid():N}";

    [Fact]
    public async Task register_inserts_new_actions_and_keeps_an_existing_description_unless_one_is_given()
    {
        var service = Service();
        await store.RegisterAsync(service, [new("read", "Read it"), new("write", "Write it")], default);

        var again = await store.RegisterAsync(service, [new("read", null), new("write", "Write, now"), new("delete", null)], default);

        Assert.Equal([("delete", true), ("read", false), ("write", false)], again.Select(r => (r.Info.Action, r.Inserted)).Order());
        Assert.Equal(["delete", "read", "write"], (await store.ListAsync(service, default)).Select(a => a.Action));
        Assert.Equal("Read it", again.Single(r => r.Info.Action == "read").Info.Description);
        Assert.Equal("Write, now", again.Single(r => r.Info.Action == "write").Info.Description);
    }

    [Fact]
    public async Task list_without_a_service_names_every_service()
    {
        var (first, second) = (Service(), Service());
        await store.RegisterAsync(first, [new("a", null)], default);
        await store.RegisterAsync(second, [new("a", null)], default);

        var all = await store.ListAsync(null, default);

        Assert.Contains(all, a => a.ServiceName == first);
        Assert.Contains(all, a => a.ServiceName == second);
    }

    [Fact]
    public async Task delete_returns_the_workspaces_whose_roles_granted_it_or_null_when_unknown()
    {
        var action = (await store.RegisterAsync(Service(), [new("read", null)], default))[0].Info.Id;
        var (ws, _) = await fixture.InsertWorkspaceAsync();
        var role = await fixture.InsertNamedAsync("roles", ws, "r");
        await fixture.ScalarAsync("INSERT INTO role_actions (id, role_id, service_action_id) VALUES (@id, @r, @a)", ("id", Guid.NewGuid()), ("r", role), ("a", action));
        var admin = await fixture.InsertUserAsync();

        var affected = await store.DeleteAsync(action, new Audit("service_action_deleted", admin), default);
        Assert.Equal([ws], affected!);
        Assert.Null(await store.DeleteAsync(action, new Audit("service_action_deleted", admin), default));
        Assert.Equal(0L, await fixture.ScalarAsync("SELECT count(*) FROM role_actions WHERE role_id = @id", ("id", role)));
        var row = Assert.Single(await fixture.ActivityAsync(action));
        Assert.Equal(("service_action_deleted", (Guid?)admin, "service_action"), (row.Action, row.ActorId, row.TargetType));
    }

    [Fact]
    public async Task purge_deletes_a_services_acls_everywhere_and_returns_their_workspaces()
    {
        var service = Service();
        var (first, _) = await fixture.InsertWorkspaceAsync();
        var (second, _) = await fixture.InsertWorkspaceAsync();
        foreach (var ws in new[] { first, first, second })
            await fixture.ScalarAsync("INSERT INTO resource_permissions (id, service_name, resource_type, resource_id, workspace_id) VALUES (@id, @s, 'doc', @r, @ws)",
                ("id", Guid.NewGuid()), ("s", service), ("r", Guid.NewGuid()), ("ws", ws));
        var admin = await fixture.InsertUserAsync();

        var deleted = await store.PurgeServicePermissionsAsync(service, new Audit("permissions_purged", admin), default);

        Assert.Equal(new[] { first, first, second }.Order(), deleted.Order());
        Assert.Equal(0L, await fixture.ScalarAsync("SELECT count(*) FROM resource_permissions WHERE service_name = @s", ("s", service)));
        Assert.Empty(await store.PurgeServicePermissionsAsync(service, null, default));
        var row = (await fixture.ActivityAsync(Guid.Empty)).Last(r => r.Action == "permissions_purged" && r.ActorId == admin);
        Assert.Equal(3, row.Detail!.Value.GetProperty("deleted_count").GetInt32());
    }
}
