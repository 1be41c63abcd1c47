using Sentinel.Grains.Authorization;
using Sentinel.Web.Tokens;
using Sentinel.Web.Infrastructure.Cluster;
using Sentinel.Web.Infrastructure.Errors;
using Sentinel.Web.Infrastructure.Conventions;
using static Sentinel.Web.Authorization.ContractRules;

namespace Sentinel.Web.Authorization;

/// <summary>
/// <c>/roles</c> service routes (docs/authorization.md): action registration, and RBAC checks answered by the workspace grain from memory.
/// The checks accept authz tokens when they come with a valid key of the same service (and are refused with another service's key).
/// </summary>
public static class RolesEndpoints
{
    public sealed record ActionItem(string? Action, string? Description);
    public sealed record RegisterActionsRequest(string? ServiceName, List<ActionItem?>? Actions);
    public sealed record ServiceActionResponse(Guid Id, string ServiceName, string Action, string? Description, DateTimeOffset CreatedAt);
    public sealed record CheckActionRequest(string? ServiceName, string? Action, string? WorkspaceId);
    public sealed record CheckActionResponse(bool Allowed, IReadOnlyList<string> Roles);
    public sealed record UserActionsResponse(IReadOnlyList<string> Actions);

    public static RouteGroupBuilder MapRolesEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/roles");
        group.MapPost("/actions/register", RegisterActionsAsync);
        group.MapPost("/check-action", CheckActionAsync);
        group.MapGet("/user-actions", UserActionsAsync);
        return group;
    }

    /// <summary>Key. Idempotent upsert: existing actions first (description replaced when given), then new ones.</summary>
    public static async Task<IResult> RegisterActionsAsync(RegisterActionsRequest body, GrainCalls calls, HttpContext context)
    {
        var key = await ServiceKey.AuthenticateAsync(context);
        var v = new RequestValidator().Svc(Body("service_name"), body.ServiceName).List(Body("actions"), body.Actions);
        var actions = new List<ActionDefinition>();
        for (var i = 0; i < (body.Actions?.Count ?? 0); i++)
        {
            var item = body.Actions![i];
            if (item is null)
            {
                v.Required(Body("actions", i), null);
                continue;
            }
            v.Matches(Body("actions", i, "action"), item.Action, ActionName());
            actions.Add(new ActionDefinition(item.Action ?? "", SafeText.Clean(item.Description)));
        }
        if (v.Failed) return v.Result();
        if (Scope(key.Identity, body.ServiceName!) is { } refused) return refused;

        var result = await calls.RunAsync((g, ct) => g.GetGrain<IServiceActionRegistryGrain>(0).RegisterAsync(body.ServiceName!, actions, ct), context.RequestAborted);
        if (result.Error is not null)
            return ApiErrors.Result(409, $"Duplicate action in request: '{result.Detail}'", ErrorCodes.DuplicateAction);
        return Results.Json(result.Value!.Select(a => new ServiceActionResponse(a.Id, a.ServiceName, a.Action, a.Description, a.CreatedAt)), statusCode: 201);
    }

    /// <summary>Key and bearer (access, or authz of the key's service). Allowed iff a role of the caller grants the action.</summary>
    public static async Task<IResult> CheckActionAsync(CheckActionRequest body, GrainCalls calls, TokenService tokens, HttpContext context)
    {
        var v = new RequestValidator().Svc(Body("service_name"), body.ServiceName).Matches(Body("action"), body.Action, ActionName());
        var workspaceId = v.Uuid(Body("workspace_id"), body.WorkspaceId);
        if (!v.Failed && await ServiceFastPath.TryCredentialsAsync(context, tokens) is { } credentials)
        {
            var answer = ServiceFastPath.Direct(credentials, body.ServiceName!, workspaceId) is { } direct
                ? await calls.RunIdempotentAsync((g, ct) => g.GetGrain<IWorkspaceAuthorizationGrain>(workspaceId)
                    .CheckActionForTokenAsync(direct, body.ServiceName!, body.Action!, ct), context.RequestAborted)
                : await calls.RunAsync((g, ct) => g.GetGrain<IAuthorizationGatewayGrain>(0)
                    .CheckActionAsync(credentials, workspaceId, body.ServiceName!, body.Action!, ct), context.RequestAborted);
            return answer.Error is { } refusal
                ? ServiceFastPath.Refusal(refusal, answer.Detail, "Cross-workspace check not allowed")
                : Results.Json(new CheckActionResponse(answer.Value!.Allowed, answer.Value.Roles));
        }

        var auth = await ServiceUser.AuthenticateAsync(context);
        if (v.Failed) return v.Result();
        if (Scope(auth.Service, body.ServiceName!) is { } refused) return refused;
        if (workspaceId != auth.Caller.WorkspaceId) return ApiErrors.Result(403, "Cross-workspace check not allowed", ErrorCodes.CrossWorkspace);

        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceAuthorizationGrain>(workspaceId)
            .CheckActionAsync(auth.Caller.UserId, body.ServiceName!, body.Action!, ct), context.RequestAborted);
        return Results.Json(new CheckActionResponse(result.Allowed, result.Roles));
    }

    /// <summary>Key and bearer. The caller's distinct actions for one service.</summary>
    public static async Task<IResult> UserActionsAsync(string? workspace_id, string? service_name, GrainCalls calls, HttpContext context)
    {
        var auth = await ServiceUser.AuthenticateAsync(context);
        var v = new RequestValidator();
        var workspaceId = v.Uuid(["query", "workspace_id"], workspace_id);
        v.Required(["query", "service_name"], service_name);
        if (v.Failed) return v.Result();
        if (Scope(auth.Service, service_name!) is { } refused) return refused;
        if (workspaceId != auth.Caller.WorkspaceId) return ApiErrors.Result(403, "Cross-workspace lookup not allowed", ErrorCodes.CrossWorkspace);

        var actions = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceAuthorizationGrain>(workspaceId)
            .GetUserActionsAsync(auth.Caller.UserId, service_name!, ct), context.RequestAborted);
        return Results.Json(new UserActionsResponse(actions));
    }
}
