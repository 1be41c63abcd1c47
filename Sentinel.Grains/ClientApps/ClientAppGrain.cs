using Sentinel.Grains.Sessions;

namespace Sentinel.Grains.ClientApps;

/// <summary>
/// One client app's row. Sign-in reads <c>client_apps</c> on every use (<c>IClientAppLookupGrain</c>), so a change here
/// applies to the next sign-in on every silo without a cache to flush.
/// </summary>
internal sealed class ClientAppGrain(ClientAppStore store) : Grain, IClientAppGrain
{
    private Guid Id => this.GetPrimaryKey();

    public Task<ClientAppInfo?> CreateAsync(string name, IReadOnlyList<string> redirectUris, Guid? actorId, CancellationToken cancellationToken) =>
        store.CreateAsync(Id, name, redirectUris, actorId, cancellationToken);

    public Task<ClientAppInfo?> GetAsync(CancellationToken cancellationToken) => store.GetAsync(Id, cancellationToken);

    public async Task<ClientAppUpdated?> UpdateAsync(string? name, IReadOnlyList<string>? redirectUris, bool? isActive, bool revokeSessions, Guid? actorId, CancellationToken cancellationToken)
    {
        if (await store.UpdateAsync(Id, name, redirectUris, isActive, revokeSessions, cancellationToken) is not { } updated) return null;
        var (app, holders) = updated;

        var revoked = 0;
        if (revokeSessions)
        {
            foreach (var chunk in holders.Chunk(32))
            {
                var counts = await Task.WhenAll(chunk.Select(user => RevokeAppFamiliesAsync(user, cancellationToken)));
                revoked += counts.Sum();
            }
        }
        await store.RecordUpdatedAsync(Id, app.Name, revoked, actorId, cancellationToken);
        return new ClientAppUpdated(app, revoked);
    }

    public Task<bool> DeleteAsync(Guid? actorId, CancellationToken cancellationToken) => store.DeleteAsync(Id, actorId, cancellationToken);

    /// <summary>Revokes the user's live families of this app, with their access tokens; returns how many.</summary>
    private async Task<int> RevokeAppFamiliesAsync(Guid userId, CancellationToken cancellationToken)
    {
        var sessions = GrainFactory.GetGrain<IUserSessionGrain>(userId);
        var revoked = 0;
        foreach (var session in await sessions.ListSessionsAsync(null, cancellationToken))
            if (session.ClientAppId == Id && await sessions.RevokeFamilyAsync(session.FamilyId, "client_app", cancellationToken)) revoked++;
        return revoked;
    }
}
