namespace Sentinel.Client;

/// <summary>The answer of <c>POST /roles/check-action</c>: allowed, and the RBAC roles that grant it.</summary>
public sealed record ActionCheckResult(bool Allowed, IReadOnlyList<string> Roles);

/// <summary>A registered action (<c>POST /roles/actions/register</c>).</summary>
public sealed record RegisteredAction(Guid Id, string ServiceName, string Action, string? Description, DateTimeOffset CreatedAt);

internal sealed record RegisterActionsRequest(string ServiceName, IReadOnlyList<ActionItem> Actions);
internal sealed record ActionItem(string Action, string? Description);
internal sealed record CheckActionRequest(string ServiceName, string Action, Guid WorkspaceId);
internal sealed record UserActionsResponse(IReadOnlyList<string> Actions);

/// <summary>
/// Sentinel's RBAC (<c>/roles</c>, docs/authorization.md) for this service. Check-action and user-actions need the caller's
/// bearer beside the key (the given one, else the current request's Sentinel token).
/// </summary>
public sealed class RoleClient
{
    private readonly SentinelHttp http;

    internal RoleClient(SentinelHttp http) => this.http = http;

    /// <summary>Registers (upserts) this service's actions; retried safely, since it returns the same rows.</summary>
    public Task<IReadOnlyList<RegisteredAction>> RegisterActionsAsync(IEnumerable<SentinelActionDefinition> actions, CancellationToken cancellationToken = default) =>
        http.SendAsync<IReadOnlyList<RegisteredAction>>(HttpMethod.Post, "/roles/actions/register",
            new RegisterActionsRequest(http.ServiceName, actions.Select(a => new ActionItem(a.Action, a.Description)).ToArray()),
            BearerUse.None, null, idempotent: true, cancellationToken);

    /// <summary>Whether the caller's RBAC roles in <paramref name="workspaceId"/> grant <paramref name="action"/>.</summary>
    public Task<ActionCheckResult> CheckActionAsync(string action, Guid workspaceId, string? bearer = null, CancellationToken cancellationToken = default) =>
        http.SendAsync<ActionCheckResult>(HttpMethod.Post, "/roles/check-action", new CheckActionRequest(http.ServiceName, action, workspaceId),
            BearerUse.Caller, bearer, idempotent: true, cancellationToken);

    /// <summary>Every action of this service the caller's RBAC roles grant in <paramref name="workspaceId"/>.</summary>
    public async Task<IReadOnlyList<string>> GetUserActionsAsync(Guid workspaceId, string? bearer = null, CancellationToken cancellationToken = default)
    {
        var path = $"/roles/user-actions?workspace_id={workspaceId}&service_name={Uri.EscapeDataString(http.ServiceName)}";
        var response = await http.SendAsync<UserActionsResponse>(HttpMethod.Get, path, null, BearerUse.Caller, bearer, idempotent: true, cancellationToken);
        return response.Actions;
    }
}
