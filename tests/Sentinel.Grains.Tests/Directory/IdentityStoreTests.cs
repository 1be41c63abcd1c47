using Sentinel.Grains.Directory;
using Sentinel.Grains.Tests.Data;
using Xunit;

namespace Sentinel.Grains.Tests.Directory;

[Collection(DatabaseCollection.Name)]
public sealed class IdentityStoreTests(DatabaseFixture fixture)
{
    private readonly IdentityStore store = fixture.Create<IdentityStore>();

    private static ExternalIdentity Identity(string provider = "google", string? email = null, string name = "Signed In") =>
        new(provider, Guid.NewGuid().ToString("N"), email ?? $"{Guid.NewGuid():N}@idp.test", true, name, null, null);

    [Fact]
    public async Task a_new_identity_creates_the_user_and_link_and_records_both_rows()
    {
        var identity = Identity();

        var resolved = await store.ResolveAsync(identity, UnknownIdentityPolicy.Create, false, "user_login", "203.0.113.9", default);

        Assert.Equal((true, true, (IdentityRefusal?)null), (resolved.Created, resolved.Linked, resolved.Refusal));
        Assert.Equal(identity.Email, resolved.User!.Email);
        Assert.Equal(["user_created", "user_login"], (await fixture.ActivityAsync(resolved.User.Id)).Select(r => r.Action).Order());
        Assert.Equal(1L, await fixture.ScalarAsync("SELECT count(*) FROM social_accounts WHERE user_id = @u", ("u", resolved.User.Id)));
    }

    [Fact]
    public async Task a_known_identity_finds_its_user_and_refreshes_the_name()
    {
        var identity = Identity();
        var first = await store.ResolveAsync(identity, UnknownIdentityPolicy.Create, false, null, null, default);

        var again = await store.ResolveAsync(identity with { Name = "New Name" }, UnknownIdentityPolicy.Create, false, null, null, default);

        Assert.Equal(first.User!.Id, again.User!.Id);
        Assert.Equal((false, false, "New Name"), (again.Created, again.Linked, again.User.Name));
    }

    [Fact]
    public async Task github_subjects_are_found_with_or_without_the_prefix()
    {
        var bare = Random.Shared.NextInt64(1, long.MaxValue).ToString();
        var identity = Identity("github") with { Subject = bare };
        var first = await store.ResolveAsync(identity, UnknownIdentityPolicy.Create, false, null, null, default);

        var prefixed = await store.ResolveAsync(identity with { Subject = "github|" + bare }, UnknownIdentityPolicy.Create, false, null, null, default);

        Assert.Equal(first.User!.Id, prefixed.User!.Id);
        Assert.Equal("github|" + bare, await fixture.ScalarAsync("SELECT provider_user_id FROM social_accounts WHERE user_id = @u", ("u", first.User.Id)));
    }

    [Fact]
    public async Task a_pre_provisioned_email_is_claimed_but_never_one_linked_to_another_provider()
    {
        var email = $"{Guid.NewGuid():N}@idp.test";
        var provisioned = await fixture.InsertUserAsync(email.ToUpperInvariant());

        var claimed = await store.ResolveAsync(Identity("google", email), UnknownIdentityPolicy.Create, false, null, null, default);
        var other = await store.ResolveAsync(Identity("github", email), UnknownIdentityPolicy.Create, false, null, null, default);

        Assert.Equal((provisioned, false, true), (claimed.User!.Id, claimed.Created, claimed.Linked));
        Assert.Equal(IdentityRefusal.EmailLinkedElsewhere, other.Refusal);
        Assert.Null(other.User);
    }

    [Fact]
    public async Task create_only_if_admin_refuses_an_unknown_non_admin_and_writes_nothing()
    {
        var identity = Identity();

        var refused = await store.ResolveAsync(identity, UnknownIdentityPolicy.CreateOnlyIfAdmin, false, "admin_login", null, default);
        var admin = await store.ResolveAsync(identity, UnknownIdentityPolicy.CreateOnlyIfAdmin, true, "admin_login", null, default);

        Assert.Equal(IdentityRefusal.NotEligible, refused.Refusal);
        Assert.True(admin.Created);
        Assert.True(admin.User!.IsAdmin);
        Assert.Equal(1L, await fixture.ScalarAsync("SELECT count(*) FROM users WHERE lower(email) = lower(@e)", ("e", identity.Email)));
    }
}
