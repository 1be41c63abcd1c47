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
/// <c>/permissions</c>: entity ACLs (docs/authorization.md). Checks and lookups are answered by the workspace grain from memory; routes
/// addressed by permission id or resource name first find the owning workspace, then let its grain decide.
/// Handlers authenticate after the framework has bound the body, so the contract's order holds: malformed
/// JSON 422, then 401/403, then field validation 422.
/// </summary>
public static class PermissionsEndpoints
{
    public const int MaxChecks = 100;
    public const int MaxAccessibleLimit = 10_000;

    public sealed record CheckItem(string? ServiceName, string? ResourceType, string? ResourceId, string? Action);
    public sealed record CheckRequest(List<CheckItem?>? Checks);
    public sealed record CheckResult(string ServiceName, string ResourceType, Guid ResourceId, string Action, bool Allowed);
    public sealed record CheckResponse(IReadOnlyList<CheckResult> Results)
    {
        public static CheckResponse From(IReadOnlyList<AclCheck> checks, IReadOnlyList<bool> allowed)
        {
            var results = new CheckResult[checks.Count];
            for (var i = 0; i < results.Length; i++)
            {
                var c = checks[i];
                results[i] = new CheckResult(c.Resource.ServiceName, c.Resource.ResourceType, c.Resource.ResourceId, c.Action.ToName(), allowed[i]);
            }
            return new CheckResponse(results);
        }
    }
    public sealed record AccessibleRequest(string? ServiceName, string? ResourceType, string? Action, string? WorkspaceId, int? Limit);
    public sealed record AccessibleResponse(IReadOnlyList<Guid> ResourceIds, bool HasFullAccess);
    public sealed record ShareRequest(string? GranteeType, string? GranteeId, string? Permission);
    public sealed record RegisterRequest(string? ServiceName, string? ResourceType, string? ResourceId, string? WorkspaceId, string? OwnerId, string? Visibility);
    public sealed record VisibilityRequest(string? Visibility);

    public sealed record ShareResponse(Guid Id, string GranteeType, Guid GranteeId, string Permission, Guid? GrantedBy, DateTimeOffset GrantedAt);

    public sealed record AclResponse(Guid Id, string ServiceName, string ResourceType, Guid ResourceId, Guid WorkspaceId, Guid? OwnerId,
        string Visibility, DateTimeOffset CreatedAt, IReadOnlyList<ShareResponse> Shares)
    {
        public static AclResponse From(AclInfo a) => new(a.Id, a.ServiceName, a.ResourceType, a.ResourceId, a.WorkspaceId, a.OwnerId,
            a.Visibility.ToName(), a.CreatedAt,
            a.Shares.Select(s => new ShareResponse(s.Id, s.GranteeType.ToName(), s.GranteeId, s.Permission.ToName(), s.GrantedBy, s.GrantedAt)).ToArray());
    }

    public sealed record EnrichedShareResponse(Guid Id, string GranteeType, Guid GranteeId, string? GranteeName, string? GranteeEmail,
        string Permission, Guid? GrantedBy, string? GrantedByName, DateTimeOffset GrantedAt);

    public sealed record EnrichedAclResponse(Guid Id, string ServiceName, string ResourceType, Guid ResourceId, Guid WorkspaceId, Guid? OwnerId,
        string? OwnerName, string? OwnerEmail, string Visibility, DateTimeOffset CreatedAt, IReadOnlyList<EnrichedShareResponse> Shares)
    {
        public static EnrichedAclResponse From(EnrichedAcl e)
        {
            var a = e.Acl;
            UserDisplay? User(Guid? id) => id is { } u ? e.Users.GetValueOrDefault(u) : null;
            var owner = User(a.OwnerId);
            return new EnrichedAclResponse(a.Id, a.ServiceName, a.ResourceType, a.ResourceId, a.WorkspaceId, a.OwnerId, owner?.Name, owner?.Email,
                a.Visibility.ToName(), a.CreatedAt, a.Shares.Select(s =>
                {
                    var (name, email) = s.GranteeType == Sentinel.Grains.Authorization.GranteeType.Group
                        ? (e.GroupNames.GetValueOrDefault(s.GranteeId), null)
                        : (User(s.GranteeId)?.Name, User(s.GranteeId)?.Email);
                    return new EnrichedShareResponse(s.Id, s.GranteeType.ToName(), s.GranteeId, name, email, s.Permission.ToName(), s.GrantedBy,
                        User(s.GrantedBy)?.Name, s.GrantedAt);
                }).ToArray());
        }
    }

