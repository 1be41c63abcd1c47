using Microsoft.AspNetCore.Authentication;
using Sentinel.Grains.AuthCodes;
using Sentinel.Grains.Directory;
using Sentinel.Grains.RateLimiting;
using Sentinel.Grains.Sessions;
using Sentinel.Web.Cluster;
using Sentinel.Web.Errors;
using Sentinel.Web.Observability;
using Sentinel.Web.Providers;
using Sentinel.Web.RateLimiting;
using Sentinel.Web.Sessions;
using Sentinel.Web.Validation;

namespace Sentinel.Web.SignIn;

/// <summary>Proxy-mode sign-in (docs/sessions.md): providers, login, callback, workspaces, token.</summary>
public static partial class SignInEndpoints
{
    /// <summary>How long an authorization code lives: 300 s.</summary>
    public static readonly TimeSpan CodeLifetime = TimeSpan.FromMinutes(5);

    public sealed record WorkspacesRequest(string? Code, string? CodeVerifier);
    public sealed record TokenRequest(string? Code, Guid? WorkspaceId, string? CodeVerifier);
    public sealed record WorkspaceChoice(Guid Id, string Name, string Slug, string Role);

    /// <summary>The dependencies most handlers share.</summary>
    public sealed record Deps(ProviderSettings Providers, SignInSettings Settings, GrainCalls Calls, TimeProvider Time, ILoggerFactory Loggers, SentinelMetrics Metrics)
    {
        public ILogger Logger => Loggers.CreateLogger("Sentinel.Web.SignIn");
    }

