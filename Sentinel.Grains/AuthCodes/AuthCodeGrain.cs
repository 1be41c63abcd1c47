using Sentinel.Grains.Storage;

namespace Sentinel.Grains.AuthCodes;

/// <summary>Stored as JSON keyed by property name: a stored schema.</summary>
[GenerateSerializer, Alias("sentinel.AuthCodeState")]
public sealed class AuthCodeState
{
    [Id(0)] public AuthCodeGrant? Grant { get; set; }
}

/// <summary>
/// A single-use code. Use and expiry clear the state, and the silo's storage deletes cleared rows, so no used or
/// expired code stays in PostgreSQL. While active, a timer clears it at expiry; a code whose silo died before then is
/// cleared the next time anyone presents it.
/// </summary>
internal sealed class AuthCodeGrain(
    [PersistentState("authcode", StorageNames.Ephemeral)] IPersistentState<AuthCodeState> state,
    TimeProvider time) : Grain, IAuthCodeGrain
{
    private IGrainTimer? expiry;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Grant is { } grant)
        {
            if (grant.ExpiresAt <= time.GetUtcNow()) await ClearAsync();
            else ScheduleExpiry(grant.ExpiresAt);
        }
    }

    public async Task<bool> IssueAsync(AuthCodeGrant grant, CancellationToken cancellationToken)
    {
        if (state.State.Grant is not null) return false;
        state.State.Grant = grant;
        await state.WriteStateAsync(cancellationToken);
        ScheduleExpiry(grant.ExpiresAt);
        return true;
    }

    public async Task<AuthCodeGrant?> PeekAsync(CancellationToken cancellationToken)
    {
        if (state.State.Grant is not { } grant) return null;
        if (grant.ExpiresAt > time.GetUtcNow()) return grant;
        await ClearAsync();
        return null;
    }

    public async Task<AuthCodeGrant?> ConsumeAsync(CancellationToken cancellationToken)
    {
        if (state.State.Grant is not { } grant) return null;
        // Cleared (and the row deleted) before the caller checks anything else: any later failure burns the code.
        await ClearAsync();
        return grant.ExpiresAt > time.GetUtcNow() ? grant : null;
    }

    private void ScheduleExpiry(DateTimeOffset expiresAt)
    {
        expiry?.Dispose();
        var due = expiresAt - time.GetUtcNow();
        expiry = this.RegisterGrainTimer(async _ => await ClearAsync(), due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan);
    }

    private async Task ClearAsync()
    {
        expiry?.Dispose();
        expiry = null;
        if (state.State.Grant is null && !state.RecordExists) return;
        state.State.Grant = null;
        await state.ClearStateAsync(CancellationToken.None);
        DeactivateOnIdle();
    }
}
