using System.Collections.Concurrent;
using Sentinel.Grains.ServiceApps;
using Sentinel.Web.Infrastructure.Cluster;

namespace Sentinel.Web.Authorization;

/// <summary>
/// This replica's verdicts on <c>X-Service-Key</c> hashes, so a service call does not pay a round trip to
/// <see cref="IServiceKeyGrain"/> (a single, non-reentrant activation per key that every request of the service queued
/// on). Two rules keep a rotated, deactivated or deleted key refused promptly on every replica:
/// <list type="bullet">
/// <item>push: <see cref="IServiceKeyWatchGrain"/> tells every subscribed replica to forget the key before the admin call
/// returns (bounded at 1 s), so the replica that served the rotation refuses the old key at once;</item>
/// <item>lifetime: a verdict is kept for at most <see cref="Lifetime"/> (500 ms), so a replica that missed the push
/// (lost message, watch grain moved) still asks the key grain again well within the contract's 1 s.</item>
/// </list>
/// Only valid keys are kept (an unknown key is asked every time, so a new key works at once and random keys cannot fill
/// the cache), and nothing is kept until this replica's subscription is in place.
/// </summary>
public sealed partial class ServiceKeyVerdicts(IClusterAccess cluster, GrainCalls calls, ILogger<ServiceKeyVerdicts> logger)
    : BackgroundService, IServiceKeyObserver
{
    /// <summary>How long a verdict is trusted without the key grain, whatever push does.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMilliseconds(500);

    /// <summary>Subscriptions are renewed this often (they lapse after <see cref="IServiceKeyWatchGrain.SubscriptionLifetime"/>).</summary>
    private static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(30);

    /// <summary>Enough for every service of a deployment; past it the cache starts over (verdicts are cheap to ask again).</summary>
    internal const int Capacity = 10_000;

    private readonly ConcurrentDictionary<string, Entry> verdicts = new(StringComparer.Ordinal);
    private volatile bool subscribed;
    private IGrainFactory? subscribedVia;
    private IServiceKeyObserver? reference;

    private sealed record Entry(Task<ServiceKeyIdentity?> Verdict, long ExpiresAt);

    /// <summary>The cached entries (tests).</summary>
    internal int Count => verdicts.Count;

    /// <summary>True once this replica receives key changes (tests wait for it).</summary>
    public bool Subscribed => subscribed;

    /// <summary>The app the key hash belongs to, or null (unknown, rotated, inactive): from this replica's memory when fresh.</summary>
    public async Task<ServiceKeyIdentity?> ResolveAsync(string keyHash, CancellationToken requestAborted)
    {
        if (!subscribed) return await AskAsync(keyHash, requestAborted);
        var now = Environment.TickCount64;
        if (verdicts.TryGetValue(keyHash, out var entry) && entry.ExpiresAt > now && !entry.Verdict.IsFaulted && !entry.Verdict.IsCanceled)
            return await entry.Verdict;

        // One question per key at a time: concurrent requests share the answer. The entry goes in before the question
        // is sent, so a push that arrives while it is in flight removes it, and no later request reuses the answer.
        var fresh = new Entry(AskAsync(keyHash, CancellationToken.None), now + (long)Lifetime.TotalMilliseconds);
        if (entry is null ? !verdicts.TryAdd(keyHash, fresh) : !verdicts.TryUpdate(keyHash, fresh, entry))
        {
            if (verdicts.TryGetValue(keyHash, out var other)) return await other.Verdict.WaitAsync(requestAborted);
            return await AskAsync(keyHash, requestAborted);
        }
        if (verdicts.Count > Capacity) verdicts.Clear();
        try
        {
            var identity = await fresh.Verdict.WaitAsync(requestAborted);
            if (identity is null) verdicts.TryRemove(new KeyValuePair<string, Entry>(keyHash, fresh));
            return identity;
        }
        catch
        {
            verdicts.TryRemove(new KeyValuePair<string, Entry>(keyHash, fresh));
            throw;
        }
    }

    private Task<ServiceKeyIdentity?> AskAsync(string keyHash, CancellationToken requestAborted) =>
        calls.RunIdempotentAsync((grains, ct) => grains.GetGrain<IServiceKeyGrain>(keyHash).ResolveAsync(ct), requestAborted);

    /// <summary>Push from <see cref="IServiceKeyWatchGrain"/>.</summary>
    public Task KeyChangedAsync(string keyHash)
    {
        verdicts.TryRemove(keyHash, out _);
        return Task.CompletedTask;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = RenewEvery;
            try
            {
                var grains = cluster.Grains;
                if (!ReferenceEquals(grains, subscribedVia))
                {
                    // A new cluster client: nothing it subscribed before reaches us, so trust nothing cached.
                    subscribed = false;
                    verdicts.Clear();
                    reference = grains.CreateObjectReference<IServiceKeyObserver>(this);
                    subscribedVia = grains;
                }
                await grains.GetGrain<IServiceKeyWatchGrain>(0).SubscribeAsync(reference!).WaitAsync(TimeSpan.FromSeconds(5), stoppingToken);
                subscribed = true;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Until a renewal succeeds, verdicts still expire after 500 ms, so a missed push costs at most that.
                if (!subscribed) verdicts.Clear();
                LogSubscribeFailed(logger, ex.GetType().Name);
                wait = TimeSpan.FromSeconds(1);
            }
            try { await Task.Delay(wait, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Service-key change subscription not renewed ({Reason}); verdicts expire after 500 ms meanwhile")]
    private static partial void LogSubscribeFailed(ILogger logger, string reason);
}
