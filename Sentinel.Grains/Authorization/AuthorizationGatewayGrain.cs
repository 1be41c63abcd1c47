using Orleans.Concurrency;
using Sentinel.Grains.Directory;
using Sentinel.Grains.ServiceApps;
using Sentinel.Grains.Sessions;

namespace Sentinel.Grains.Authorization;

/// <summary>
/// Stateless and local to the silo the edge talks to: the session and workspace grains it calls are reached inside the
/// cluster, which costs far less than round trips from the edge. When the edge already knows the key's service (its
/// verdict cache), the key grain is not called; the revocation check and the answer are then asked in parallel, and the
/// answer is returned only when no refusal applies, so the outcome is the sequential one's.
/// </summary>
[StatelessWorker]
internal sealed class AuthorizationGatewayGrain : Grain, IAuthorizationGatewayGrain
{
    public async Task<Result<IReadOnlyList<bool>, ServiceCallRefusal>> CheckPermissionsAsync(ServiceCredentials caller, IReadOnlyList<AclCheck> checks, CancellationToken cancellationToken)
    {
        // Started before the refusals are known only when nothing but revocation could refuse (the answer is a read).
        var early = checks.Count > 0 && LocallyAdmitted(caller, checks.Select(c => c.Resource.ServiceName), null)
            ? Workspace(caller.WorkspaceId).CheckPermissionsAsync(new Actor(caller.UserId, caller.TokenRole), checks, cancellationToken)
            : null;
        var (refusal, detail) = await AuthenticateAsync(caller, checks.Select(c => c.Resource.ServiceName), null, cancellationToken);
        if (refusal is not null)
        {
            Observe(early);
            return Result<IReadOnlyList<bool>, ServiceCallRefusal>.Refused(refusal.Value, detail);
        }
        var allowed = checks.Count == 0
            ? []
            : await (early ?? Workspace(caller.WorkspaceId).CheckPermissionsAsync(new Actor(caller.UserId, caller.TokenRole), checks, cancellationToken));
        return Result<IReadOnlyList<bool>, ServiceCallRefusal>.Ok(allowed);
    }

    public async Task<Result<ActionCheck, ServiceCallRefusal>> CheckActionAsync(ServiceCredentials caller, Guid workspaceId, string serviceName, string action, CancellationToken cancellationToken)
    {
        var early = LocallyAdmitted(caller, [serviceName], workspaceId)
            ? Workspace(workspaceId).CheckActionAsync(caller.UserId, serviceName, action, cancellationToken)
            : null;
        var (refusal, detail) = await AuthenticateAsync(caller, [serviceName], workspaceId, cancellationToken);
        if (refusal is not null)
        {
            Observe(early);
            return Result<ActionCheck, ServiceCallRefusal>.Refused(refusal.Value, detail);
        }
        var result = await (early ?? Workspace(workspaceId).CheckActionAsync(caller.UserId, serviceName, action, cancellationToken));
        return Result<ActionCheck, ServiceCallRefusal>.Ok(result);
    }

    private IWorkspaceAuthorizationGrain Workspace(Guid id) => GrainFactory.GetGrain<IWorkspaceAuthorizationGrain>(id);

    /// <summary>The refusals decidable without a call all pass (the key's service is known and matches everything named).</summary>
    private static bool LocallyAdmitted(ServiceCredentials caller, IEnumerable<string> namedServices, Guid? workspaceId) =>
        caller.KnownService is { } service
        && (caller.AuthzService is null || caller.AuthzService == service)
        && namedServices.All(n => n == service)
        && (workspaceId is null || workspaceId == caller.WorkspaceId);

    /// <summary>An answer that will not be used: observe its failure so it is not reported as unobserved.</summary>
    private static void Observe(Task? task) => task?.ContinueWith(static t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);

    /// <summary>The dual scheme's checks after local token verification, in the contract's order.</summary>
    private async Task<(ServiceCallRefusal? Refusal, string? Detail)> AuthenticateAsync(
        ServiceCredentials caller, IEnumerable<string> namedServices, Guid? workspaceId, CancellationToken cancellationToken)
    {
        var key = caller.KnownService is { } known
            ? Task.FromResult<string?>(known)
            : ResolveServiceAsync(caller.KeyHash, cancellationToken);
        var session = GrainFactory.GetGrain<IUserSessionGrain>(caller.UserId).CheckAsync(new TokenRef(caller.Jti, caller.IssuedAt, caller.SessionId, caller.MintedUnder), cancellationToken);
        await Task.WhenAll(key, session);
        if (await key is not { } service) return (ServiceCallRefusal.InvalidKey, null);
        if (caller.AuthzService is not null && caller.AuthzService != service) return (ServiceCallRefusal.TokenServiceMismatch, null);
        switch (await session)
        {
            case TokenStatus.Revoked: return (ServiceCallRefusal.TokenRevoked, null);
            case TokenStatus.Deactivated: return (ServiceCallRefusal.UserDeactivated, null);
        }
        foreach (var name in namedServices)
        {
            if (name != service) return (ServiceCallRefusal.ServiceNotAuthorized, name);
        }
        if (workspaceId is { } requested && requested != caller.WorkspaceId) return (ServiceCallRefusal.CrossWorkspace, null);
        return (null, null);
    }

    private async Task<string?> ResolveServiceAsync(string keyHash, CancellationToken cancellationToken) =>
        (await GrainFactory.GetGrain<IServiceKeyGrain>(keyHash).ResolveAsync(cancellationToken))?.ServiceName;
}
