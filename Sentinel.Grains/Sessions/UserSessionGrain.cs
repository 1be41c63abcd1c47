using Microsoft.Extensions.Logging;
using Sentinel.Grains.Directory;
using Orleans.Storage;
using Sentinel.Grains.Storage;

namespace Sentinel.Grains.Sessions;

/// <summary>
/// The single writer of one user's sessions. Every change is applied to memory and written (ETag-checked) before the
/// call returns. A failed write leaves memory possibly ahead of storage, so the activation refuses further work and
/// deactivates; the next activation reloads what storage holds. A version conflict means another activation wrote
/// first: the request fails closed.
/// </summary>
internal sealed partial class UserSessionGrain(
    [PersistentState("session", StorageNames.Sessions)] IPersistentState<UserSessionState> state,
    TimeProvider time,
    ILogger<UserSessionGrain> logger) : Grain, IUserSessionGrain
{
    /// <summary>How long a request id's result is kept for the edge's retries.</summary>
    internal static readonly TimeSpan RequestMemory = TimeSpan.FromMinutes(2);

    /// <summary>Bound on each read of the user or workspace grain during an issue.</summary>
    private static readonly TimeSpan DirectoryReadTimeout = TimeSpan.FromSeconds(3);

    private bool poisoned;

    /// <summary>
    /// Claims read from the user and workspace grains during this activation, by workspace: a rotation issues from them
    /// without the two directory reads. Memory only, so a fresh activation always reads first. Every change that alters
    /// them reaches this grain before the change is acknowledged: role change, member and group removal and workspace
    /// deletion revoke every family (<see cref="RevokeAllIssuedBeforeNowAsync"/>), deactivation calls
    /// <see cref="SetDeactivatedAsync"/>, and the rest (profile, group additions) call <see cref="ClaimsChangedAsync"/>.
    /// Each of those clears this and bumps <see cref="claimsEpoch"/>.
    /// </summary>
    private readonly Dictionary<Guid, AccessClaims> heldClaims = [];

    /// <summary>Bumped by every invalidation: a read that started before one is used once but never held.</summary>
    private long claimsEpoch;

    private Guid UserId => this.GetPrimaryKey();

    public Task<TokenStatus> CheckAsync(TokenRef token, CancellationToken cancellationToken)
    {
        ThrowIfPoisoned();
        var s = state.State;
        if (s.Deactivated) return Task.FromResult(TokenStatus.Deactivated);
        if (s.DeniedTokens.ContainsKey(token.Jti)) return Task.FromResult(TokenStatus.Revoked);
        // By reference: a family leaves Families only when revoked or once all its tokens have expired, so a token
        // naming a live family is not revoked, and one naming any other family is (or is expired anyway). No clock
        // is compared, so a revocation and a sign-in in the same second cannot be confused.
        if (token.SessionId is { } sid) return Task.FromResult(s.Families.ContainsKey(sid) ? TokenStatus.Active : TokenStatus.Revoked);
        return Task.FromResult(RevokedByCutOff(s, token) ? TokenStatus.Revoked : TokenStatus.Active);
    }

    public Task<TokenStatus> CheckTokenAsync(Guid jti, DateTimeOffset issuedAt, CancellationToken cancellationToken) =>
        CheckAsync(new TokenRef(jti, issuedAt, null), cancellationToken);

    public async Task DenyTokenAsync(Guid jti, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        ThrowIfPoisoned();
        var now = time.GetUtcNow();
        if (expiresAt <= now) return;
        Prune(now);
        state.State.DeniedTokens[jti] = expiresAt;
        await PersistOrThrowAsync();
    }

    public async Task<DateTimeOffset> RevokeAllIssuedBeforeNowAsync(CancellationToken cancellationToken)
    {
        ForgetClaims();
        ThrowIfPoisoned();
        var now = time.GetUtcNow();
        Prune(now);
        var cutoff = RaiseCutOff(now);
        var revoked = RevokeAllFamilies();
        await PersistOrThrowAsync();
        if (revoked > 0) LogFamiliesRevoked(logger, UserId, revoked, "revoke_all");
        return cutoff;
    }

    public async Task SetDeactivatedAsync(bool deactivated, CancellationToken cancellationToken)
    {
        ForgetClaims();
        ThrowIfPoisoned();
        if (state.State.Deactivated == deactivated && state.RecordExists && (!deactivated || state.State.Families.Count == 0)) return;
        var now = time.GetUtcNow();
        Prune(now);
        state.State.Deactivated = deactivated;
        var revoked = deactivated ? RevokeAllFamilies() : 0;
        await PersistOrThrowAsync();
        if (revoked > 0) LogFamiliesRevoked(logger, UserId, revoked, "deactivated");
    }

    public Task ClaimsChangedAsync(CancellationToken cancellationToken)
    {
        ForgetClaims();
        return Task.CompletedTask;
    }

    private void ForgetClaims()
    {
        heldClaims.Clear();
        claimsEpoch++;
    }

    public Task<RevocationSnapshot> GetRevocationAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var s = state.State;
        var live = s.DeniedTokens.Count(pair => pair.Value > now);
        return Task.FromResult(new RevocationSnapshot(live, EffectiveCutOff(s), s.Deactivated));
    }

    public async Task<SessionDecision> StartFamilyAsync(StartFamilyRequest request, CancellationToken cancellationToken)
    {
        ThrowIfPoisoned();
        var now = time.GetUtcNow();
        if (Remembered(request.RequestId, now) is { } done) return done;
        Prune(now);

        // A sign-in always reads: it is rare, and it seeds the claims later rotations issue from.
        var claims = await ReadClaimsAsync(request.WorkspaceId, mayUseHeld: false, cancellationToken);
        if (claims.Refusal is { } refusal)
        {
            LogStartRefused(logger, UserId, refusal);
            return new SessionDecision.Refused(refusal);
        }

        // Indexed before the family exists (and before memory changes): an app's revocation never misses a live family.
        if (request.ClientAppId is { } clientAppId) await ClientAppSessionIndex.RecordAsync(ServiceProvider, clientAppId, UserId, cancellationToken);

        var familyId = Guid.NewGuid();
        var family = new RefreshFamily
        {
            WorkspaceId = request.WorkspaceId,
            ClientAppId = request.ClientAppId,
            ClientAppName = request.ClientAppName,
            CreatedAt = now,
        };
        var tokens = Issue(familyId, family, claims.Claims!, request.Device, request.Policy, now, request.RequestId);
        state.State.Families[familyId] = family;
        var evicted = EvictBeyond(request.Policy.MaxFamilies, keep: familyId);

        if (!await TryPersistAsync()) return new SessionDecision.Refused(SessionRefusal.VersionConflict);
        LogFamilyStarted(logger, UserId, familyId, request.WorkspaceId);
        if (evicted > 0) LogFamiliesRevoked(logger, UserId, evicted, "max_sessions");
        return new SessionDecision.Issued(tokens, Replayed: false);
    }

    public async Task<SessionDecision> RotateAsync(RotateRequest request, CancellationToken cancellationToken)
    {
        ThrowIfPoisoned();
        var now = time.GetUtcNow();
        if (Remembered(request.RequestId, now) is { } done)
        {
            LogEdgeRetry(logger, UserId, request.FamilyId);
            return done;
        }
        Prune(now);

        if (!state.State.Families.TryGetValue(request.FamilyId, out var family))
        {
            LogUnknownFamily(logger, UserId, request.FamilyId);
            return new SessionDecision.Refused(SessionRefusal.FamilyNotFound);
        }

        if (family.CurrentRefreshJti != request.RefreshJti)
        {
            // Two tabs refreshing at once: within the grace window the just-rotated token gets the same pair again.
            if (family.PreviousRefreshJti == request.RefreshJti && family.RotatedAt is { } rotatedAt && family.LastIssued is { } last
                && request.Policy.ReuseGrace > TimeSpan.Zero && now - rotatedAt <= request.Policy.ReuseGrace)
            {
                LogGraceReplay(logger, UserId, request.FamilyId);
                return new SessionDecision.Issued(last, Replayed: true);
            }
            return await RevokeForReuseAsync(request.FamilyId, family);
        }

        var claims = await ReadClaimsAsync(family.WorkspaceId, mayUseHeld: true, cancellationToken);
        if (claims.Refusal is { } refusal)
        {
            // The token is spent either way: a user who may no longer sign in loses the whole family.
            RevokeFamily(request.FamilyId, family);
            if (!await TryPersistAsync()) return new SessionDecision.Refused(SessionRefusal.VersionConflict);
            LogRotateRefused(logger, UserId, request.FamilyId, refusal);
            return new SessionDecision.Refused(refusal == SessionRefusal.WorkspaceNotFound ? SessionRefusal.NotMember : refusal);
        }

        var previous = family.CurrentRefreshJti;
        var tokens = Issue(request.FamilyId, family, claims.Claims!, request.Device, request.Policy, now, request.RequestId);
        family.PreviousRefreshJti = previous;
        family.RotatedAt = now;

        if (!await TryPersistAsync()) return new SessionDecision.Refused(SessionRefusal.VersionConflict);
        return new SessionDecision.Issued(tokens, Replayed: false);
    }

    public async Task<bool> RevokeFamilyAsync(Guid familyId, string reason, CancellationToken cancellationToken)
    {
        ThrowIfPoisoned();
        var now = time.GetUtcNow();
        Prune(now);
        if (!state.State.Families.TryGetValue(familyId, out var family)) return false;
        RevokeFamily(familyId, family);
        await PersistOrThrowAsync();
        LogFamiliesRevoked(logger, UserId, 1, reason);
        return true;
    }

    public async Task<int> LogoutAsync(Guid accessJti, DateTimeOffset accessExpiresAt, CancellationToken cancellationToken)
    {
        ThrowIfPoisoned();
        var now = time.GetUtcNow();
        Prune(now);
        var revoked = RevokeAllFamilies();
        if (accessExpiresAt > now) state.State.DeniedTokens[accessJti] = accessExpiresAt;
        await PersistOrThrowAsync();
        LogFamiliesRevoked(logger, UserId, revoked, "logout");
        return revoked;
    }

    public Task<IReadOnlyList<SessionInfo>> ListSessionsAsync(Guid? current, CancellationToken cancellationToken)
    {
        ThrowIfPoisoned();
        var now = time.GetUtcNow();
        IReadOnlyList<SessionInfo> list = state.State.Families
            .Where(pair => pair.Value.RefreshExpiresAt > now)
            .OrderByDescending(pair => pair.Value.LastUsedAt)
            .ThenBy(pair => pair.Key)
            .Select(pair => new SessionInfo(pair.Key, pair.Value.ClientAppId, pair.Value.ClientAppName, pair.Value.WorkspaceId,
                pair.Value.CreatedAt, pair.Value.LastUsedAt, pair.Value.Ip, pair.Value.UserAgent,
                current is { } id && (pair.Key == id || pair.Value.AccessTokens?.ContainsKey(id) == true)))
            .ToArray();
        return Task.FromResult(list);
    }

    /// <summary>The stored result of an earlier call with this request id, if it is recent: the edge retrying a lost reply.</summary>
    private SessionDecision? Remembered(Guid requestId, DateTimeOffset now)
    {
        foreach (var family in state.State.Families.Values)
        {
            if (family.LastRequestId == requestId && family.LastIssued is { } issued && family.LastUsedAt + RequestMemory > now)
                return new SessionDecision.Issued(issued, Replayed: true);
        }
        return null;
    }

    private IssuedTokens Issue(Guid familyId, RefreshFamily family, AccessClaims claims, SessionDevice device, SessionPolicy policy, DateTimeOffset now, Guid requestId)
    {
        // iat is whole seconds; both tokens share it, and exp follows from it, so signing the record again is byte-identical.
        var issuedAt = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds());
        var tokens = new IssuedTokens(familyId, issuedAt, Guid.NewGuid(), issuedAt + policy.RefreshLifetime, Guid.NewGuid(), issuedAt + policy.AccessLifetime, claims);
        family.CurrentRefreshJti = tokens.RefreshJti;
        family.RefreshExpiresAt = tokens.RefreshExpiresAt;
        family.LastUsedAt = now;
        family.Ip = device.Ip;
        family.UserAgent = device.UserAgent;
        family.LastIssued = tokens;
        family.LastRequestId = requestId;
        return tokens;
    }

    private async Task<SessionDecision> RevokeForReuseAsync(Guid familyId, RefreshFamily family)
    {
        RevokeFamily(familyId, family);
        if (!await TryPersistAsync()) return new SessionDecision.Refused(SessionRefusal.VersionConflict);
        LogReuse(logger, UserId, familyId);
        try
        {
            await ActivitySinks.Resolve(ServiceProvider).WriteAsync("refresh_token_reused", UserId, new { family_id = familyId }, CancellationToken.None);
        }
        catch (Exception ex)
        {
            // The revocation is already durable; the audit row is best effort.
            LogActivityFailed(logger, ex, UserId);
        }
        return new SessionDecision.Refused(SessionRefusal.Reused);
    }

    private sealed record ClaimsRead(AccessClaims? Claims, SessionRefusal? Refusal);

    private async Task<ClaimsRead> ReadClaimsAsync(Guid workspaceId, bool mayUseHeld, CancellationToken cancellationToken)
    {
        if (state.State.Deactivated) return new ClaimsRead(null, SessionRefusal.UserInactive);
        if (mayUseHeld && heldClaims.TryGetValue(workspaceId, out var held)) return new ClaimsRead(held, null);
        var epoch = claimsEpoch;
        var read = await ReadDirectoryAsync(workspaceId, cancellationToken);
        // Held only if no change was announced while reading; a refusal is never held (the family goes anyway).
        if (read.Claims is { } fresh && epoch == claimsEpoch) heldClaims[workspaceId] = fresh;
        return read;
    }

    private async Task<ClaimsRead> ReadDirectoryAsync(Guid workspaceId, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(DirectoryReadTimeout);
        var (user, member) = await GrainSessionDirectory.Resolve(ServiceProvider).ReadAsync(GrainFactory, UserId, workspaceId, deadline.Token);
        if (user is null) return new ClaimsRead(null, SessionRefusal.UserNotFound);
        if (!user.IsActive) return new ClaimsRead(null, SessionRefusal.UserInactive);
        if (!member.Exists) return new ClaimsRead(null, SessionRefusal.WorkspaceNotFound);
        if (member.Role is not { } role) return new ClaimsRead(null, SessionRefusal.NotMember);
        return new ClaimsRead(new AccessClaims(user.Email, user.Name, workspaceId, member.Slug, role.ToName(), member.Groups), null);
    }

    /// <summary>
    /// Revokes by reference: once the family is gone, every access token naming it (<c>sid</c>) is refused. Access
    /// jtis of the legacy list (tokens without <c>sid</c>, minted before the cutover) are denylisted until they expire.
    /// </summary>
    private void RevokeFamily(Guid familyId, RefreshFamily family)
    {
        var now = time.GetUtcNow();
        foreach (var (jti, expiresAt) in family.AccessTokens ?? [])
        {
            if (expiresAt > now) state.State.DeniedTokens[jti] = expiresAt;
        }
        state.State.Families.Remove(familyId);
    }

    /// <summary>
    /// Sets a new user-wide cut-off for tokens without <c>sid</c>: now, to the microsecond, and strictly later than the
    /// one before, so that a token stamped with the old one (<c>rvk</c>) is refused even within the same microsecond, and
    /// even if an earlier write of a cut-off was lost with its activation.
    /// </summary>
    private DateTimeOffset RaiseCutOff(DateTimeOffset now)
    {
        var s = state.State;
        var micros = Math.Max(Microseconds(now), EffectiveCutOff(s) is { } earlier ? Microseconds(earlier) + 1 : 0);
        var cutoff = DateTimeOffset.UnixEpoch.AddTicks(micros * 10);
        s.CutOff = cutoff;
        s.RevokedBefore = null;
        return cutoff;
    }

    /// <summary>
    /// The cut-off in force. A legacy <see cref="UserSessionState.RevokedBefore"/> meant "iat at or before this whole
    /// second", which is "issued before the next second".
    /// </summary>
    private static DateTimeOffset? EffectiveCutOff(UserSessionState s)
    {
        var legacy = s.RevokedBefore?.AddSeconds(1);
        return (s.CutOff, legacy) switch
        {
            ({ } a, { } b) => a > b ? a : b,
            ({ } a, null) => a,
            (null, var b) => b,
        };
    }

    /// <summary>
    /// With <c>rvk</c> (admin and authz tokens): revoked when the cut-off in force now is later than the one the edge read
    /// before minting, so a token minted after a revocation is never refused by it, and one minted before always is;
    /// no clock is compared. Without it (tokens minted before <c>rvk</c> existed): revoked when the whole-second
    /// <c>iat</c> is before the cut-off, which can only err towards refusing, within the cut-off's own second.
    /// </summary>
    private static bool RevokedByCutOff(UserSessionState s, TokenRef token)
    {
        if (EffectiveCutOff(s) is not { } cutoff) return false;
        return token.MintedUnder is { } stamp
            ? Microseconds(stamp) < Microseconds(cutoff)
            : token.IssuedAt < cutoff;
    }

    private static long Microseconds(DateTimeOffset instant) => (instant.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    private int RevokeAllFamilies()
    {
        var families = state.State.Families.ToArray();
        foreach (var (id, family) in families) RevokeFamily(id, family);
        return families.Length;
    }

    private int EvictBeyond(int max, Guid keep)
    {
        var evicted = 0;
        while (state.State.Families.Count > Math.Max(1, max))
        {
            var (oldestId, oldest) = state.State.Families.Where(pair => pair.Key != keep).MinBy(pair => pair.Value.CreatedAt);
            RevokeFamily(oldestId, oldest);
            evicted++;
        }
        return evicted;
    }

    /// <summary>
    /// Keeps the state small: expired denylist entries go, and so do families whose refresh token and last access token
    /// have both expired (no token of theirs is usable, so forgetting them revokes nothing). Runs before every write.
    /// </summary>
    private void Prune(DateTimeOffset now)
    {
        var s = state.State;
        if (s.RevokedBefore is not null)
        {
            s.CutOff = EffectiveCutOff(s);
            s.RevokedBefore = null;
        }
        foreach (var (jti, expiresAt) in s.DeniedTokens.ToArray())
        {
            if (expiresAt <= now) s.DeniedTokens.Remove(jti);
        }
        foreach (var (id, family) in s.Families.ToArray())
        {
            if (family.RefreshExpiresAt <= now && (family.LastIssued?.AccessExpiresAt ?? DateTimeOffset.MinValue) <= now)
            {
                s.Families.Remove(id);
                continue;
            }
            if (family.AccessTokens is { } legacy)
            {
                foreach (var (jti, expiresAt) in legacy.ToArray())
                {
                    if (expiresAt <= now) legacy.Remove(jti);
                }
                if (legacy.Count == 0) family.AccessTokens = null;
            }
        }
    }

    /// <summary>Writes state; false on a version conflict (another activation wrote first), after which this one deactivates.</summary>
    private async Task<bool> TryPersistAsync()
    {
        try
        {
            // Not cancellable: once memory has changed, the write either completes or the activation is discarded.
            await state.WriteStateAsync(CancellationToken.None);
            return true;
        }
        catch (InconsistentStateException ex)
        {
            Poison();
            LogVersionConflict(logger, ex, UserId);
            return false;
        }
        catch
        {
            Poison();
            throw;
        }
    }

    private async Task PersistOrThrowAsync()
    {
        if (!await TryPersistAsync())
            throw new StorageUnavailableException("Session state changed under a duplicate activation; retry.");
    }

    private void Poison()
    {
        poisoned = true;
        DeactivateOnIdle();
    }

    private void ThrowIfPoisoned()
    {
        // Memory may disagree with storage: answer nothing until a fresh activation has reloaded it.
        if (poisoned) throw new StorageUnavailableException("Session state is being reloaded; retry.");
    }
}
