using Sentinel.Grains.Authorization;
using Sentinel.Web.Tokens;
using Sentinel.Web.Infrastructure.Errors;

namespace Sentinel.Web.Authorization;

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
        var span = header.AsSpan("Bearer ".Length).Trim();
        if (span.Length is 0 or > TokenService.MaxTokenLength) return null;

        // Looked up by the header's characters: the token (~700 characters) is copied into a string of its own only when
        // this replica has not verified it yet.
        var verdicts = context.RequestServices.GetRequiredService<BearerVerdicts>();
        if (verdicts.Find(span) is not { } bearer)
        {
            var raw = span.ToString();
            var check = await tokens.VerifyAsync(raw, TokenKind.Access);
            if (check is not TokenCheck.Valid) check = await tokens.VerifyAsync(raw, TokenKind.Authz);
            if (check is not TokenCheck.Valid { Token: var token }) return null;
            if (!Guid.TryParse(token.Claim("wid"), out var workspaceId) || token.Claim("wrole") is not { Length: > 0 } role) return null;
            bearer = new BearerVerdicts.Bearer(token.Kind, token.Subject, token.Jti, token.IssuedAt, token.ExpiresAt, workspaceId, role,
                token.Kind == TokenKind.Authz ? token.Claim("svc") ?? "" : null, token.SessionId, token.MintedUnder);
            verdicts.Remember(raw, bearer);
        }
        // The service-key principal step resolved the key already (this replica's verdicts); the gateway then skips that
        // call and the key's hash is not needed (it is computed only when the gateway must resolve the key itself).
        var known = context.Features.Get<Sentinel.Grains.ServiceApps.ServiceKeyIdentity>()?.ServiceName;
        return new ServiceCredentials(known is null ? Sentinel.Grains.ServiceApps.ServiceKeys.Hash(key) : "", bearer.Subject, bearer.Jti, bearer.IssuedAt,
            bearer.WorkspaceId, bearer.Role, bearer.Service, known, bearer.SessionId, bearer.MintedUnder);
    }

    /// <summary>
    /// The caller for the workspace grain's direct check when every refusal but revocation is already settled here, in
    /// the contract's order: the key is valid (this replica's verdict names its service), an authz token's <c>svc</c> is
    /// that service, every service the request names is that service, and the request's workspace is the token's. Then
    /// the only refusals left are revoked and deactivated, which the workspace grain asks of the session grain in the
    /// same call, so a check is one edge-to-silo call with no gateway hop. Otherwise null: the gateway decides.
    /// </summary>
    public static CheckCaller? Direct(ServiceCredentials credentials, IReadOnlyList<AclCheck> checks)
    {
        if (!Settled(credentials, null) || checks.Count == 0) return null;
        foreach (var check in checks)
        {
            if (!string.Equals(check.Resource.ServiceName, credentials.KnownService, StringComparison.Ordinal)) return null;
        }
        return Caller(credentials);
    }

    /// <summary><see cref="Direct(ServiceCredentials, IReadOnlyList{AclCheck})"/> for one service and a requested workspace.</summary>
    public static CheckCaller? Direct(ServiceCredentials credentials, string serviceName, Guid workspaceId) =>
        Settled(credentials, workspaceId) && string.Equals(serviceName, credentials.KnownService, StringComparison.Ordinal) ? Caller(credentials) : null;

    private static bool Settled(ServiceCredentials c, Guid? workspaceId) =>
        c.KnownService is { } service
        && (c.AuthzService is null || string.Equals(c.AuthzService, service, StringComparison.Ordinal))
        && (workspaceId is null || workspaceId == c.WorkspaceId);

    private static CheckCaller Caller(ServiceCredentials c) =>
        new(c.UserId, c.TokenRole, new Sentinel.Grains.Sessions.TokenRef(c.Jti, c.IssuedAt, c.SessionId, c.MintedUnder));

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
