using Sentinel.Grains.Authorization;
using Sentinel.Grains.Directory;
using Sentinel.Grains.RateLimiting;
using Sentinel.Web.Tokens;
using Sentinel.Web.Infrastructure.Cluster;
using Sentinel.Web.Infrastructure.Errors;
using Sentinel.Web.RateLimiting;
using Sentinel.Web.Infrastructure.Conventions;
using static Sentinel.Web.Authorization.ContractRules;

namespace Sentinel.Web.Authorization;

/// <summary>
/// <c>POST /authz/resolve</c> (docs/authorization.md, "Authz mode"): an IdP token in, the user and their workspaces out, or, for one workspace, a
/// 5-minute authz token carrying the member's role and their actions for the calling service.
/// </summary>
public static partial class AuthzEndpoints
{
    public sealed record ResolveRequest(string? IdpToken, string? Provider, string? WorkspaceId);
    public sealed record ResolvedUser(Guid Id, string Email, string Name);
    public sealed record ResolvedWorkspace(Guid Id, string Slug, string Role);
    public sealed record WorkspaceOption(Guid Id, string Name, string Slug, string Role);

    /// <summary>All five keys are always present (nulls included), as the SDKs read them.</summary>
    public sealed record ResolveResponse(ResolvedUser User, ResolvedWorkspace? Workspace, string? AuthzToken, int? ExpiresIn, IReadOnlyList<WorkspaceOption>? Workspaces);

    public static RouteGroupBuilder MapAuthzEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/authz");
        // Rate limits (docs/rate-limiting.md): a key counts under the service tier; an Origin under the service and the IP; the proxy per IP and path.
        group.MapPost("/resolve", ResolveAsync).WithRateLimitTier(RateLimitTier.AuthzResolve);
        group.MapGet("/idp/{provider}/login", GitHubIdpProxy.LoginAsync).WithRateLimitTier(RateLimitTier.Auth);
        group.MapGet("/idp/{provider}/callback", GitHubIdpProxy.CallbackAsync).WithRateLimitTier(RateLimitTier.Auth);
        return group;
    }

    public static async Task<IResult> ResolveAsync(ResolveRequest body, IdpTokenValidator idp, TokenService tokens,
        AuthzSettings settings, GrainCalls calls, ILoggerFactory loggers, HttpContext context)
    {
        var service = await ServiceCaller.AuthenticateAsync(context);
        var v = new RequestValidator().Required(Body("idp_token"), body.IdpToken).Length("idp_token", body.IdpToken, 0, settings.IdpTokenMaxLength)
            .Required(Body("provider"), body.Provider);
        var workspaceId = v.Uuid(Body("workspace_id"), body.WorkspaceId, required: false);
        if (v.Failed) return v.Result();
        var app = service.Context.Identity;

        // 1. The IdP token, for an audience this service accepts.
        var check = await idp.ValidateAsync(body.Provider!, body.IdpToken!, app.AllowedIdpAudiences, context.RequestAborted);
        if (check is IdpCheck.Refused refused) return ApiErrors.Result(400, refused.Detail, refused.Code);
        if (check is not IdpCheck.Valid { Identity: var identity })
            return ApiErrors.Result(502, "Identity provider unavailable", ErrorCodes.IdpUnavailable);

        // 2. The user, created on first sign-in (email verified, ADMIN_EMAILS honoured). No activity row, as in the original.
        var resolution = await calls.RunAsync((g, ct) => g.GetGrain<IIdentityResolverGrain>(0)
            .ResolveAsync(identity, UnknownIdentityPolicy.Create, settings.AdminEmails.Contains(identity.Email), null, null, ct), context.RequestAborted);
        switch (resolution.Refusal)
        {
            case IdentityRefusal.EmailNotVerified:
                return ApiErrors.Result(400, "Email not verified", ErrorCodes.EmailNotVerified);
            case not null:
                return ApiErrors.Result(403, "This email is already linked to another sign-in method", ErrorCodes.EmailLinkedElsewhere);
        }
        var user = resolution.User!;
        if (!user.IsActive) return ApiErrors.Result(403, "User account is inactive", ErrorCodes.UserInactive);
        var resolvedUser = new ResolvedUser(user.Id, user.Email, user.Name);

        // 3. No workspace: the user and their workspaces.
        if (body.WorkspaceId is null)
        {
            var workspaces = await calls.RunAsync((g, ct) => g.GetGrain<IDirectoryQueryGrain>(0).ListUserWorkspacesAsync(user.Id, ct), context.RequestAborted);
            return Results.Json(new ResolveResponse(resolvedUser, null, null, null,
                workspaces.Select(w => new WorkspaceOption(w.Workspace.Id, w.Workspace.Name, w.Workspace.Slug, w.Role.ToName())).ToArray()));
        }

        // 4. One workspace: membership, role and actions from the workspace grain's memory.
        // In parallel: the user's revocation cut-off, stamped as rvk, so a later revocation refuses this token (the original never checked authz tokens against it).
        var revocationTask = calls.RunAsync((g, ct) => g.GetGrain<Sentinel.Grains.Sessions.IUserSessionGrain>(user.Id).GetRevocationAsync(ct), context.RequestAborted);
        var authzTask = calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceAuthorizationGrain>(workspaceId)
            .GetAuthzContextAsync(user.Id, app.ServiceName, ct), context.RequestAborted);
        await Task.WhenAll(revocationTask, authzTask);
        var authz = await authzTask;
        var revocation = await revocationTask;
        if (authz is null) return ApiErrors.Result(403, "User is not a member of this workspace", ErrorCodes.NotWorkspaceMember);

        var role = authz.Role.ToName();
        var (token, _, _) = tokens.Mint(TokenKind.Authz, user.Id, claims =>
        {
            // Authz tokens carry no email, name or groups; idp_sub binds the token to the IdP token presented beside it.
            claims["wid"] = authz.Workspace.Id.ToString();
            claims["wslug"] = authz.Workspace.Slug;
            claims["wrole"] = role;
            claims["idp_sub"] = identity.Subject;
            claims["svc"] = app.ServiceName;
            claims["actions"] = TokenService.Array(authz.Actions);
        }, revocation: revocation);
        LogIssued(loggers.CreateLogger("Sentinel.Web.Authz"), user.Id, authz.Workspace.Id, app.ServiceName, authz.Actions.Count, service.Context.ByOrigin);
        return Results.Json(new ResolveResponse(resolvedUser, new ResolvedWorkspace(authz.Workspace.Id, authz.Workspace.Slug, role), token,
            (int)tokens.Lifetime(TokenKind.Authz).TotalSeconds, null));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Authz token issued: user {UserId}, workspace {WorkspaceId}, service {Service}, {ActionCount} actions, by origin {ByOrigin}")]
    private static partial void LogIssued(ILogger logger, Guid userId, Guid workspaceId, string service, int actionCount, bool byOrigin);
}
