using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Sentinel.Client;

/// <summary>
/// Asks Sentinel whether the caller may perform the action. Allowed: the requirement succeeds. Not allowed: 403. Sentinel
/// unreachable: 503. Sentinel refused the check (a revoked key, an expired token): its status, as the Python SDK's
/// <c>require_action</c> does.
/// </summary>
internal sealed partial class SentinelActionHandler(SentinelHttpFactory factory, ILogger<SentinelActionHandler> logger)
    : AuthorizationHandler<SentinelActionRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, SentinelActionRequirement requirement)
    {
        if (context.Resource is not HttpContext http || http.GetSentinelUser() is not { } user) return;
        try
        {
            var result = await new RoleClient(factory.Create()).CheckActionAsync(requirement.Action, user.WorkspaceId, user.Token, http.RequestAborted);
            if (result.Allowed) context.Succeed(requirement);
            else context.Fail(new SentinelFailureReason(this, StatusCodes.Status403Forbidden, $"Action '{requirement.Action}' is not allowed", "action_not_allowed"));
        }
        catch (SentinelException ex)
        {
            LogCheckFailed(logger, requirement.Action, user.Id, ex.StatusCode, ex.Code);
            var status = ex.IsTransportFailure ? StatusCodes.Status503ServiceUnavailable : ex.StatusCode is >= 400 and < 600 ? ex.StatusCode : StatusCodes.Status502BadGateway;
            context.Fail(new SentinelFailureReason(this, status, ex.Detail, ex.Code));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sentinel action check of {Action} for user {UserId} failed: {Status} {Code}")]
    private static partial void LogCheckFailed(ILogger logger, string action, Guid userId, int status, string? code);
}

/// <summary>The caller's workspace role, from the token.</summary>
internal sealed class WorkspaceRoleHandler : AuthorizationHandler<WorkspaceRoleRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, WorkspaceRoleRequirement requirement)
    {
        var user = context.Resource is HttpContext http ? http.GetSentinelUser() : SentinelUser.FromPrincipal(context.User);
        if (user is null) return Task.CompletedTask;
        if (user.HasRole(requirement.Minimum)) context.Succeed(requirement);
        else context.Fail(new SentinelFailureReason(this, StatusCodes.Status403Forbidden, "Insufficient role", "insufficient_role"));
        return Task.CompletedTask;
    }
}

/// <summary>Gives a forbidden result that a Sentinel requirement explained its status and JSON body; others go on as usual.</summary>
internal sealed class SentinelAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler fallback = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden
            && authorizeResult.AuthorizationFailure?.FailureReasons.OfType<SentinelFailureReason>().OrderByDescending(r => r.Status).FirstOrDefault() is { } reason)
        {
            await SentinelProblem.WriteAsync(context.Response, reason.Status, reason.Detail, reason.Code);
            return;
        }
        await fallback.HandleAsync(next, context, policy, authorizeResult);
    }
}
