namespace Sentinel.Grains.Directory;

internal sealed class UserGrain(UserStore store) : Grain, IUserGrain
{
    private UserProfile? user;
    private bool loaded;

    private Guid Id => this.GetPrimaryKey();

    public async Task<UserProfile?> GetAsync(CancellationToken cancellationToken)
    {
        if (!loaded) await LoadAsync(cancellationToken);
        return user;
    }

    public async Task<Result<UserProfile, DirectoryError>> CreateAsync(string email, string name, string? avatarUrl, bool isAdmin, CancellationToken cancellationToken)
    {
        if (await store.CreateAsync(Id, email, name, avatarUrl, isAdmin, cancellationToken) is not { } created)
            return Result<UserProfile, DirectoryError>.Refused(DirectoryError.EmailTaken);
        user = created;
        loaded = true;
        return Result<UserProfile, DirectoryError>.Ok(created);
    }

    public async Task<UserProfile?> UpdateProfileAsync(string? name, string? avatarUrl, CancellationToken cancellationToken)
    {
        user = await store.UpdateProfileAsync(Id, name, avatarUrl, cancellationToken);
        loaded = true;
        await ClaimsChangedAsync(cancellationToken);
        return user;
    }

    public async Task<UserProfile?> SetAdminAsync(bool isAdmin, Guid? actorId, CancellationToken cancellationToken)
    {
        if (await store.SetAdminAsync(Id, isAdmin, actorId, cancellationToken) is not { } updated) return null;
        user = updated;
        loaded = true;
        return user;
    }

    public async Task<UserProfile?> ReloadAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        // Admin changes (name, active) reload this grain: the session grain's held claims go too.
        await ClaimsChangedAsync(cancellationToken);
        return user;
    }

    /// <summary>
    /// Name and email are access-token claims the session grain holds between rotations: it forgets them before this
    /// change is acknowledged. The call interleaves on the session grain, so awaiting it here cannot deadlock with a
    /// rotation that is reading this grain.
    /// </summary>
    private Task ClaimsChangedAsync(CancellationToken cancellationToken) =>
        GrainFactory.GetGrain<Sentinel.Grains.Sessions.IUserSessionGrain>(Id).ClaimsChangedAsync(cancellationToken);

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        user = await store.GetAsync(Id, cancellationToken);
        // A missing user is not cached: it may be created through another path (sign-in) a moment later.
        loaded = user is not null;
    }
}
