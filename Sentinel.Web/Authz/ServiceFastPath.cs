using Sentinel.Grains.Authorization;
using Sentinel.Web.Auth;
using Sentinel.Web.Errors;
using Sentinel.Web.Tokens;

namespace Sentinel.Web.Authz;

/// <summary>
/// One grain call for the hottest service routes (<c>/permissions/check</c>, <c>/roles/check-action</c>). The edge
/// verifies the bearer locally, then <see cref="IAuthorizationGatewayGrain"/> resolves the key, checks revocation and
/// answers, inside the cluster. Whenever the request is not the plain case (no key, a bearer that does not verify, a
/// body that fails validation), the handler takes the ordinary path instead, which produces the contract's error in the
/// contract's order; so both paths answer every request the same way.
/// </summary>
public static class ServiceFastPath
{
    /// <summary>The locally verified credentials, or null when the ordinary path must decide.</summary>
    public static async Task<ServiceCredentials?> TryCredentialsAsync(HttpContext context, TokenService tokens)
    {
        var key = context.Request.Headers[ServiceKeyAuthenticator.Header].ToString();
        if (key.Length is 0 or > 256 || !key.StartsWith(Sentinel.Grains.ServiceApps.ServiceKeys.Prefix, StringComparison.Ordinal)) return null;
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal)) return null;
        var raw = header["Bearer ".Length..].Trim();
        if (raw.Length is 0 or > TokenService.MaxTokenLength) return null;

        var verdicts = context.RequestServices.GetRequiredService<BearerVerdicts>();
        if (verdicts.Find(raw) is not { } bearer)
        {
            var check = await tokens.VerifyAsync(raw, TokenKind.Access);
            if (check is not TokenCheck.Valid) check = await tokens.VerifyAsync(raw, TokenKind.Authz);
            if (check is not TokenCheck.Valid { Token: var token }) return null;
            if (!Guid.TryParse(token.Claim("wid"), out var workspaceId) || token.Claim("wrole") is not { Length: > 0 } role) return null;
            bearer = new BearerVerdicts.Bearer(token.Kind, token.Subject, token.Jti, token.IssuedAt, token.ExpiresAt, workspaceId, role,
                token.Kind == TokenKind.Authz ? token.Claim("svc") ?? "" : null, token.SessionId, token.MintedUnder);
            verdicts.Remember(raw, bearer);
        }
        // The service-key principal step resolved the key already (this replica's verdicts); the gateway then skips that call.
        return new ServiceCredentials(Sentinel.Grains.ServiceApps.ServiceKeys.Hash(key), bearer.Subject, bearer.Jti, bearer.IssuedAt, bearer.WorkspaceId, bearer.Role,
            bearer.Service, context.Features.Get<Sentinel.Grains.ServiceApps.ServiceKeyIdentity>()?.ServiceName, bearer.SessionId, bearer.MintedUnder);
    }

    /// <summary>The same status, detail and code the ordinary path gives for each refusal.</summary>
    public static IResult Refusal(ServiceCallRefusal refusal, string? detail, string crossWorkspaceDetail) => refusal switch
    {
        ServiceCallRefusal.InvalidKey => ApiErrors.Result(401, "Invalid or missing service API key", ErrorCodes.InvalidServiceKey),
        ServiceCallRefusal.TokenServiceMismatch => ApiErrors.Result(401, "Invalid or expired token", ErrorCodes.InvalidToken),
        ServiceCallRefusal.TokenRevoked => ApiErrors.Result(401, "Token has been revoked", ErrorCodes.TokenRevoked),
        ServiceCallRefusal.UserDeactivated => ApiErrors.Result(401, "User account is deactivated", ErrorCodes.UserDeactivated),
        ServiceCallRefusal.ServiceNotAuthorized => ApiErrors.Result(403, $"Service key is not authorized for service '{detail}'", ErrorCodes.ServiceNotAuthorized),
        _ => ApiErrors.Result(403, crossWorkspaceDetail, ErrorCodes.CrossWorkspace),
    };
}
