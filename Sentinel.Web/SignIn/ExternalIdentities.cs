using System.Security.Claims;
using System.Text.Json;
using Sentinel.Grains.Directory;
using Sentinel.Web.Providers;
using Sentinel.Web.Validation;

namespace Sentinel.Web.SignIn;

/// <summary>Turns what a provider's handler validated into the identity the resolver grain takes (<c>IIdentityResolverGrain</c> states the linking rules).</summary>
public static class ExternalIdentities
{
    public static ExternalIdentity? From(ProviderConfig provider, ClaimsPrincipal principal)
    {
        string? Claim(string type) => principal.FindFirst(type)?.Value is { Length: > 0 } v ? v : null;

        var subject = Claim(ExternalClaims.Subject);
        if (subject is null) return null;
        var email = Claim(ExternalClaims.Email)?.Trim();
        var verifiedClaim = Claim(ExternalClaims.EmailVerified);
        var verified = bool.TryParse(verifiedClaim, out var flag) && flag;
        if (provider.Id == "entra_id" && verifiedClaim is null)
        {
            // Entra ID often omits email_verified. Single tenant: trust the email for our own tenant (the handler already
            // checked the issuer), unless Entra says the domain owner did not verify it (xms_edov=false).
            var tenant = Claim(ExternalClaims.TenantId);
            var edov = Claim(ExternalClaims.EntraEmailDomainOwnerVerified);
            // ENTRA_TENANT_ID may be a domain name rather than the tenant's GUID; the issuer check pins the tenant anyway.
            var ourTenant = !Guid.TryParse(provider.EntraTenantId, out var configured) || (Guid.TryParse(tenant, out var tokenTenant) && tokenTenant == configured);
            verified = email is not null && ourTenant
                && !(edov is not null && (edov == "0" || (bool.TryParse(edov, out var e) && !e)));
        }
        if (email is null || !Emails.IsValid(email)) verified = false;

        var login = Claim(ExternalClaims.Login);
        var name = SafeText.Clean(Claim(ExternalClaims.Name)) is { Length: > 0 } n ? n : SafeText.Clean(login) ?? "";
        if (name.Length > 255) name = name[..255];
        var avatar = SafeText.HttpUrl(Claim(ExternalClaims.Picture));
        var data = new Dictionary<string, string>();
        if (login is not null) data["login"] = login;
        if (Claim("iss") is { } iss) data["iss"] = iss;
        if (Claim(ExternalClaims.TenantId) is { } tid) data["tid"] = tid;
        return new ExternalIdentity(provider.Id, subject, email ?? "", verified, name, avatar, data.Count == 0 ? null : JsonSerializer.Serialize(data));
    }
}
