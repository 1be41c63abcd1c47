using Sentinel.Testing.IdentityProviders;
using Xunit;

namespace Sentinel.Web.Tests.Authorization;

/// <summary>
/// The edge and a test cluster configured with two real identity providers on loopback: the local OpenID Connect
/// provider as the generic provider <see cref="OidcProvider"/>, and the fake GitHub.
/// </summary>
public sealed class AuthzFixture : IAsyncLifetime
{
    public const string OidcProvider = "corp-oidc";

    public OidcProviderFixture Oidc { get; private set; } = null!;
    public FakeGitHub GitHub { get; private set; } = null!;
    public SentinelWebApplication App { get; private set; } = null!;

    /// <summary>The provider's own client id: the audience when a service lists none.</summary>
    public string ClientId => Oidc.Options.Clients[0].ClientId;

    public async Task InitializeAsync()
    {
        Oidc = await OidcProviderFixture.StartAsync();
        GitHub = await FakeGitHub.StartAsync();
        var settings = Oidc.SentinelEnvironment(OidcProvider);
        foreach (var (key, value) in GitHub.SentinelEnvironment()) settings[key] = value;
        settings["ADMIN_EMAILS"] = "authz-admin@example.com";
        App = new SentinelWebApplication { Settings = settings };
        await App.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)App).DisposeAsync();
        await GitHub.DisposeAsync();
        await Oidc.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class AuthzCollection : ICollectionFixture<AuthzFixture>
{
    public const string Name = "authz";
}
