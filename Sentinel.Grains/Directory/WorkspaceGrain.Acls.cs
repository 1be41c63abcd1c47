using System.Diagnostics;
using Npgsql;
using Sentinel.Grains.Authorization;

namespace Sentinel.Grains.Directory;

// ACL writes, and the authorization state's life: load, reload, the grants a directory change takes away, and the
// rule that a write which may have half-happened leaves memory untrusted. Every write commits through
// AuthorizationStore first, then changes memory, before it returns.
internal sealed partial class WorkspaceGrain
{
    public Task<Result<AclInfo, AuthorizationError>> RegisterResourceAsync(ResourceRef resource, Guid ownerId, AclVisibility visibility, Audit? audit, CancellationToken cancellationToken) => WriteAsync(async () =>
    {
        if (workspace is null) return Deny<AclInfo>(AuthorizationError.WorkspaceNotFound);
        if (acls.Find(resource) is { } existing)
        {
            // Idempotent for the same owner; another owner is a conflict, not a silent success.
            return existing.OwnerId == ownerId ? Result<AclInfo, AuthorizationError>.Ok(acls.ToInfo(existing, Id)) : Deny<AclInfo>(AuthorizationError.ResourceConflict);
        }
        var id = Guid.NewGuid();
        // A conflict here is a row that is not in this workspace's memory but is in the table: another workspace's.
        var registered = await authorizationStore.RegisterResourceAsync(Id, id, resource, ownerId, visibility, audit, cancellationToken);
        if (!registered.IsOk) return Deny<AclInfo>(registered.Error!.Value);
        var entry = acls.Add(id, resource.ServiceName, resource.ResourceType, resource.ResourceId, ownerId, visibility, registered.Value);
        return Result<AclInfo, AuthorizationError>.Ok(acls.ToInfo(entry, Id));
    });

    public Task<Result<AclInfo, AuthorizationError>> SetVisibilityAsync(Guid permissionId, AclVisibility visibility, Audit? audit, CancellationToken cancellationToken) => WriteAsync(async () =>
    {
        if (acls.Find(permissionId) is not { } entry) return Deny<AclInfo>(AuthorizationError.PermissionNotFound);
        await authorizationStore.SetVisibilityAsync(Id, permissionId, visibility, audit, cancellationToken);
        entry.Visibility = visibility;
        return Result<AclInfo, AuthorizationError>.Ok(acls.ToInfo(entry, Id));
    });

    public Task<Result<AclShareInfo, AuthorizationError>> ShareAsync(Guid permissionId, Actor? sharer, GranteeType granteeType, Guid granteeId, AclPermission permission, Audit? audit, CancellationToken cancellationToken) => WriteAsync(async () =>
    {
        if (acls.Find(permissionId) is not { } entry) return Deny<AclShareInfo>(AuthorizationError.PermissionNotFound);
        if (sharer is not null)
        {
            // Decided on current membership as well as the token: a demoted or removed sharer is refused at once.
            var role = EffectiveRole(sharer);
            if (role is null || (entry.OwnerId != sharer.UserId && role < WorkspaceRole.Admin)) return Deny<AclShareInfo>(AuthorizationError.NotOwnerOrAdmin);
        }
        if (granteeType == GranteeType.User && !members.ContainsKey(granteeId)) return Deny<AclShareInfo>(AuthorizationError.GranteeNotMember);
        if (granteeType == GranteeType.Group && !groups.ContainsKey(granteeId)) return Deny<AclShareInfo>(AuthorizationError.GroupNotInWorkspace);

        var grantedBy = sharer?.UserId ?? audit?.ActorId;
        var (shareId, grantedAt) = await authorizationStore.ShareAsync(Id, permissionId, granteeType, granteeId, permission, grantedBy, audit, cancellationToken);
        var share = acls.Upsert(entry, shareId, granteeType, granteeId, permission, grantedBy, grantedAt);
        return Result<AclShareInfo, AuthorizationError>.Ok(share.ToInfo());
    });

    public Task<Result<Done, AuthorizationError>> UnshareAsync(Guid permissionId, GranteeType granteeType, Guid granteeId, Audit? audit, CancellationToken cancellationToken) => WriteAsync(async () =>
    {
        if (acls.Find(permissionId) is not { } entry) return Deny<Done>(AuthorizationError.PermissionNotFound);
        if (!await authorizationStore.UnshareAsync(Id, permissionId, granteeType, granteeId, audit, cancellationToken)) return Deny<Done>(AuthorizationError.ShareNotFound);
        acls.RemoveShare(entry, granteeType, granteeId);
        return Result<Done, AuthorizationError>.Ok(Done.Value);
    });

    public Task<Result<Done, AuthorizationError>> DeleteResourceAsync(ResourceRef resource, Audit? audit, CancellationToken cancellationToken) => WriteAsync(async () =>
    {
        if (acls.Find(resource) is not { } entry) return Deny<Done>(AuthorizationError.ResourceNotFound);
        await authorizationStore.DeleteResourceAsync(Id, entry.Id, resource, audit, cancellationToken);
        acls.Remove(entry);
        return Result<Done, AuthorizationError>.Ok(Done.Value);
    });

    public async Task ReloadAuthorizationAsync(CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        UseAuthorization(await authorizationStore.LoadAsync(Id, cancellationToken), watch);
    }

    // ---- Hooks called by the directory parts (.Members.cs, .Groups.cs), in the same turn as the change they follow.

    /// <summary>A member left: the tables already dropped their shares and role assignments here.</summary>
    private void ForgetMemberGrants(Guid userId)
    {
        acls.RemoveGrantee(GranteeType.User, userId);
        rbac.ForgetUser(userId);
    }

    /// <summary>A group was deleted: its shares were deleted with it and its role assignments cascaded.</summary>
    private void ForgetGroupGrants(Guid groupId)
    {
        acls.RemoveGrantee(GranteeType.Group, groupId);
        rbac.ForgetGroup(groupId);
    }

    private void ClearAuthorization()
    {
        acls = new AclIndex();
        rbac = new RoleIndex();
    }

    /// <summary>
    /// Loads ACLs and RBAC in one snapshot (repeatable read) into new indexes that replace the old ones only when
    /// complete: an interleaved check never sees a half-loaded state.
    /// </summary>
    private async Task LoadAuthorizationAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        UseAuthorization(await authorizationStore.LoadAsync(connection, Id, cancellationToken), watch);
    }

    private void UseAuthorization(AuthorizationSnapshot loaded, Stopwatch watch)
    {
        acls = loaded.Acls;
        rbac = loaded.Roles;
        authorizationSuspect = false;
        authorizationLoadTime = watch.Elapsed;
        LogAuthorizationLoaded(logger, Id, loaded.Acls.Count, loaded.Acls.ShareCount, loaded.Roles.Count, (long)watch.Elapsed.TotalMilliseconds);
    }

    /// <summary>
    /// Runs a write. If it fails in a way that may have left PostgreSQL changed but memory not (a lost commit
    /// acknowledgement, a cancelled call), memory is no longer trusted: reads fail closed and the activation is replaced.
    /// </summary>
    private async Task<T> WriteAsync<T>(Func<Task<T>> write)
    {
        EnsureTrusted();
        try
        {
            return await write();
        }
        catch
        {
            authorizationSuspect = true;
            DeactivateOnIdle();
            throw;
        }
    }
}
