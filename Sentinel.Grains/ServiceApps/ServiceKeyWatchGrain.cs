using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Utilities;

namespace Sentinel.Grains.ServiceApps;

/// <summary>
/// Pushes key changes to the edge replicas' verdict caches. Push makes a rotation or deactivation take effect at once on
/// every replica that is reachable; a replica that misses it (a lost message, a silo restart that dropped the
/// subscriptions until the replica renews) still refuses the key within its verdict lifetime (500 ms), which is the
/// bound the contract relies on (every replica refuses a rotated or deactivated key within 1 s).
/// </summary>
[Reentrant]
internal sealed class ServiceKeyWatchGrain(ILogger<ServiceKeyWatchGrain> logger) : Grain, IServiceKeyWatchGrain
{
    private static readonly TimeSpan NotifyBound = TimeSpan.FromSeconds(1);

    private readonly ObserverManager<IServiceKeyObserver> observers = new(IServiceKeyWatchGrain.SubscriptionLifetime, logger);

    public Task SubscribeAsync(IServiceKeyObserver observer)
    {
        observers.Subscribe(observer, observer);
        return Task.CompletedTask;
    }

    public Task UnsubscribeAsync(IServiceKeyObserver observer)
    {
        observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    public async Task KeyChangedAsync(string keyHash, CancellationToken cancellationToken)
    {
        // A replica that does not answer (gone, partitioned) must not hold up the admin's rotation: its cache expires anyway.
        var notified = observers.Notify(o => o.KeyChangedAsync(keyHash));
        await Task.WhenAny(notified, Task.Delay(NotifyBound, cancellationToken));
    }
}
