using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Sentinel.Web.Authz;
using Sentinel.Web.Providers;
using Xunit;

namespace Sentinel.Web.Tests.Authz;

/// <summary>
/// The email rules applied to a token that already verified (docs/authorization.md, "Authz mode"), for the providers no
/// local server stands in for: Entra ID trusts a missing <c>email_verified</c> unless <c>xms_edov</c> is false; everyone
/// else needs it true.
/// </summary>
public sealed class IdpClaimsTests
{
    private static readonly ProviderConfig Entra = new("entra_id", ProviderKind.OpenIdConnect, "Microsoft", "entra-client", "s", "https://login.microsoftonline.com/t/v2.0/.well-known/openid-configuration", ["openid"], "t");
    private static readonly ProviderConfig Google = new("google", ProviderKind.OpenIdConnect, "Google", "google-client", "s", "https://accounts.google.com/.well-known/openid-configuration", ["openid"]);

    private static JsonWebToken Token(object claims)
    {
        static string Part(object o) => Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(o))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return new JsonWebToken($"{Part(new { alg = "none", typ = "JWT" })}.{Part(claims)}.");
    }

    [Fact]
    public void entra_without_email_verified_is_trusted_unless_xms_edov_is_false()
    {
        var trusted = IdpTokenValidator.Claims(Entra, Token(new { sub = "s1", email = "a@contoso.example", name = "<b>Ann</b>" }));
        var identity = Assert.IsType<IdpCheck.Valid>(trusted).Identity;
        Assert.Equal("entra_id", identity.Provider);
        Assert.Equal("s1", identity.Subject);
        Assert.Equal("Ann", identity.Name);
        Assert.True(identity.EmailVerified);

        Assert.IsType<IdpCheck.Valid>(IdpTokenValidator.Claims(Entra, Token(new { sub = "s1", email = "a@contoso.example", xms_edov = true })));
        var refused = Assert.IsType<IdpCheck.Refused>(IdpTokenValidator.Claims(Entra, Token(new { sub = "s1", email = "a@contoso.example", xms_edov = false })));
        Assert.Equal("Email not verified", refused.Detail);
        Assert.IsType<IdpCheck.Refused>(IdpTokenValidator.Claims(Entra, Token(new { sub = "s1", email = "a@contoso.example", email_verified = false })));
    }

    [Fact]
    public void google_needs_email_verified_true_as_boolean_or_string()
    {
        Assert.IsType<IdpCheck.Refused>(IdpTokenValidator.Claims(Google, Token(new { sub = "g", email = "g@gmail.example" })));
        Assert.IsType<IdpCheck.Refused>(IdpTokenValidator.Claims(Google, Token(new { sub = "g", email = "g@gmail.example", email_verified = false })));
        Assert.IsType<IdpCheck.Valid>(IdpTokenValidator.Claims(Google, Token(new { sub = "g", email = "g@gmail.example", email_verified = true })));
        Assert.IsType<IdpCheck.Valid>(IdpTokenValidator.Claims(Google, Token(new { sub = "g", email = "g@gmail.example", email_verified = "true" })));
    }

    [Fact]
    public void missing_email_or_subject_is_an_invalid_token_and_avatars_must_be_http()
    {
        var noEmail = Assert.IsType<IdpCheck.Refused>(IdpTokenValidator.Claims(Google, Token(new { sub = "g", email_verified = true })));
        Assert.Equal("Invalid token: missing sub or email claim", noEmail.Detail);
        Assert.IsType<IdpCheck.Refused>(IdpTokenValidator.Claims(Google, Token(new { email = "g@gmail.example", email_verified = true })));
        var withAvatar = Assert.IsType<IdpCheck.Valid>(IdpTokenValidator.Claims(Google, Token(new { sub = "g", email = "g@gmail.example", email_verified = true, picture = "javascript:alert(1)" })));
        Assert.Null(withAvatar.Identity.AvatarUrl);
    }
}
