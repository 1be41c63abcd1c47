using Sentinel.Grains.Directory;
using Sentinel.Grains.Sessions;
using Sentinel.Web.Cluster;
using Sentinel.Web.Errors;
using Sentinel.Web.RateLimiting;
using Sentinel.Web.SignIn;
using Sentinel.Web.Tokens;

namespace Sentinel.Web.Auth;

/// <summary>An admin authenticated by the <c>admin_token</c> cookie, with the user as stored now (not as the token says).</summary>
public sealed record AdminCaller(VerifiedToken Token, UserProfile User)
{
    public Guid UserId => User.Id;
}

/// <summary>
/// The admin-cookie scheme (§1.4) for <c>/auth/admin/*</c> and <c>/admin/*</c>: the CSRF header on unsafe methods, an
/// admin token that verifies and is not revoked, and (fixing D8) a user who is still active and still an admin,
/// re-read through <see cref="IUserGrain"/> on every request, so demotion or deactivation applies at once.
/// </summary>
public sealed class AdminCookieAuthenticator(TokenService tokens, GrainCalls calls)
{
    public const string CookieName = "admin_token";
    public const string CsrfHeader = "X-Requested-With";

    public async Task<AdminCaller> AuthenticateAsync(HttpContext context)
    {
        var request = context.Request;
        if (IsUnsafe(request.Method) && string.IsNullOrWhiteSpace(request.Headers[CsrfHeader]))
            throw ApiException.Forbidden("Missing X-Requested-With header", ErrorCodes.CsrfHeaderMissing);
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
        // The admin tiers (admin write, sensitive) are per user (§8.5).
        context.SetRateLimitPrincipal(RateLimitPrincipal.User(caller.UserId));
        return caller;
    }

    private static bool IsUnsafe(string method) => !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method));
}

/// <summary>Binds the admin-cookie caller into a handler parameter: <c>(AdminSession admin, …)</c>. Unsafe methods also need the CSRF header.</summary>
public sealed record AdminSession(AdminCaller Caller)
{
    public static async ValueTask<AdminSession?> BindAsync(HttpContext context) =>
        new(await context.RequestServices.GetRequiredService<AdminCookieAuthenticator>().AuthenticateAsync(context));
}

/// <summary>Writes and deletes the <c>admin_token</c> cookie with the contract's attributes (§1.4).</summary>
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
