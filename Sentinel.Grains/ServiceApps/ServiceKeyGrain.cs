using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Sentinel.Grains.ServiceApps;

/// <summary>
/// Resolves one key hash from memory. <c>last_used_at</c> is written at most once a minute per key (and on
/// deactivation), never once per request.
/// </summary>
internal sealed class ServiceKeyGrain(NpgsqlDataSource database, TimeProvider time) : Grain, IServiceKeyGrain
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
        await using var cmd = database.CreateCommand(
            "SELECT id, service_name, allowed_origins, allowed_idp_audiences, key_hash FROM service_apps WHERE key_hash = @hash AND is_active");
        cmd.Parameters.AddWithValue("hash", KeyHash);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        identity = null;
        if (await reader.ReadAsync(cancellationToken))
        {
            // The index lookup already matched; compare again in constant time so no timing depends on how much matched.
            var stored = Encoding.ASCII.GetBytes(reader.GetString(4));
            if (CryptographicOperations.FixedTimeEquals(stored, Encoding.ASCII.GetBytes(KeyHash)))
                identity = new ServiceKeyIdentity(reader.GetGuid(0), reader.GetString(1), reader.GetFieldValue<string[]>(2), reader.GetFieldValue<string[]>(3));
        }
        loaded = true;
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (unflushedUse is not { } used || identity is null) return;
        unflushedUse = null;
        await using var cmd = database.CreateCommand("UPDATE service_apps SET last_used_at = GREATEST(COALESCE(last_used_at, @used), @used) WHERE id = @id");
        cmd.Parameters.AddWithValue("id", identity.AppId);
        cmd.Parameters.AddWithValue("used", used);
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }
}
