using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Sentinel.Client;

/// <summary>
/// Authz mode (Sentinel.Client/README.md): <c>Authorization: Bearer &lt;IdP token&gt;</c> checked against the IdP's JWKS (by kid; audience
/// only when <see cref="SentinelOptions.IdpAudience"/> is set), plus <c>X-Authz-Token</c> checked against Sentinel's
/// (issuer <c>BaseUrl</c>, <c>aud=sentinel:authz</c>, RS256). The two are one user only when the authz token's
/// <c>idp_sub</c> equals the IdP token's <c>sub</c>; an authz token minted for another service (<c>svc</c>) is refused,
/// closing the cross-service replay the original allowed. The user is the authz token's <c>sub</c>, <c>wid</c>, <c>wslug</c>,
/// <c>wrole</c> and <c>actions</c>, with email and name from the IdP token; groups are empty.
/// </summary>
internal sealed class SentinelAuthzHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions, ILoggerFactory logger, UrlEncoder encoder,
    IOptions<SentinelOptions> sentinel, SentinelKeys keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, logger, encoder)
{
    private static readonly JsonWebTokenHandler Tokens = new() { MapInboundClaims = false };

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var authorization = Request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal)) return AuthenticateResult.NoResult();
        var idpToken = authorization["Bearer ".Length..].Trim();
        var authzToken = Request.Headers[SentinelDefaults.AuthzTokenHeader].ToString();
        if (authzToken.Length == 0) return AuthenticateResult.Fail("Missing X-Authz-Token header");
        var settings = sentinel.Value;

        TokenValidationResult authz, idp;
        try
        {
            authz = await ValidateAsync(authzToken, keys.Sentinel, settings.Origin, SentinelDefaults.AuthzAudience, settings);
            idp = await ValidateAsync(idpToken, keys.Idp, issuer: null, settings.IdpAudience, settings);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or HttpRequestException)
        {
            // The metadata or keys could not be fetched: not the caller's fault.
            return AuthenticateResult.Fail(SentinelException.Unavailable(ex));
        }
        if (!authz.IsValid) return AuthenticateResult.Fail("Invalid authz token");
        if (!idp.IsValid) return AuthenticateResult.Fail("Invalid identity provider token");

        var a = (JsonWebToken)authz.SecurityToken;
        var i = (JsonWebToken)idp.SecurityToken;
        if (!a.TryGetPayloadValue<string>("type", out var type) || type != "authz") return AuthenticateResult.Fail("Invalid token type");
        if (!a.TryGetPayloadValue<string>("idp_sub", out var idpSub) || string.IsNullOrEmpty(i.Subject)
            || !string.Equals(idpSub, i.Subject, StringComparison.Ordinal))
            return AuthenticateResult.Fail("Authz token does not belong to this identity");
        if (settings.ServiceName is { } service && (!a.TryGetPayloadValue<string>("svc", out var svc) || svc != service))
            return AuthenticateResult.Fail("Authz token was issued for another service");
        if (!Guid.TryParse(a.Subject, out _) || !Guid.TryParse(a.GetPayloadValue<string>("wid"), out _)
            || !a.TryGetPayloadValue<string>("wrole", out _))
            return AuthenticateResult.Fail("Token missing required claims");

        var claims = new List<Claim>
        {
            new("sub", a.Subject),
            new("wid", a.GetPayloadValue<string>("wid")),
            new("wslug", a.TryGetPayloadValue<string>("wslug", out var slug) ? slug : ""),
            new("wrole", a.GetPayloadValue<string>("wrole")),
            new("idp_sub", idpSub),
            new("email", i.TryGetPayloadValue<string>("email", out var email) ? email : ""),
            new("name", i.TryGetPayloadValue<string>("name", out var name) ? name : ""),
        };
        if (a.TryGetPayloadValue<string>("svc", out var s)) claims.Add(new Claim("svc", s));
        if (a.TryGetPayloadValue<string[]>("actions", out var actions)) claims.AddRange(actions.Select(x => new Claim("actions", x)));

        Context.Items[SentinelUser.TokenItem] = authzToken;
        var revoked = await SentinelRevocation.CheckAsync(Context, authzToken);
        if (revoked is not null) return AuthenticateResult.Fail(revoked);

        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme.Name, "name", "wrole"));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
    }

    private async Task<TokenValidationResult> ValidateAsync(string token, ConfigurationManager<OpenIdConnectConfiguration> manager, string? issuer, string? audience, SentinelOptions settings)
    {
        var configuration = await manager.GetConfigurationAsync(Context.RequestAborted);
        var parameters = new TokenValidationParameters
        {
            ValidIssuer = issuer ?? configuration.Issuer,
            ValidateAudience = audience is not null,
            ValidAudience = audience,
            IssuerSigningKeys = configuration.SigningKeys,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            ClockSkew = settings.ClockSkew,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            TryAllIssuerSigningKeys = false,
        };
        var result = await Tokens.ValidateTokenAsync(token, parameters);
        if (result.Exception is SecurityTokenSignatureKeyNotFoundException)
        {
            // A key this app has not seen (a rotation): fetch the keys again (at most every UnknownKeyRefreshInterval) and retry once.
            manager.RequestRefresh();
            configuration = await manager.GetConfigurationAsync(Context.RequestAborted);
            parameters.IssuerSigningKeys = configuration.SigningKeys;
            result = await Tokens.ValidateTokenAsync(token, parameters);
        }
        return result;
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        if (result.Failure is SentinelException ex)
        {
            await SentinelProblem.WriteAsync(Response, ex.StatusCode, ex.Detail, ex.Code);
            return;
        }
        await SentinelProblem.WriteAsync(Response, 401, result.Failure?.Message ?? "Missing Bearer token", "invalid_token");
    }
}
