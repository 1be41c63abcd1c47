using Sentinel.Grains.Storage;

namespace Sentinel.Grains.Sessions;

internal sealed class UserSessionGrain(
    [PersistentState("session", StorageNames.Sessions)] IPersistentState<UserSessionState> state,
    TimeProvider time) : Grain, IUserSessionGrain
{
    public Task<TokenStatus> CheckTokenAsync(Guid jti, DateTimeOffset issuedAt, CancellationToken cancellationToken)
    {
        var s = state.State;
        if (s.Deactivated) return Task.FromResult(TokenStatus.Deactivated);
        if (s.RevokedBefore is { } cutoff && issuedAt <= cutoff) return Task.FromResult(TokenStatus.Revoked);
        if (s.DeniedTokens.ContainsKey(jti)) return Task.FromResult(TokenStatus.Revoked);
        return Task.FromResult(TokenStatus.Active);
    }

    public async Task DenyTokenAsync(Guid jti, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (expiresAt <= now) return;
        PruneExpired(now);
        state.State.DeniedTokens[jti] = expiresAt;
        await state.WriteStateAsync(cancellationToken);
    }

    public async Task<DateTimeOffset> RevokeAllIssuedBeforeNowAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        // iat has whole-second precision, so the cut-off is the current second: a token minted earlier in this
        // second is revoked too. A fresh sign-in takes longer than that.
        var cutoff = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds());
        PruneExpired(now);
        state.State.RevokedBefore = cutoff;
        await state.WriteStateAsync(cancellationToken);
        return cutoff;
    }

    public async Task SetDeactivatedAsync(bool deactivated, CancellationToken cancellationToken)
    {
        if (state.State.Deactivated == deactivated && state.RecordExists) return;
        state.State.Deactivated = deactivated;
        await state.WriteStateAsync(cancellationToken);
    }

    public Task<RevocationSnapshot> GetRevocationAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var s = state.State;
        var live = s.DeniedTokens.Count(pair => pair.Value > now);
        return Task.FromResult(new RevocationSnapshot(live, s.RevokedBefore, s.Deactivated));
    }

    private void PruneExpired(DateTimeOffset now)
    {
        foreach (var (jti, expiresAt) in state.State.DeniedTokens.ToArray())
        {
            if (expiresAt <= now) state.State.DeniedTokens.Remove(jti);
        }
    }
}
