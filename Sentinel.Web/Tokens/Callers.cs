using System.Text.Json;
using Sentinel.Grains.Sessions;
using Sentinel.Web.Infrastructure.Cluster;
using Sentinel.Web.Infrastructure.Errors;
using Sentinel.Web.RateLimiting;

namespace Sentinel.Web.Tokens;

/// <summary>A caller authenticated by a bearer token (access, or authz where the scheme allows it).</summary>
public sealed record BearerCaller(
    VerifiedToken Token,
    Guid UserId,
    Guid WorkspaceId,
    string WorkspaceSlug,
    string WorkspaceRole,
    IReadOnlyList<Guid> Groups,
    string Email,
    string Name)
{
    public TokenKind Kind => Token.Kind;
}

/// <summary>Verifies bearer tokens the way the contract's bearer schemes do (strict: access tokens only; flexible: access or authz tokens) and checks revocation in the user's grain.</summary>
public sealed class BearerAuthenticator(TokenService tokens, GrainCalls calls)
{
    private const string Prefix = "Bearer ";

    /// <summary>Strict bearer: access tokens only.</summary>
    public Task<BearerCaller> StrictAsync(HttpContext context) => AuthenticateAsync(context, allowAuthz: false);

    /// <summary>Flexible bearer: access tokens, or authz tokens when a valid service key of the same service comes with them.</summary>
    public async Task<BearerCaller> FlexibleAsync(HttpContext context, Func<Task<string?>> validServiceName)
    {
        var service = await validServiceName();
        return await AuthenticateAsync(context, allowAuthz: service is not null, service);
    }

    private async Task<BearerCaller> AuthenticateAsync(HttpContext context, bool allowAuthz, string? serviceName = null)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith(Prefix, StringComparison.Ordinal) || header.Length == Prefix.Length)
            throw ApiException.Unauthorized("Missing Bearer token", ErrorCodes.MissingToken);
        var raw = header[Prefix.Length..].Trim();
        if (raw.Length > TokenService.MaxTokenLength)
            throw ApiException.Unauthorized("Token too large", ErrorCodes.TokenTooLarge);

        var check = await tokens.VerifyAsync(raw, TokenKind.Access);
        if (check is not TokenCheck.Valid && allowAuthz)
        {
            var authz = await tokens.VerifyAsync(raw, TokenKind.Authz);
            // An authz token's `svc` claim must name the service the key belongs to.
            if (authz is TokenCheck.Valid valid && valid.Token.Claim("svc") == serviceName) check = authz;
        }
        var token = check switch
        {
            TokenCheck.Valid v => v.Token,
            TokenCheck.WrongType => throw ApiException.Unauthorized("Invalid token type", ErrorCodes.InvalidTokenType),
            _ => throw ApiException.Unauthorized("Invalid or expired token", ErrorCodes.InvalidToken),
        };

        var wid = token.Claim("wid");
        var wrole = token.Claim("wrole");
        if (!Guid.TryParse(wid, out var workspaceId) || string.IsNullOrEmpty(wrole))
            throw ApiException.Unauthorized("Token missing required claims", ErrorCodes.MissingClaims);

        var status = await calls.RunIdempotentAsync((grains, ct) =>
            grains.GetGrain<IUserSessionGrain>(token.Subject).CheckAsync(token.Ref, ct), context.RequestAborted);
        if (status == TokenStatus.Revoked) throw ApiException.Unauthorized("Token has been revoked", ErrorCodes.TokenRevoked);
        if (status == TokenStatus.Deactivated) throw ApiException.Unauthorized("User account is deactivated", ErrorCodes.UserDeactivated);

        var groups = token.Token.TryGetPayloadValue<JsonElement>("groups", out var g) && g.ValueKind == JsonValueKind.Array
            ? g.EnumerateArray().Select(e => Guid.TryParse(e.GetString(), out var id) ? id : Guid.Empty).Where(id => id != Guid.Empty).ToArray()
            : [];
        var caller = new BearerCaller(token, token.Subject, workspaceId, token.Claim("wslug") ?? "", wrole, groups,
            token.Claim("email") ?? "", token.Claim("name") ?? "");
        context.Features.Set(caller);
        // Per-user tiers (read, admin write, sensitive) are keyed by this user once the token verified.
        context.SetRateLimitPrincipal(RateLimiting.RateLimitPrincipal.User(caller.UserId));
        return caller;
    }
}

/// <summary>Binds the strict-bearer caller into a handler parameter: <c>(StrictBearer caller, …)</c>.</summary>
public sealed record StrictBearer(BearerCaller Caller)
{
    public static async ValueTask<StrictBearer?> BindAsync(HttpContext context) =>
        new(await context.RequestServices.GetRequiredService<BearerAuthenticator>().StrictAsync(context));
}
