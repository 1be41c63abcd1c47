using Sentinel.Web.Hosting;

namespace Sentinel.Web.Cluster;

/// <summary>
/// Gives each grain call its own deadline, linked to the request, instead of one global response timeout.
/// </summary>
public sealed class GrainCalls(IClusterAccess cluster, WebSettings settings)
{
    /// <summary>The grain factory; throws <see cref="ClusterUnavailableException"/> when not connected.</summary>
    public IGrainFactory Grains => cluster.Grains;

    /// <summary>Runs <paramref name="call"/> with a token that fires after <c>GRAIN_CALL_TIMEOUT_MS</c> or when the request ends.</summary>
    public async Task<T> RunAsync<T>(Func<IGrainFactory, CancellationToken, Task<T>> call, CancellationToken requestAborted, TimeSpan? timeout = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
        deadline.CancelAfter(timeout ?? TimeSpan.FromMilliseconds(settings.GrainCallTimeoutMs));
        try
        {
            return await call(cluster.Grains, deadline.Token);
        }
        catch (Exception ex) when (!requestAborted.IsCancellationRequested && IsTransport(ex))
        {
            throw new ClusterUnavailableException("A grain call failed in transit.", ex);
        }
    }

    /// <summary>Failures that say nothing about the request itself: the cluster could not be reached in time.</summary>
    public static bool IsTransport(Exception ex) => ex is OperationCanceledException
        or TimeoutException
        or SiloUnavailableException
        or OrleansMessageRejectionException
        or Orleans.Runtime.Messaging.ConnectionFailedException
        or ClusterUnavailableException
        or Sentinel.Grains.Storage.StorageUnavailableException;
}
