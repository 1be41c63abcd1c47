namespace Sentinel.Grains.ServiceApps;

/// <summary>
/// An edge replica's cache of service-key verdicts, told when a key stops (or may stop) resolving as it did: rotated,
/// app deactivated or updated, app deleted.
/// </summary>
public interface IServiceKeyObserver : IGrainObserver
{
    /// <summary>Forget the verdict for this key hash (lowercase hex SHA-256).</summary>
    Task KeyChangedAsync(string keyHash);
}

/// <summary>
/// The fan-out of key changes to every edge replica (use key 0). Replicas subscribe and renew their subscription well
/// within <see cref="SubscriptionLifetime"/>; <see cref="IServiceAppGrain"/> notifies after it has committed a change and
/// dropped the key grain's cached app, and waits (bounded) until the replicas have dropped theirs.
/// </summary>
public interface IServiceKeyWatchGrain : IGrainWithIntegerKey
{
    /// <summary>A subscription not renewed for this long is dropped.</summary>
    public static readonly TimeSpan SubscriptionLifetime = TimeSpan.FromMinutes(2);

    /// <summary>Adds or renews a subscription.</summary>
    Task SubscribeAsync(IServiceKeyObserver observer);

    /// <summary>Drops a subscription (an edge replica stopping).</summary>
    Task UnsubscribeAsync(IServiceKeyObserver observer);

    /// <summary>Tells every subscribed replica to forget <paramref name="keyHash"/>; returns when all answered or after at most one second.</summary>
    Task KeyChangedAsync(string keyHash, CancellationToken cancellationToken = default);
}
