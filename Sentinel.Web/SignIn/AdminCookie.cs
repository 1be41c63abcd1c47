using Sentinel.Grains.Directory;
using Sentinel.Grains.Sessions;
using Sentinel.Web.Infrastructure.Cluster;
using Sentinel.Web.Infrastructure.Errors;
using Sentinel.Web.RateLimiting;
using Sentinel.Web.Tokens;

namespace Sentinel.Web.SignIn;

/// <summary>An admin authenticated by the <c>admin_token</c> cookie, with the user as stored now (not as the token says).</summary>
public sealed record AdminCaller(VerifiedToken Token, UserProfile User)
{
    public Guid UserId => User.Id;
}

/// <summary>
/// The admin-cookie scheme (an admin token, not revoked) for <c>/auth/admin/*</c> and <c>/admin/*</c>: on unsafe methods the CSRF header and a
/// source-origin check (below), an admin token that verifies and is not revoked, and (unlike the original, which trusted the token for its hour) a user who is still
/// active and still an admin, re-read through <see cref="IUserGrain"/> on every request, so demotion or deactivation
/// applies at once.
/// </summary>
public sealed class AdminCookieAuthenticator(TokenService tokens, GrainCalls calls, SignInSettings settings)
{
    public const string CookieName = "admin_token";
    public const string CsrfHeader = "X-Requested-With";

    private readonly HashSet<string> trustedOrigins = TrustedOrigins(settings);

    public async Task<AdminCaller> AuthenticateAsync(HttpContext context)
    {
        var request = context.Request;
        if (IsUnsafe(request.Method))
        {
            if (string.IsNullOrWhiteSpace(request.Headers[CsrfHeader]))
                throw ApiException.Forbidden("Missing X-Requested-With header", ErrorCodes.CsrfHeaderMissing);
            if (!IsFromTrustedSource(request))
                throw ApiException.Forbidden("Cross-origin request refused", ErrorCodes.CsrfOriginMismatch);
        }
        if (request.Cookies[CookieName] is not { Length: > 0 } raw)
            throw ApiException.Unauthorized("Not authenticated", ErrorCodes.NotAuthenticated);
        if (raw.Length > TokenService.MaxTokenLength)
            throw ApiException.Unauthorized("Token too large", ErrorCodes.TokenTooLarge);
        if (await tokens.VerifyAsync(raw, TokenKind.Admin) is not TokenCheck.Valid { Token: var token })
            throw ApiException.Unauthorized("Invalid or expired token", ErrorCodes.InvalidToken);
        if (!token.Token.TryGetPayloadValue<bool>("admin", out var admin) || !admin)
            throw ApiException.Forbidden("Not an admin", ErrorCodes.NotAdmin);

        var statusTask = calls.RunAsync((g, ct) => g.GetGrain<IUserSessionGrain>(token.Subject).CheckAsync(token.Ref, ct), context.RequestAborted);
        var userTask = calls.RunAsync((g, ct) => g.GetGrain<IUserGrain>(token.Subject).GetAsync(ct), context.RequestAborted);
        var status = await statusTask;
        var user = await userTask;
        if (status == TokenStatus.Deactivated || user is { IsActive: false })
            throw ApiException.Unauthorized("User account is deactivated", ErrorCodes.UserDeactivated);
        if (user is null) throw ApiException.Unauthorized("Invalid or expired token", ErrorCodes.InvalidToken);
        // Demotion through the admin API also revokes the user's tokens; the demoted admin is told why (403), not just 401.
        if (!user.IsAdmin) throw ApiException.Forbidden("Not an admin", ErrorCodes.NotAdmin);
        if (status == TokenStatus.Revoked) throw ApiException.Unauthorized("Token has been revoked", ErrorCodes.TokenRevoked);

        var caller = new AdminCaller(token, user);
        context.Features.Set(caller);
        // The admin tiers (admin write, sensitive) are per user (docs/rate-limiting.md).
        context.SetRateLimitPrincipal(RateLimitPrincipal.User(caller.UserId));
        return caller;
    }

