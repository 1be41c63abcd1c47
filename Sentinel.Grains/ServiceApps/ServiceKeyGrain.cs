using System.Security.Cryptography;
using System.Text;

namespace Sentinel.Grains.ServiceApps;

/// <summary>
/// Resolves one key hash from memory. <c>last_used_at</c> is written at most once a minute per key (and on
/// deactivation), never once per request.
/// </summary>
internal sealed class ServiceKeyGrain(ServiceAppStore store, TimeProvider time) : Grain, IServiceKeyGrain
{
    private static readonly TimeSpan FlushEvery = TimeSpan.FromMinutes(1);

    private ServiceKeyIdentity? identity;
    private bool loaded;
    private DateTimeOffset? unflushedUse;
    private IGrainTimer? flushTimer;

    private string KeyHash => this.GetPrimaryKeyString();

    public async Task<ServiceKeyIdentity?> ResolveAsync(CancellationToken cancellationToken)
    {
        if (!loaded) await LoadAsync(cancellationToken);
        if (identity is null) return null;
        unflushedUse = time.GetUtcNow();
        flushTimer ??= this.RegisterGrainTimer(FlushAsync, new GrainTimerCreationOptions(FlushEvery, FlushEvery) { Interleave = false });
        return identity;
    }

    public Task InvalidateAsync(CancellationToken cancellationToken)
    {
        identity = null;
        loaded = false;
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken);
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        identity = null;
        if (await store.FindActiveByKeyHashAsync(KeyHash, cancellationToken) is { } found)
        {
            // The index lookup already matched; compare again in constant time so no timing depends on how much matched.
            var stored = Encoding.ASCII.GetBytes(found.StoredHash);
            if (CryptographicOperations.FixedTimeEquals(stored, Encoding.ASCII.GetBytes(KeyHash))) identity = found.Identity;
        }
        loaded = true;
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (unflushedUse is not { } used || identity is null) return;
        unflushedUse = null;
        await store.RecordUseAsync(identity.AppId, used, cancellationToken);
    }
}
