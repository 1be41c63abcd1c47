using Sentinel.Grains.Authorization;
using Sentinel.Grains.Tests.Data;
using Xunit;

namespace Sentinel.Grains.Tests.Authorization;

/// <summary>The authorization edge's lookups against the real test database.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class AuthorizationLookupStoreTests(DatabaseFixture fixture)
{
    private readonly AuthorizationLookupStore store = fixture.Create<AuthorizationLookupStore>();

    /// <summary>A service app row; its id.</summary>
    internal static async Task<Guid> InsertServiceAppAsync(DatabaseFixture fixture, string[] origins, bool active = true, DateTimeOffset? createdAt = null)
    {
        var id = Guid.NewGuid();
        await fixture.ScalarAsync(
            "INSERT INTO service_apps (id, name, service_name, key_hash, key_prefix, is_active, allowed_origins, created_at) " +
            "VALUES (@id, 'lookup', @service, @hash, 'sk_test', @active, @origins, @created)",
            ("id", id), ("service", $"svc-{id:N}"), ("hash", id.ToString("N") + id.ToString("N")[..32]), ("active", active), ("origins", origins),
            ("created", createdAt ?? DateTimeOffset.UtcNow));
        return id;
    }

    private static string Origin() => $"https://{Guid.NewGuid():N}.lookup.test";

    [Fact]
    public async Task an_acl_is_found_by_id_and_by_name_with_its_workspace()
    {
        var (ws, _) = await fixture.InsertWorkspaceAsync();
        var (permission, resource) = (Guid.NewGuid(), new ResourceRef($"svc-{Guid.NewGuid():N}", "doc", Guid.NewGuid()));
        await fixture.ScalarAsync("INSERT INTO resource_permissions (id, service_name, resource_type, resource_id, workspace_id) VALUES (@id, @s, @t, @r, @ws)",
            ("id", permission), ("s", resource.ServiceName), ("t", resource.ResourceType), ("r", resource.ResourceId), ("ws", ws));

        var expected = new ResourceLocation(permission, ws, resource.ServiceName);
        Assert.Equal(expected, await store.FindPermissionAsync(permission, default));
        Assert.Equal(expected, await store.FindResourceAsync(resource, default));
        Assert.Null(await store.FindPermissionAsync(Guid.NewGuid(), default));
        Assert.Null(await store.FindResourceAsync(resource with { ResourceType = "sheet" }, default));
    }

    [Fact]
    public async Task the_oldest_active_app_listing_an_origin_wins()
    {
        var origin = Origin();
        var now = DateTimeOffset.UtcNow;
        await InsertServiceAppAsync(fixture, [origin], active: false, createdAt: now.AddHours(-2));
        var oldest = await InsertServiceAppAsync(fixture, [origin], createdAt: now.AddHours(-1));
        await InsertServiceAppAsync(fixture, [origin], createdAt: now);

        Assert.Equal(oldest, (await store.FindServiceByOriginAsync(origin, default))!.AppId);
        Assert.Null(await store.FindServiceByOriginAsync(Origin(), default));
    }

    [Fact]
    public async Task redirect_origins_come_from_active_service_apps_and_client_redirect_uris()
    {
        var (service, client, inactive) = (Origin(), Origin(), Origin());
        await InsertServiceAppAsync(fixture, [service.ToUpperInvariant()]);
        await fixture.ScalarAsync("INSERT INTO client_apps (id, name, redirect_uris) VALUES (@id, 'c', @uris)", ("id", Guid.NewGuid()), ("uris", new[] { client.ToUpperInvariant() + "/callback?x=1" }));
        await fixture.ScalarAsync("INSERT INTO client_apps (id, name, redirect_uris, is_active) VALUES (@id, 'c', @uris, false)", ("id", Guid.NewGuid()), ("uris", new[] { inactive + "/cb" }));

        Assert.True(await store.IsAllowedRedirectOriginAsync(service, default));
        Assert.True(await store.IsAllowedRedirectOriginAsync(client, default));
        Assert.False(await store.IsAllowedRedirectOriginAsync(inactive, default));
        // A pattern is compared as text, never as a LIKE wildcard.
        Assert.False(await store.IsAllowedRedirectOriginAsync("https://%.lookup.test", default));
    }
}