    /// <summary>
    /// OWASP's "verify origin with standard headers", the second CSRF defence beside <see cref="CsrfHeader"/> (whose only
    /// strength is the browser's preflight). Refused: <c>Sec-Fetch-Site: cross-site</c>, and an <c>Origin</c> that is
    /// neither the panel's (<c>ADMIN_URL</c>) nor the API's (<c>BASE_URL</c>), <c>null</c> included. A request with neither
    /// header is no browser's cross-site request (browsers send <c>Origin</c> on every cross-origin write), so it passes.
    /// </summary>
    private bool IsFromTrustedSource(HttpRequest request)
    {
        if (string.Equals(request.Headers["Sec-Fetch-Site"].ToString().Trim(), "cross-site", StringComparison.OrdinalIgnoreCase)) return false;
        var origin = request.Headers.Origin;
        if (origin.Count == 0) return true;
        return origin.Count == 1 && OriginOf(origin.ToString()) is { } normalized && trustedOrigins.Contains(normalized);
    }

    /// <summary>
    /// The origins of <c>ADMIN_URL</c> and <c>BASE_URL</c>. With <c>DEBUG=true</c>, a loopback one also in its other
    /// loopback spellings (same scheme and port), since the host check accepts all three there (issue 15) and a browser
    /// names the panel by the host it was opened with.
    /// </summary>
    private static HashSet<string> TrustedOrigins(SignInSettings settings)
    {
        var origins = new HashSet<string>(StringComparer.Ordinal);
        foreach (var url in new[] { settings.AdminUrl, settings.BaseUrl })
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || OriginOf(url) is not { } origin) continue;
            origins.Add(origin);
            if (settings.Debug && Infrastructure.Conventions.SecuritySettings.LoopbackHosts.Contains(uri.Host, StringComparer.OrdinalIgnoreCase))
                foreach (var host in Infrastructure.Conventions.SecuritySettings.LoopbackHosts)
                    if (OriginOf($"{uri.Scheme}://{host}:{uri.Port}") is { } loopback) origins.Add(loopback);
        }
        return origins;
    }

    /// <summary><c>scheme://host[:port]</c> in lower case with the default port left out, or null for anything that is not an http(s) origin.</summary>
    private static string? OriginOf(string value)
    {
        if (!Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")) return null;
        if (uri.UserInfo.Length > 0 || uri.PathAndQuery != "/" || uri.Fragment.Length > 0) return null;
        return uri.IsDefaultPort ? $"{uri.Scheme}://{uri.Host}".ToLowerInvariant() : $"{uri.Scheme}://{uri.Host}:{uri.Port}".ToLowerInvariant();
    }

    private static bool IsUnsafe(string method) => !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method));
}

/// <summary>Binds the admin-cookie caller into a handler parameter: <c>(AdminSession admin, …)</c>. Unsafe methods also need the CSRF header.</summary>
public sealed record AdminSession(AdminCaller Caller)
{
    public static async ValueTask<AdminSession?> BindAsync(HttpContext context) =>
        new(await context.RequestServices.GetRequiredService<AdminCookieAuthenticator>().AuthenticateAsync(context));
}

/// <summary>Writes and deletes the <c>admin_token</c> cookie with the contract's attributes (docs/sessions.md, "Admin sign-in").</summary>
public static class AdminCookies
{
    /// <summary>Fixed by the contract, independent of <c>ADMIN_TOKEN_EXPIRE_MINUTES</c>.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromHours(1);

    private static CookieOptions Options(SignInSettings settings) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = settings.CookieSecure,
        Path = "/",
        IsEssential = true,
    };

    public static void Append(HttpResponse response, string token, SignInSettings settings)
    {
        var options = Options(settings);
        options.MaxAge = MaxAge;
        response.Cookies.Append(AdminCookieAuthenticator.CookieName, token, options);
    }

    public static void Delete(HttpResponse response, SignInSettings settings) =>
        response.Cookies.Delete(AdminCookieAuthenticator.CookieName, Options(settings));
}
