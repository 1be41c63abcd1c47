using Sentinel.Grains.RateLimiting;
using Sentinel.Grains.Sessions;
using Sentinel.Web.Tokens;
using Sentinel.Web.Infrastructure.Cluster;
using Sentinel.Web.Infrastructure.Errors;
using Sentinel.Web.Infrastructure.Hosting;
using Sentinel.Web.RateLimiting;
using Sentinel.Web.Infrastructure.Conventions;

namespace Sentinel.Web.Sessions;

/// <summary><c>/auth/refresh</c>, <c>/auth/logout</c> and the sessions list (docs/sessions.md).</summary>
public static partial class SessionsEndpoints
{
    /// <summary>Longest refresh token accepted: 4096 characters, refused as validation before any verification.</summary>
    public const int MaxRefreshTokenLength = 4096;

    public sealed record RefreshRequest(string? RefreshToken);

    public sealed record SessionResponse(
        Guid FamilyId, Guid? ClientAppId, string? ClientAppName, Guid WorkspaceId,
        DateTimeOffset CreatedAt, DateTimeOffset LastUsedAt, string? Ip, string? UserAgent, bool Current)
    {
        public static SessionResponse From(SessionInfo s) =>
            new(s.FamilyId, s.ClientAppId, s.ClientAppName, s.WorkspaceId, s.CreatedAt, s.LastUsedAt, s.Ip, s.UserAgent, s.Current);
    }

    public static IEndpointRouteBuilder MapSessionsEndpoints(this IEndpointRouteBuilder app)
    {
        // RATE_LIMIT_REFRESH per family once the token verifies, else RATE_LIMIT_AUTH per IP: decided in the handler.
        app.MapPost("/auth/refresh", RefreshAsync).WithRateLimitTier(RateLimitTier.Refresh).DecideRateLimitInEndpoint();
        app.MapPost("/auth/logout", LogoutAsync);
        var me = app.MapGroup("/users/me/sessions");
        me.MapGet("", ListAsync);
        // RATE_LIMIT_ADMIN_WRITE per user covers session revokes; the filter runs after the bearer is bound.
        me.MapDelete("/{family_id}", RevokeAsync).WithRateLimitTier(RateLimitTier.AdminWrite).AddRateLimitFilter();
        return app;
    }

    public static async Task<IResult> RefreshAsync(RefreshRequest body, HttpContext context, TokenService tokens, SessionTokens sessionTokens,
        SessionCalls sessions, RateLimitGate limiter, ILoggerFactory loggers, SentinelMetrics metrics)
    {
        var v = new RequestValidator().Required("refresh_token", body.RefreshToken).Length("refresh_token", body.RefreshToken, 0, MaxRefreshTokenLength);
        var idempotencyKey = RefreshIdempotency.Read(context, v);
        if (v.Failed) return v.Result();
        context.Response.Headers.CacheControl = "no-store";

        var token = await tokens.VerifyAsync(body.RefreshToken!, TokenKind.Refresh) is TokenCheck.Valid valid ? valid.Token : null;
        var familyId = Guid.TryParse(token?.Claim("fid"), out var fid) ? fid : (Guid?)null;
        // A verified token is limited per family; one that does not verify, per IP under the auth tier.
        if (token is not null && familyId is { } family) context.SetRateLimitPrincipal(RateLimitPrincipal.Family(family));
        if ((await limiter.CheckAsync(context)).Rejection() is { } rejected) return rejected;
        if (token is null || familyId is null) return Invalid();

        // One id for this request and every retry of it: by this edge, or by the client through any edge with the same key.
        var requestId = idempotencyKey is null ? Guid.NewGuid() : RefreshIdempotency.RequestId(idempotencyKey, token.Jti);
        var request = new RotateRequest(requestId, familyId.Value, token.Jti, SessionTokens.Device(context), sessionTokens.Policy);
        var decision = await sessions.DecideAsync(token.Subject, (grain, ct) => grain.RotateAsync(request, ct), context.RequestAborted);
        switch (decision)
        {
            case SessionDecision.Issued issued:
                if (!issued.Replayed) metrics.Refreshed();
                return Results.Json(sessionTokens.Sign(token.Subject, issued.Tokens));
            case SessionDecision.Refused { Reason: SessionRefusal.VersionConflict }:
                return SessionCalls.Unavailable(context);
            case SessionDecision.Refused refused:
                if (refused.Reason == SessionRefusal.Reused) metrics.Reused();
                LogRefused(loggers.CreateLogger("Sentinel.Web.Sessions"), token.Subject, familyId.Value, refused.Reason);
                return Invalid();
            default:
                return Invalid();
        }

        static IResult Invalid() => ApiErrors.Result(StatusCodes.Status401Unauthorized, "Invalid refresh token", ErrorCodes.InvalidRefreshToken);
    }

    public static async Task<IResult> LogoutAsync(StrictBearer auth, HttpContext context, GrainCalls calls, SentinelMetrics metrics)
    {
        var token = auth.Caller.Token;
        await calls.RunAsync((g, ct) => g.GetGrain<IUserSessionGrain>(auth.Caller.UserId).LogoutAsync(token.Jti, token.ExpiresAt, ct), context.RequestAborted);
        metrics.Revoked("logout");
        context.Response.Headers["Clear-Site-Data"] = "\"cookies\", \"storage\"";
        return Results.Json(new { ok = true });
    }

    public static async Task<IResult> ListAsync(StrictBearer auth, HttpContext context, GrainCalls calls)
    {
        var sessions = await calls.RunIdempotentAsync((g, ct) => g.GetGrain<IUserSessionGrain>(auth.Caller.UserId).ListSessionsAsync(auth.Caller.Token.SessionId ?? auth.Caller.Token.Jti, ct), context.RequestAborted);
        return Results.Json(new { sessions = sessions.Select(SessionResponse.From) });
    }

    public static async Task<IResult> RevokeAsync(Guid family_id, StrictBearer auth, HttpContext context, GrainCalls calls, SentinelMetrics metrics)
    {
        // A family of another user is simply not in this user's grain: 404 either way.
        var revoked = await calls.RunAsync((g, ct) => g.GetGrain<IUserSessionGrain>(auth.Caller.UserId).RevokeFamilyAsync(family_id, "user", ct), context.RequestAborted);
        if (revoked) metrics.Revoked("user");
        return revoked ? Results.NoContent() : ApiErrors.Result(404, "Session not found", ErrorCodes.SessionNotFound);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Refresh refused for user {UserId}, family {FamilyId}: {Reason}")]
    private static partial void LogRefused(ILogger logger, Guid userId, Guid familyId, SessionRefusal reason);
}
