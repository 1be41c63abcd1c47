using Sentinel.Grains.ServiceApps;
using Sentinel.Grains.Tests.Data;
using Xunit;

namespace Sentinel.Grains.Tests.ServiceApps;

[Collection(DatabaseCollection.Name)]
public sealed class ServiceAppStoreTests(DatabaseFixture fixture)
{
    private readonly ServiceAppStore store = fixture.Create<ServiceAppStore>();

    private static string NewHash() => ServiceKeys.Hash(ServiceKeys.NewKey());

    private async Task<(Guid Id, string Service, string Hash)> CreateAsync(string name = "svc app")
    {
        var (id, service, hash) = (Guid.NewGuid(), $"svc-{Guid.NewGuid():N}", NewHash());
        Assert.NotNull(await store.CreateAsync(id, name, service, hash, "sk_abcd****", ["https://svc.example"], ["aud"], null, default));
        return (id, service, hash);
    }

    [Fact]
    public async Task create_writes_the_row_and_service_app_created()
    {
        var (id, service, _) = await CreateAsync("Created");

        var app = await store.GetAsync(id, default);

        Assert.Equal(("Created", service, "sk_abcd****", true), (app!.Name, app.ServiceName, app.KeyPrefix, app.IsActive));
        Assert.Equal(["https://svc.example"], app.AllowedOrigins);
        Assert.Equal(["aud"], app.AllowedIdpAudiences);
        var row = Assert.Single(await fixture.ActivityAsync(id));
        Assert.Equal("service_app_created", row.Action);
        Assert.Equal(service, row.Detail!.Value.GetProperty("service_name").GetString());
    }

    [Fact]
    public async Task a_taken_service_name_returns_null_and_records_nothing()
    {
        var (_, service, _) = await CreateAsync();
        var second = Guid.NewGuid();

        Assert.Null(await store.CreateAsync(second, "again", service, NewHash(), "sk_x", [], [], null, default));

        Assert.Null(await store.GetAsync(second, default));
        Assert.Empty(await fixture.ActivityAsync(second));
    }

    [Fact]
    public async Task rotate_replaces_the_key_and_returns_the_old_hash()
    {
        var (id, _, oldHash) = await CreateAsync();
        var newHash = NewHash();

        var rotated = await store.RotateKeyAsync(id, newHash, "sk_new****", null, default);

        Assert.Equal(oldHash, rotated!.Value.OldKeyHash);
        Assert.Equal("sk_new****", rotated.Value.App.KeyPrefix);
        Assert.Null(await store.FindActiveByKeyHashAsync(oldHash, default));
        Assert.Equal(id, (await store.FindActiveByKeyHashAsync(newHash, default))!.Value.Identity.AppId);
        Assert.Equal(["service_app_created", "service_app_key_rotated"], (await fixture.ActivityAsync(id)).Select(r => r.Action));
    }

    [Fact]
    public async Task changes_to_an_unknown_app_return_null_and_record_nothing()
    {
        var id = Guid.NewGuid();

        Assert.Null(await store.RotateKeyAsync(id, NewHash(), "sk_x", null, default));
        Assert.Null(await store.UpdateAsync(id, "x", null, null, null, null, default));
        Assert.Null(await store.DeleteAsync(id, null, default));
        Assert.Empty(await fixture.ActivityAsync(id));
    }

    [Fact]
    public async Task update_applies_the_given_fields_and_returns_the_key_hash()
    {
        var (id, _, hash) = await CreateAsync("Before");

        var updated = await store.UpdateAsync(id, null, false, ["https://other.example"], null, null, default);

        Assert.Equal(hash, updated!.Value.KeyHash);
        Assert.Equal(("Before", false), (updated.Value.App.Name, updated.Value.App.IsActive));
        Assert.Equal(["https://other.example"], updated.Value.App.AllowedOrigins);
        Assert.Equal(["aud"], updated.Value.App.AllowedIdpAudiences);
        // An inactive app's key finds nothing.
        Assert.Null(await store.FindActiveByKeyHashAsync(hash, default));
        Assert.Equal("service_app_updated", (await fixture.ActivityAsync(id))[^1].Action);
    }

    [Fact]
    public async Task delete_returns_the_key_hash_and_service_name_and_records_both_names()
    {
        var (id, service, hash) = await CreateAsync("Doomed");

        var deleted = await store.DeleteAsync(id, null, default);

        Assert.Equal((hash, service), deleted);
        Assert.Null(await store.GetAsync(id, default));
        var row = (await fixture.ActivityAsync(id))[^1];
        Assert.Equal("service_app_deleted", row.Action);
        Assert.Equal("Doomed", row.Detail!.Value.GetProperty("name").GetString());
        Assert.Equal(service, row.Detail!.Value.GetProperty("service_name").GetString());
    }

    [Fact]
    public async Task key_lookup_returns_the_identity_and_the_stored_hash()
    {
        var (id, service, hash) = await CreateAsync();

        var found = await store.FindActiveByKeyHashAsync(hash, default);

        Assert.Equal(hash, found!.Value.StoredHash);
        Assert.Equal((id, service), (found.Value.Identity.AppId, found.Value.Identity.ServiceName));
        Assert.Equal(["https://svc.example"], found.Value.Identity.AllowedOrigins);
    }

    [Fact]
    public async Task recorded_use_only_moves_last_used_forward()
    {
        var (id, _, _) = await CreateAsync();
        var later = new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

        await store.RecordUseAsync(id, later, default);
        await store.RecordUseAsync(id, later.AddMinutes(-5), default);

        Assert.Equal(later, (await store.GetAsync(id, default))!.LastUsedAt);
    }

    [Fact]
    public async Task list_has_every_app_newest_first()
    {
        var (older, _, _) = await CreateAsync();
        var (newer, _, _) = await CreateAsync();

        var ids = (await store.ListAsync(default)).Select(a => a.Id).ToList();

        Assert.True(ids.IndexOf(newer) >= 0 && ids.IndexOf(newer) < ids.IndexOf(older));
    }
}
