using System.Net;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Sentinel.Grains.Directory;
using Sentinel.Grains.RateLimiting;
using Sentinel.Grains.Sessions;
using Sentinel.Web.Tokens;
using Sentinel.Web.Infrastructure.Cluster;
using Sentinel.Web.Infrastructure.Errors;
using Sentinel.Web.RateLimiting;
using Sentinel.Web.Infrastructure.Forwarding;

namespace Sentinel.Web.SignIn;

/// <summary>Admin sign-in (docs/sessions.md): login, callback, a same-site landing step, <c>me</c> and logout.</summary>
public static partial class AdminSignInEndpoints
{
    public const string LandingPath = "/auth/admin/landing";

    public static RouteGroupBuilder MapAdminSignInEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/auth/admin");
        // RATE_LIMIT_AUTH_ADMIN, per IP and route (docs/rate-limiting.md).
        group.MapGet("/login/{provider}", LoginAsync).WithRateLimitTier(RateLimitTier.AuthAdmin);
        group.MapGet("/callback/{provider}", CallbackAsync).WithRateLimitTier(RateLimitTier.AuthAdmin);
        group.MapGet("/landing", Landing);
        group.MapGet("/me", Me);
        group.MapPost("/logout", LogoutAsync);
        return group;
    }

    public static async Task<IResult> LoginAsync(string provider, HttpContext context, [AsParameters] SignInEndpoints.Deps deps)
    {
        if (deps.Providers.Find(provider) is null) return NotConfigured(provider);
        return await SignInEndpoints.ChallengeAsync(context, ProviderSchemes.Admin(provider), new AuthenticationProperties(), deps.Logger, provider);
    }

    public static async Task<IResult> CallbackAsync(string provider, HttpContext context, [AsParameters] SignInEndpoints.Deps deps, TokenService tokens)
    {
        var config = deps.Providers.Find(provider);
        if (config is null) return NotConfigured(provider);
        var settings = deps.Settings;
        var logger = deps.Logger;

        var outcome = await RemoteSignIn.HandleCallbackAsync(context, ProviderSchemes.Admin(provider));
        void Count(string result) => deps.Metrics.SignIn(provider, "admin", result);
        switch (outcome)
        {
            case RemoteOutcome.Denied:
                Count("denied");
                return Results.Redirect($"{settings.AdminUrl}/login?error=access_denied");
            case RemoteOutcome.Failed failed:
                LogFailed(logger, provider, failed.Reason);
                Count("failed");
                return ApiErrors.Result(failed.Protocol ? 400 : 500, "Authentication failed", ErrorCodes.AuthenticationFailed);
        }
        var signed = (RemoteOutcome.Signed)outcome;

        var identity = ExternalIdentities.From(config, signed.Principal);
        if (identity is null)
        {
            Count("failed");
            return ApiErrors.Result(500, "Authentication failed", ErrorCodes.AuthenticationFailed);
        }
        if (!identity.EmailVerified)
        {
            Count(ErrorCodes.EmailNotVerified);
            return Refuse(settings, ErrorCodes.EmailNotVerified, logger, provider);
        }

        // Eligibility before any account exists: an unknown identity is created only for ADMIN_EMAILS.
        var ip = ClientAddress.Of(context);
        var resolution = await deps.Calls.RunAsync((g, ct) => g.GetGrain<IIdentityResolverGrain>(0)
            .ResolveAsync(identity, UnknownIdentityPolicy.CreateOnlyIfAdmin, settings.IsAdminEmail(identity.Email), null, ip, ct), context.RequestAborted);
        if (resolution.Refusal == IdentityRefusal.EmailNotVerified)
        {
            Count(ErrorCodes.EmailNotVerified);
            return Refuse(settings, ErrorCodes.EmailNotVerified, logger, provider);
        }
        if (resolution.User is not { IsAdmin: true, IsActive: true } user)
        {
            Count(ErrorCodes.NotAdmin);
            return Refuse(settings, ErrorCodes.NotAdmin, logger, provider);
        }

        await deps.Calls.RunAsync(async (g, ct) =>
        {
            await g.GetGrain<ISignInAuditGrain>(0).RecordAsync("admin_login", user.Id, new Dictionary<string, string?> { ["provider"] = provider, ["ip"] = ip }, ct);
            return true;
        }, context.RequestAborted);
        // Read after the sign-in decision: a revocation of this user from now on refuses the token (rvk), an earlier one never does.
        var revocation = await deps.Calls.RunAsync((g, ct) => g.GetGrain<IUserSessionGrain>(user.Id).GetRevocationAsync(ct), context.RequestAborted);
        var (token, _, _) = tokens.Mint(TokenKind.Admin, user.Id, p =>
        {
            p["email"] = user.Email;
            p["name"] = user.Name;
            p["admin"] = true;
        }, revocation: revocation);
        AdminCookies.Append(context.Response, token, settings);
        LogAdminSignedIn(logger, user.Id, provider);
        Count("success");
        context.Response.Headers.CacheControl = "no-store";
        return Results.Redirect(settings.BaseUrl + LandingPath);
    }

    /// <summary>
    /// The provider's redirect makes the callback a cross-site navigation, so the SameSite=Strict cookie it sets is not
    /// sent on a redirect chained to it. This page, loaded from our own site, navigates on to the panel: a same-site
    /// navigation, which carries the cookie, so the panel's first request already sees the admin signed in.
    /// </summary>
    public static IResult Landing(SignInSettings settings) => new LandingPage(settings.AdminUrl + "/");

    public static IResult Me(AdminSession admin) =>
        Results.Json(new { id = admin.Caller.User.Id, email = admin.Caller.User.Email, name = admin.Caller.User.Name });

    public static async Task<IResult> LogoutAsync(AdminSession admin, HttpContext context, GrainCalls calls, SignInSettings settings, Infrastructure.Hosting.SentinelMetrics metrics)
    {
        var token = admin.Caller.Token;
        await calls.RunAsync(async (g, ct) =>
        {
            await g.GetGrain<IUserSessionGrain>(token.Subject).DenyTokenAsync(token.Jti, token.ExpiresAt, ct);
            return true;
        }, context.RequestAborted);
        metrics.Revoked("admin_logout");
        AdminCookies.Delete(context.Response, settings);
        context.Response.Headers["Clear-Site-Data"] = "\"cookies\", \"storage\"";
        return Results.Json(new { ok = true });
    }

    private static IResult NotConfigured(string provider) =>
        ApiErrors.Result(400, $"Provider '{provider}' is not configured", ErrorCodes.ProviderNotConfigured);

    private static IResult Refuse(SignInSettings settings, string error, ILogger logger, string provider)
    {
        LogRefused(logger, provider, error);
        return Results.Redirect($"{settings.AdminUrl}/login?error={error}");
    }

    private sealed class LandingPage(string target) : IResult
    {
        public Task ExecuteAsync(HttpContext context)
        {
            var href = WebUtility.HtmlEncode(target);
            var html = $"""
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url={href}"><title>Signed in</title></head>
                <body><p>Signed in. <a href="{href}">Continue to the admin panel</a>.</p></body></html>
                """;
            var bytes = Encoding.UTF8.GetBytes(html);
            context.Response.ContentType = "text/html; charset=utf-8";
            context.Response.ContentLength = bytes.Length;
            context.Response.Headers.ContentSecurityPolicy = HtmlCard.ContentSecurityPolicy;
            context.Response.Headers.CacheControl = "no-store";
            return context.Response.Body.WriteAsync(bytes, context.RequestAborted).AsTask();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Admin sign-in: user {UserId} via {Provider}")]
    private static partial void LogAdminSignedIn(ILogger logger, Guid userId, string provider);

    [LoggerMessage(Level = LogLevel.Information, Message = "Admin sign-in via {Provider} refused: {Error}")]
    private static partial void LogRefused(ILogger logger, string provider, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Admin sign-in via {Provider} failed at the callback: {Reason}")]
    private static partial void LogFailed(ILogger logger, string provider, string reason);
}