    private static readonly object Ok = new { status = "ok" };

    public static RouteGroupBuilder MapPermissionsEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/permissions");
        group.MapPost("/check", CheckAsync);
        group.MapPost("/accessible", AccessibleAsync);
        group.MapPost("/register", RegisterAsync);
        group.MapPost("/{permission_id}/share", ShareAsync);
        group.MapDelete("/{permission_id}/share", UnshareAsync);
        group.MapPatch("/{permission_id}/visibility", VisibilityAsync);
        group.MapGet("/resource/{service_name}/{resource_type}/{resource_id}", GetResourceAsync);
        group.MapDelete("/resource/{service_name}/{resource_type}/{resource_id}", DeleteResourceAsync);
        // The read tier applies to callers without a key; a service key counts under the service tier (docs/rate-limiting.md).
        group.MapGet("/resource/{service_name}/{resource_type}/{resource_id}/enriched", GetEnrichedAsync).WithRateLimitTier(RateLimitTier.Read);
        return group;
    }

    /// <summary>Dual auth. Up to 100 checks, answered in order; every named service must be the key's (the check order: docs/authorization.md).</summary>
    public static async Task<IResult> CheckAsync(CheckRequest body, GrainCalls calls, TokenService tokens, HttpContext context)
    {
        var (v, checks) = ValidateChecks(body);
        if (!v.Failed && await ServiceFastPath.TryCredentialsAsync(context, tokens) is { } credentials)
        {
            if (ServiceFastPath.Direct(credentials, checks) is { } direct)
            {
                // One edge-to-silo call: the workspace grain answers and asks revocation itself (no gateway hop).
                var items = checks.ToArray();
                var answered = await calls.RunIdempotentAsync((g, ct) => g.GetGrain<IWorkspaceAuthorizationGrain>(credentials.WorkspaceId)
                    .CheckPermissionsForTokenAsync(direct, items, ct), context.RequestAborted);
                return answered.Error is { } refused ? ServiceFastPath.Refusal(refused, answered.Detail, "") : Results.Json(CheckResponse.From(checks, answered.Value!));
            }
            var answer = await calls.RunIdempotentAsync((g, ct) => g.GetGrain<IAuthorizationGatewayGrain>(0).CheckPermissionsAsync(credentials, checks, ct), context.RequestAborted);
            return answer.Error is { } refusal ? ServiceFastPath.Refusal(refusal, answer.Detail, "") : Results.Json(CheckResponse.From(checks, answer.Value!));
        }

        var auth = await ServiceUser.AuthenticateAsync(context);
        if (v.Failed) return v.Result();
        foreach (var check in checks)
        {
            if (Scope(auth.Service, check.Resource.ServiceName) is { } refused) return refused;
        }
        var caller = auth.Caller;
        var allowed = checks.Count == 0
            ? []
            : await calls.RunIdempotentAsync((g, ct) => g.GetGrain<IWorkspaceAuthorizationGrain>(caller.WorkspaceId)
                .CheckPermissionsAsync(new Actor(caller.UserId, caller.WorkspaceRole), checks, ct), context.RequestAborted);
        return Results.Json(CheckResponse.From(checks, allowed));
    }

    private static (RequestValidator V, List<AclCheck> Checks) ValidateChecks(CheckRequest body)
    {
        var v = new RequestValidator().List(Body("checks"), body.Checks, MaxChecks);
        var checks = new List<AclCheck>();
        for (var i = 0; i < (body.Checks?.Count ?? 0) && body.Checks!.Count <= MaxChecks; i++)
        {
            var item = body.Checks[i];
            if (item is null)
            {
                v.Required(Body("checks", i), null);
                continue;
            }
            v.Svc(Body("checks", i, "service_name"), item.ServiceName).Svc(Body("checks", i, "resource_type"), item.ResourceType);
            var resourceId = v.Uuid(Body("checks", i, "resource_id"), item.ResourceId);
            v.Matches(Body("checks", i, "action"), item.Action, ViewOrEdit());
            AclNames.TryParsePermission(item.Action, out var action);
            checks.Add(new AclCheck(new ResourceRef(item.ServiceName ?? "", item.ResourceType ?? "", resourceId), action));
        }
        return (v, checks);
    }

    /// <summary>Dual auth. Resource ids of one service and type the caller may act on (admins and owners: every one).</summary>
    public static async Task<IResult> AccessibleAsync(AccessibleRequest body, GrainCalls calls, HttpContext context)
    {
        var auth = await ServiceUser.AuthenticateAsync(context);
        var v = new RequestValidator().Svc(Body("service_name"), body.ServiceName).Svc(Body("resource_type"), body.ResourceType)
            .Matches(Body("action"), body.Action, ViewOrEdit());
        var workspaceId = v.Uuid(Body("workspace_id"), body.WorkspaceId);
        v.Range("limit", body.Limit, 1, MaxAccessibleLimit, where: "body");
        if (v.Failed) return v.Result();
        if (Scope(auth.Service, body.ServiceName!) is { } refused) return refused;
        var caller = auth.Caller;
        if (workspaceId != caller.WorkspaceId) return ApiErrors.Result(403, "Cross-workspace lookup not allowed", ErrorCodes.CrossWorkspace);

        AclNames.TryParsePermission(body.Action, out var action);
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceAuthorizationGrain>(workspaceId)
            .GetAccessibleAsync(new Actor(caller.UserId, caller.WorkspaceRole), body.ServiceName!, body.ResourceType!, action, body.Limit, ct), context.RequestAborted);
        return Results.Json(new AccessibleResponse(result.ResourceIds, result.HasFullAccess));
    }

    /// <summary>Dual auth. Shares with a member or a group, or switches an existing share between view and edit (an upsert: the original refused the switch).</summary>
    public static async Task<IResult> ShareAsync(Guid permission_id, ShareRequest body, GrainCalls calls, HttpContext context)
    {
        var auth = await ServiceUser.AuthenticateAsync(context);
        var (v, granteeType, granteeId, permission) = ValidateShare(body);
        if (v.Failed) return v.Result();
        var location = await calls.RunAsync((g, ct) => g.GetGrain<IAuthorizationLookupGrain>(0).FindPermissionAsync(permission_id, ct), context.RequestAborted);
        if (location is null) return PermissionNotFound();
        if (Scope(auth.Service, location.ServiceName) is { } refused) return refused;
        var caller = auth.Caller;
        if (location.WorkspaceId != caller.WorkspaceId) return ApiErrors.Result(403, "Cross-workspace sharing not allowed", ErrorCodes.CrossWorkspace);

        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceAuthorizationGrain>(location.WorkspaceId)
            .ShareAsync(permission_id, new Actor(caller.UserId, caller.WorkspaceRole), granteeType, granteeId, permission, null, ct), context.RequestAborted);
        return result.Error is { } error ? ToResult(error) : Results.Json(Ok, statusCode: 201);
    }

    /// <summary>Key. Registers a resource; the same (service, type, id) for the same workspace and owner returns the row unchanged.</summary>
    public static async Task<IResult> RegisterAsync(RegisterRequest body, GrainCalls calls, HttpContext context)
    {
        var key = await ServiceKey.AuthenticateAsync(context);
        var v = new RequestValidator().Svc(Body("service_name"), body.ServiceName).Svc(Body("resource_type"), body.ResourceType);
        var resourceId = v.Uuid(Body("resource_id"), body.ResourceId);
        var workspaceId = v.Uuid(Body("workspace_id"), body.WorkspaceId);
        var ownerId = v.Uuid(Body("owner_id"), body.OwnerId);
        v.Matches(Body("visibility"), body.Visibility, Visibility(), required: false);
        if (v.Failed) return v.Result();
        if (Scope(key.Identity, body.ServiceName!) is { } refused) return refused;

        AclNames.TryParseVisibility(body.Visibility ?? "workspace", out var visibility);
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceAuthorizationGrain>(workspaceId)
            .RegisterResourceAsync(new ResourceRef(body.ServiceName!, body.ResourceType!, resourceId), ownerId, visibility, null, ct), context.RequestAborted);
        return result.Error is { } error ? ToResult(error) : Results.Json(AclResponse.From(result.Value!), statusCode: 201);
    }

    /// <summary>Key. Makes a resource private or workspace-visible.</summary>
    public static async Task<IResult> VisibilityAsync(Guid permission_id, VisibilityRequest body, GrainCalls calls, HttpContext context)
    {
        var key = await ServiceKey.AuthenticateAsync(context);
        var v = new RequestValidator().Matches(Body("visibility"), body.Visibility, Visibility());
        if (v.Failed) return v.Result();
        var location = await calls.RunAsync((g, ct) => g.GetGrain<IAuthorizationLookupGrain>(0).FindPermissionAsync(permission_id, ct), context.RequestAborted);
        if (location is null) return PermissionNotFound();
        if (Scope(key.Identity, location.ServiceName) is { } refused) return refused;
        AclNames.TryParseVisibility(body.Visibility, out var visibility);
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceAuthorizationGrain>(location.WorkspaceId)
            .SetVisibilityAsync(permission_id, visibility, null, ct), context.RequestAborted);
        return result.Error is { } error ? ToResult(error) : Results.Json(AclResponse.From(result.Value!));
    }

    /// <summary>Key (a bearer is ignored). Removes a share; the body's <c>permission</c> is validated and ignored, as in the original.</summary>
    public static async Task<IResult> UnshareAsync(Guid permission_id, [Microsoft.AspNetCore.Mvc.FromBody] ShareRequest body, GrainCalls calls, HttpContext context)
    {
        var key = await ServiceKey.AuthenticateAsync(context);
        var (v, granteeType, granteeId, _) = ValidateShare(body);
        if (v.Failed) return v.Result();
        var location = await calls.RunAsync((g, ct) => g.GetGrain<IAuthorizationLookupGrain>(0).FindPermissionAsync(permission_id, ct), context.RequestAborted);
        if (location is null) return PermissionNotFound();
        if (Scope(key.Identity, location.ServiceName) is { } refused) return refused;
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IWorkspaceAuthorizationGrain>(location.WorkspaceId)
            .UnshareAsync(permission_id, granteeType, granteeId, null, ct), context.RequestAborted);
        return result.Error is { } error ? ToResult(error) : Results.Json(Ok);
    }

    /// <summary>Key. The ACL of a resource.</summary>
    public static async Task<IResult> GetResourceAsync(string service_name, string resource_type, Guid resource_id, GrainCalls calls, HttpContext context)
    {
        var key = await ServiceKey.AuthenticateAsync(context);
        if (Scope(key.Identity, service_name) is { } refused) return refused;
        var resource = new ResourceRef(service_name, resource_type, resource_id);
        var acl = await LocateAsync(resource, calls, context, async (grain, ct) => await grain.GetResourceAsync(resource, ct));
        return acl is null ? ResourceNotFound() : Results.Json(AclResponse.From(acl));
    }

    /// <summary>Key. Deletes a resource's ACL and its shares.</summary>
    public static async Task<IResult> DeleteResourceAsync(string service_name, string resource_type, Guid resource_id, GrainCalls calls, HttpContext context)
    {
        var key = await ServiceKey.AuthenticateAsync(context);
        if (Scope(key.Identity, service_name) is { } refused) return refused;
        var resource = new ResourceRef(service_name, resource_type, resource_id);
        var result = await LocateAsync(resource, calls, context, async (grain, ct) => await grain.DeleteResourceAsync(resource, null, ct));
        return result is null || result.Error is not null ? ResourceNotFound() : Results.NoContent();
    }

    /// <summary>Key. The ACL with the names of its owner, grantees and granters.</summary>
    public static async Task<IResult> GetEnrichedAsync(string service_name, string resource_type, Guid resource_id, GrainCalls calls, HttpContext context)
    {
        var key = await ServiceKey.AuthenticateAsync(context);
        if (Scope(key.Identity, service_name) is { } refused) return refused;
        var resource = new ResourceRef(service_name, resource_type, resource_id);
        var enriched = await LocateAsync(resource, calls, context, async (grain, ct) => await grain.GetEnrichedResourceAsync(resource, ct));
        return enriched is null ? ResourceNotFound() : Results.Json(EnrichedAclResponse.From(enriched));
    }

    /// <summary>The contract's status, detail and a stable code for each refusal of the permissions routes.</summary>
    public static IResult ToResult(AuthorizationError error) => error switch
    {
        AuthorizationError.PermissionNotFound => PermissionNotFound(),
        AuthorizationError.ResourceNotFound => ResourceNotFound(),
        AuthorizationError.WorkspaceNotFound => ApiErrors.Result(404, "Workspace not found", ErrorCodes.WorkspaceNotFound),
        AuthorizationError.OwnerNotFound => ApiErrors.Result(404, "Owner not found", ErrorCodes.OwnerNotFound),
        AuthorizationError.ResourceConflict => ApiErrors.Result(409, "Resource is already registered with another workspace or owner", ErrorCodes.ResourceConflict),
        AuthorizationError.NotOwnerOrAdmin => ApiErrors.Result(403, "Only the resource owner or workspace admin can share", ErrorCodes.NotOwnerOrAdmin),
        AuthorizationError.GranteeNotMember => ApiErrors.Result(400, "Grantee is not a member of this workspace", ErrorCodes.GranteeNotMember),
        AuthorizationError.GroupNotInWorkspace => ApiErrors.Result(400, "Group does not belong to this workspace", ErrorCodes.GroupNotInWorkspace),
        AuthorizationError.ShareNotFound => ApiErrors.Result(404, "Share not found", ErrorCodes.ShareNotFound),
        _ => ApiErrors.Result(400, "Request refused", ErrorCodes.BadRequest),
    };

    private static IResult PermissionNotFound() => ApiErrors.Result(404, "Permission not found", ErrorCodes.PermissionNotFound);

    private static IResult ResourceNotFound() => ApiErrors.Result(404, "Resource not found", ErrorCodes.ResourceNotFound);

    private static (RequestValidator V, GranteeType Type, Guid Id, AclPermission Permission) ValidateShare(ShareRequest body)
    {
        var v = new RequestValidator().Matches(Body("grantee_type"), body.GranteeType, GranteeType());
        var granteeId = v.Uuid(Body("grantee_id"), body.GranteeId);
        v.Matches(Body("permission"), body.Permission, ViewOrEdit());
        AclNames.TryParseGrantee(body.GranteeType, out var type);
        AclNames.TryParsePermission(body.Permission, out var permission);
        return (v, type, granteeId, permission);
    }

    /// <summary>Finds the resource's workspace, then asks its grain; null when the resource is not registered.</summary>
    private static async Task<T?> LocateAsync<T>(ResourceRef resource, GrainCalls calls, HttpContext context, Func<IWorkspaceAuthorizationGrain, CancellationToken, Task<T?>> call)
        where T : class
    {
        var location = await calls.RunAsync((g, ct) => g.GetGrain<IAuthorizationLookupGrain>(0).FindResourceAsync(resource, ct), context.RequestAborted);
        if (location is null) return null;
        return await calls.RunAsync((g, ct) => call(g.GetGrain<IWorkspaceAuthorizationGrain>(location.WorkspaceId), ct), context.RequestAborted);
    }
}