    public static RouteGroupBuilder MapSignInEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/auth");
        group.MapGet("/providers", Providers);
        // RATE_LIMIT_AUTH, per IP and concrete path (docs/rate-limiting.md).
        group.MapGet("/login/{provider}", LoginAsync).WithRateLimitTier(RateLimitTier.Auth);
        group.MapGet("/callback/{provider}", CallbackAsync).WithRateLimitTier(RateLimitTier.Auth);
        group.MapGet("/workspaces", WorkspacesAsync).WithRateLimitTier(RateLimitTier.Auth);
        group.MapPost("/workspaces", WorkspacesWithVerifierAsync).WithRateLimitTier(RateLimitTier.Auth);
        group.MapPost("/token", TokenAsync).WithRateLimitTier(RateLimitTier.Auth);
        return group;
    }

    public static IResult Providers(ProviderSettings providers) =>
        Results.Json(new { providers = providers.Providers.Select(p => p.Id).ToArray() });

    public static async Task<IResult> LoginAsync(string provider, HttpContext context, [AsParameters] Deps deps)
    {
        var query = context.Request.Query;
        string? Get(string name) => query[name].ToString() is { Length: > 0 } v ? v : null;
        var redirect = Get("redirect_uri");
        var challenge = Get("code_challenge");
        var v = new RequestValidator().Required("redirect_uri", redirect, "query").Required("code_challenge", challenge, "query");
        if (v.Failed) return v.Result();

        if (deps.Providers.Find(provider) is null)
            return HtmlCard.BadRequest("Sign-in unavailable", $"The sign-in provider '{provider}' is not configured.");
        if ((Get("code_challenge_method") ?? Pkce.S256) != Pkce.S256)
            return HtmlCard.BadRequest("Invalid sign-in request", "Only the S256 code challenge method is supported.");
        Guid? clientAppId = null;
        if (Get("client_id") is { } clientId)
        {
            if (!Guid.TryParse(clientId, out var id)) return InvalidRedirect();
            clientAppId = id;
        }
        var app = await deps.Calls.RunAsync((g, ct) => g.GetGrain<IClientAppLookupGrain>(0).FindActiveForRedirectAsync(redirect!, clientAppId, ct), context.RequestAborted);
        if (app is null) return InvalidRedirect();

        var properties = new AuthenticationProperties();
        properties.Items[SignInItems.RedirectUri] = redirect;
        properties.Items[SignInItems.CodeChallenge] = challenge;
        properties.Items[SignInItems.CodeChallengeMethod] = Pkce.S256;
        properties.Items[SignInItems.ClientAppId] = app.Id.ToString();
        if (Get("state") is { } state) properties.Items[SignInItems.AppState] = state;
        if (Get("login_hint") is { } hint) properties.Items[SignInItems.LoginHint] = hint;
        return await ChallengeAsync(context, ProviderSchemes.Proxy(provider), properties, deps.Logger, provider);
    }

    /// <summary>Hands over to the provider's handler, which answers 302 to the provider (state and cookies set).</summary>
    internal static async Task<IResult> ChallengeAsync(HttpContext context, string scheme, AuthenticationProperties properties, ILogger logger, string provider)
    {
        try
        {
            await context.ChallengeAsync(scheme, properties);
            return Results.Empty;
        }
        catch (Exception ex) when (!context.RequestAborted.IsCancellationRequested)
        {
            // The discovery document could not be fetched, or a pushed authorization request (PAR) was refused.
            LogProviderUnreachable(logger, ex, provider);
            return HtmlCard.ServerError("Sign-in unavailable", "The identity provider could not be reached. Try again in a moment.");
        }
    }

    public static async Task<IResult> CallbackAsync(string provider, HttpContext context, [AsParameters] Deps deps)
    {
        var config = deps.Providers.Find(provider);
        if (config is null) return HtmlCard.BadRequest("Sign-in unavailable", $"The sign-in provider '{provider}' is not configured.");

        var outcome = await RemoteSignIn.HandleCallbackAsync(context, ProviderSchemes.Proxy(provider));
        void Count(string result) => deps.Metrics.SignIn(provider, "proxy", result);
        if (outcome is not RemoteOutcome.Signed signed)
        {
            Count(outcome is RemoteOutcome.Denied ? "denied" : "failed");
            return RemoteFailure(outcome, deps.Logger, provider);
        }

        var properties = signed.Properties;
        var redirect = properties.Item(SignInItems.RedirectUri);
        var challenge = properties.Item(SignInItems.CodeChallenge);
        if (redirect is null || challenge is null)
        {
            Count("failed");
            return HtmlCard.BadRequest("Sign-in session missing", "This sign-in was not started here, or it took too long. Start again from the application.");
        }

        try
        {
            var identity = ExternalIdentities.From(config, signed.Principal);
            if (identity is null)
            {
                Count("failed");
                return HtmlCard.ServerError("Sign-in failed", "The identity provider did not say who signed in.");
            }
            if (!identity.EmailVerified)
            {
                Count(ErrorCodes.EmailNotVerified);
                return EmailNotVerified(deps.Logger, provider);
            }

            var ip = ClientAddress.Of(context);
            var resolution = await deps.Calls.RunAsync((g, ct) => g.GetGrain<IIdentityResolverGrain>(0)
                .ResolveAsync(identity, UnknownIdentityPolicy.Create, deps.Settings.IsAdminEmail(identity.Email), "user_login", ip, ct), context.RequestAborted);
            switch (resolution.Refusal)
            {
                case IdentityRefusal.EmailNotVerified:
                    Count(ErrorCodes.EmailNotVerified);
                    return EmailNotVerified(deps.Logger, provider);
                case IdentityRefusal.EmailLinkedElsewhere:
                    Count("linked_elsewhere");
                    LogLinkedElsewhere(deps.Logger, provider);
                    return HtmlCard.Forbidden("Use your usual sign-in", "This email address already signs in with another provider. Sign in with that provider instead.");
                case not null:
                    Count("refused");
                    return HtmlCard.Forbidden("Sign-in refused", "This account cannot sign in here.");
            }
            var user = resolution.User!;

            // The app may have been deactivated or changed while the person was at the provider.
            var appId = Guid.TryParse(properties.Item(SignInItems.ClientAppId), out var id) ? id : (Guid?)null;
            var app = await deps.Calls.RunAsync((g, ct) => g.GetGrain<IClientAppLookupGrain>(0).FindActiveForRedirectAsync(redirect, appId, ct), context.RequestAborted);
            if (app is null)
            {
                Count("invalid_redirect");
                return InvalidRedirect();
            }

            var code = Pkce.NewCode();
            var grant = new AuthCodeGrant(user.Id, provider, app.Id, app.Name, challenge, properties.Item(SignInItems.CodeChallengeMethod) ?? Pkce.S256,
                deps.Time.GetUtcNow() + CodeLifetime);
            var stored = await deps.Calls.RunAsync((g, ct) => g.GetGrain<IAuthCodeGrain>(AuthCodeKeys.For(code)).IssueAsync(grant, ct), context.RequestAborted);
            if (!stored)
            {
                Count("error");
                return HtmlCard.ServerError("Sign-in failed", "Something went wrong. Start again from the application.");
            }
            LogSignedIn(deps.Logger, user.Id, identity.Email, provider, app.Id);
            Count("success");

            context.Response.Headers.CacheControl = "no-store";
            return new CodeRedirect(WithQuery(redirect, ("code", code), ("state", properties.Item(SignInItems.AppState))));
        }
        catch (ClusterUnavailableException)
        {
            Count("unavailable");
            ApiErrors.SetClusterRetryAfter(context.Response);
            return new HtmlCard(503, "Sign-in unavailable", "Sign-in is briefly unavailable. Try again in a moment.");
        }
    }

    public static async Task<IResult> WorkspacesAsync(HttpContext context, [AsParameters] Deps deps)
    {
        var code = context.Request.Query["code"].ToString();
        var v = new RequestValidator().Required("code", code.Length == 0 ? null : code, "query");
        if (v.Failed) return v.Result();
        var grant = await deps.Calls.RunAsync((g, ct) => g.GetGrain<IAuthCodeGrain>(AuthCodeKeys.For(code)).PeekAsync(ct), context.RequestAborted);
        return await ListWorkspacesAsync(grant, context, deps);
    }

    /// <summary>Beyond the contract: the same list, but only for whoever also holds the PKCE verifier.</summary>
    public static async Task<IResult> WorkspacesWithVerifierAsync(WorkspacesRequest body, HttpContext context, [AsParameters] Deps deps)
    {
        var v = new RequestValidator().Required("code", body.Code).Required("code_verifier", body.CodeVerifier).Length("code_verifier", body.CodeVerifier, 43, 128);
        if (v.Failed) return v.Result();
        var grant = await deps.Calls.RunAsync((g, ct) => g.GetGrain<IAuthCodeGrain>(AuthCodeKeys.For(body.Code!)).PeekAsync(ct), context.RequestAborted);
        if (grant is not null && CheckPkce(grant, body.CodeVerifier!) is { } refused) return refused;
        return await ListWorkspacesAsync(grant, context, deps);
    }

    private static async Task<IResult> ListWorkspacesAsync(AuthCodeGrant? grant, HttpContext context, Deps deps)
    {
        context.Response.Headers.CacheControl = "no-store";
        if (grant is null) return ApiErrors.Result(400, "Invalid or expired authorization code", ErrorCodes.InvalidAuthorizationCode);
        var user = await deps.Calls.RunAsync((g, ct) => g.GetGrain<IUserGrain>(grant.UserId).GetAsync(ct), context.RequestAborted);
        if (user is not { IsActive: true }) return ApiErrors.Result(404, "User not found", ErrorCodes.UserNotFound);
        var rows = await deps.Calls.RunAsync((g, ct) => g.GetGrain<IDirectoryQueryGrain>(0).ListUserWorkspacesAsync(grant.UserId, ct), context.RequestAborted);
        return Results.Json(rows.Select(r => new WorkspaceChoice(r.Workspace.Id, r.Workspace.Name, r.Workspace.Slug, r.Role.ToName())));
    }

    public static async Task<IResult> TokenAsync(TokenRequest body, HttpContext context, [AsParameters] Deps deps, SessionTokens tokens, SessionCalls sessions)
    {
        var v = new RequestValidator()
            .Required("code", body.Code)
            .Required("workspace_id", body.WorkspaceId)
            .Required("code_verifier", body.CodeVerifier).Length("code_verifier", body.CodeVerifier, 43, 128);
        if (v.Failed) return v.Result();
        context.Response.Headers.CacheControl = "no-store";

        // Consumed first: whatever fails after this, the code is gone: a failed PKCE or workspace check burns it.
        var grant = await deps.Calls.RunAsync((g, ct) => g.GetGrain<IAuthCodeGrain>(AuthCodeKeys.For(body.Code!)).ConsumeAsync(ct), context.RequestAborted);
        if (grant is null) return ApiErrors.Result(400, "Invalid or expired authorization code", ErrorCodes.InvalidAuthorizationCode);
        if (deps.Providers.Find(grant.Provider) is null) return ApiErrors.Result(400, "Invalid authorization code", ErrorCodes.InvalidAuthorizationCode);
        if (CheckPkce(grant, body.CodeVerifier!) is { } refused) return refused;

        var request = new StartFamilyRequest(Guid.NewGuid(), body.WorkspaceId!.Value, grant.ClientAppId, grant.ClientAppName, SessionTokens.Device(context), tokens.Policy);
        var decision = await sessions.DecideAsync(grant.UserId, (grain, ct) => grain.StartFamilyAsync(request, ct), context.RequestAborted);
        return decision switch
        {
            SessionDecision.Issued issued => Results.Json(tokens.Sign(grant.UserId, issued.Tokens)),
            SessionDecision.Refused { Reason: SessionRefusal.UserNotFound or SessionRefusal.UserInactive } => ApiErrors.Result(404, "User not found", ErrorCodes.UserNotFound),
            SessionDecision.Refused { Reason: SessionRefusal.WorkspaceNotFound } => ApiErrors.Result(404, "Workspace not found", ErrorCodes.WorkspaceNotFound),
            SessionDecision.Refused { Reason: SessionRefusal.NotMember } => ApiErrors.Result(403, "Cannot issue tokens for this workspace", ErrorCodes.CannotIssueTokens),
            _ => SessionCalls.Unavailable(context),
        };
    }

    private static IResult? CheckPkce(AuthCodeGrant grant, string verifier)
    {
        if (string.IsNullOrEmpty(grant.CodeChallenge)) return ApiErrors.Result(400, "Authorization code missing PKCE challenge", ErrorCodes.PkceRequired);
        return Pkce.Verify(verifier, grant.CodeChallenge) ? null : ApiErrors.Result(400, "PKCE verification failed", ErrorCodes.PkceFailed);
    }

    internal static IResult RemoteFailure(RemoteOutcome outcome, ILogger logger, string provider)
    {
        switch (outcome)
        {
            case RemoteOutcome.Denied:
                LogDenied(logger, provider);
                return HtmlCard.BadRequest("Sign-in cancelled", "The sign-in was cancelled at the identity provider. Start again from the application.");
            case RemoteOutcome.Failed { Protocol: false } failed:
                LogRemoteFailed(logger, provider, failed.Reason);
                return HtmlCard.ServerError("Sign-in unavailable", "The identity provider could not be reached. Try again in a moment.");
            case RemoteOutcome.Failed failed:
                LogRemoteFailed(logger, provider, failed.Reason);
                return HtmlCard.BadRequest("Sign-in failed", "This sign-in could not be completed: it may have expired or been started in another browser. Start again from the application.");
            default:
                return HtmlCard.ServerError("Sign-in failed", "Something went wrong. Start again from the application.");
        }
    }

    private static IResult EmailNotVerified(ILogger logger, string provider)
    {
        LogEmailNotVerified(logger, provider);
        return HtmlCard.Forbidden("Email not verified", "Your identity provider has not verified your email address, so Sentinel cannot sign you in.");
    }

    private static IResult InvalidRedirect() =>
        HtmlCard.BadRequest("Invalid redirect URI", "The application's redirect URI is not registered for an active client app.");

    /// <summary>307 to the app with its code. Unlike the framework's redirect result, it does not log the URL, which holds the code.</summary>
    private sealed class CodeRedirect(string location) : IResult
    {
        public Task ExecuteAsync(HttpContext context)
        {
            context.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
            context.Response.Headers.Location = location;
            return Task.CompletedTask;
        }
    }

    /// <summary>Appends query parameters before any fragment; null values are skipped.</summary>
    internal static string WithQuery(string url, params (string Name, string? Value)[] parameters)
    {
        var hash = url.IndexOf('#', StringComparison.Ordinal);
        var (head, fragment) = hash < 0 ? (url, "") : (url[..hash], url[hash..]);
        foreach (var (name, value) in parameters)
        {
            if (value is null) continue;
            head += (head.Contains('?', StringComparison.Ordinal) ? "&" : "?") + name + "=" + Uri.EscapeDataString(value);
        }
        return head + fragment;
    }

    // The email passes the log formatter, which keeps only its domain (LOG_PII_REDACTION, mandatory in production).
    [LoggerMessage(Level = LogLevel.Information, Message = "Sign-in: user {UserId} ({Email}) via {Provider} for client app {ClientAppId}; code issued")]
    private static partial void LogSignedIn(ILogger logger, Guid userId, string email, string provider, Guid clientAppId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sign-in via {Provider} refused: email not verified")]
    private static partial void LogEmailNotVerified(ILogger logger, string provider);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sign-in via {Provider} refused: the email belongs to a user of another provider")]
    private static partial void LogLinkedElsewhere(ILogger logger, string provider);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sign-in via {Provider} cancelled at the provider")]
    private static partial void LogDenied(ILogger logger, string provider);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sign-in via {Provider} failed at the callback: {Reason}")]
    private static partial void LogRemoteFailed(ILogger logger, string provider, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sign-in via {Provider}: the provider could not be reached")]
    private static partial void LogProviderUnreachable(ILogger logger, Exception exception, string provider);
}
