using System.Security.Claims;
using Sentinel.Web.Providers;
using Sentinel.Web.SignIn;
using Xunit;

namespace Sentinel.Web.Tests.SignIn;

/// <summary>What a validated provider answer becomes (provider, subject, verified email), PKCE, and the app redirect.</summary>
public sealed class ExternalIdentitiesTests
{
    private const string Tenant = "0b3c6a49-2b8e-4a5e-9d3c-8f0f6a1b2c3d";
    private static readonly ProviderConfig Entra = new("entra_id", ProviderKind.OpenIdConnect, "Microsoft", "client", "secret", "https://login.microsoftonline.com/x/v2.0/.well-known/openid-configuration", ["openid"], Tenant);
    private static readonly ProviderConfig Dex = new("dex", ProviderKind.OpenIdConnect, "dex", "client", "secret", "http://127.0.0.1:9010/.well-known/openid-configuration", ["openid"]);
    private static readonly ProviderConfig GitHub = new("github", ProviderKind.GitHub, "GitHub", "client", "secret", null, ["read:user"]);

    private static ClaimsPrincipal Principal(params (string Type, string Value)[] claims) =>
        new(new ClaimsIdentity(claims.Select(c => new Claim(c.Type, c.Value)), "test"));

    [Fact]
    public void an_oidc_identity_is_verified_only_when_email_verified_is_true()
    {
        var yes = ExternalIdentities.From(Dex, Principal(("sub", "alice"), ("email", "alice@example.com"), ("email_verified", "true"), ("name", "<b>Alice</b>"), ("picture", "javascript:x")))!;
        var no = ExternalIdentities.From(Dex, Principal(("sub", "m"), ("email", "m@example.com"), ("email_verified", "false")))!;
        var absent = ExternalIdentities.From(Dex, Principal(("sub", "m"), ("email", "m@example.com")))!;

        Assert.True(yes.EmailVerified);
        Assert.Equal(("dex", "alice", "alice@example.com", "Alice", (string?)null), (yes.Provider, yes.Subject, yes.Email, yes.Name, yes.AvatarUrl));
        Assert.False(no.EmailVerified);
        Assert.False(absent.EmailVerified);
        Assert.Null(ExternalIdentities.From(Dex, Principal(("email", "x@example.com"))));
    }

    [Fact]
    public void entra_without_email_verified_trusts_the_email_of_the_configured_tenant_unless_xms_edov_is_false()
    {
        var trusted = ExternalIdentities.From(Entra, Principal(("sub", "s"), ("email", "a@contoso.com"), ("tid", Tenant)))!;
        var edovFalse = ExternalIdentities.From(Entra, Principal(("sub", "s"), ("email", "a@contoso.com"), ("tid", Tenant), ("xms_edov", "false")))!;
        var edovTrue = ExternalIdentities.From(Entra, Principal(("sub", "s"), ("email", "a@contoso.com"), ("tid", Tenant), ("xms_edov", "true")))!;
        var otherTenant = ExternalIdentities.From(Entra, Principal(("sub", "s"), ("email", "a@contoso.com"), ("tid", Guid.NewGuid().ToString())))!;
        var explicitFalse = ExternalIdentities.From(Entra, Principal(("sub", "s"), ("email", "a@contoso.com"), ("tid", Tenant), ("email_verified", "false")))!;
        var noEmail = ExternalIdentities.From(Entra, Principal(("sub", "s"), ("tid", Tenant)))!;

        Assert.True(trusted.EmailVerified);
        Assert.False(edovFalse.EmailVerified);
        Assert.True(edovTrue.EmailVerified);
        Assert.False(otherTenant.EmailVerified);
        Assert.False(explicitFalse.EmailVerified);
        Assert.False(noEmail.EmailVerified);
    }

    [Fact]
    public void a_github_identity_falls_back_to_the_login_for_its_name_and_keeps_its_canonical_subject()
    {
        var identity = ExternalIdentities.From(GitHub, Principal(("sub", "github|42"), ("login", "octocat"), ("email", "o@example.com"), ("email_verified", "true"),
            ("picture", "https://avatars.example/42")))!;

        Assert.Equal(("github|42", "octocat", "https://avatars.example/42", true), (identity.Subject, identity.Name, identity.AvatarUrl, identity.EmailVerified));
        Assert.Contains("\"login\":\"octocat\"", identity.ProviderData, StringComparison.Ordinal);
    }

    [Fact]
    public void pkce_s256_matches_the_rfc_7636_example_and_nothing_else()
    {
        Assert.True(Pkce.Verify("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
        Assert.False(Pkce.Verify("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXl", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
        Assert.False(Pkce.Verify("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c"));
        Assert.Equal(43, Pkce.NewCode().Length);
    }

    [Fact]
    public void the_code_and_state_are_appended_to_the_app_redirect_before_any_fragment()
    {
        Assert.Equal("https://app/cb?code=a%2Bb&state=s%20t", SignInEndpoints.WithQuery("https://app/cb", ("code", "a+b"), ("state", "s t")));
        Assert.Equal("https://app/cb?x=1&code=c", SignInEndpoints.WithQuery("https://app/cb?x=1", ("code", "c"), ("state", null)));
        Assert.Equal("https://app/cb?code=c#frag", SignInEndpoints.WithQuery("https://app/cb#frag", ("code", "c")));
    }
}
