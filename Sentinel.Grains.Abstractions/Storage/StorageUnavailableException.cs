namespace Sentinel.Grains.Storage;

/// <summary>
/// PostgreSQL could not be reached or did not answer in time. Database driver exceptions are not serializable across
/// the cluster, so grains surface them as this; the edge answers 503 <c>cluster_unavailable</c>.
/// </summary>
[GenerateSerializer, Alias("sentinel.StorageUnavailableException")]
public sealed class StorageUnavailableException : Exception
{
    /// <summary>Creates the exception with a non-sensitive reason.</summary>
    public StorageUnavailableException(string message) : base(message) { }

    /// <summary>For serializers.</summary>
    public StorageUnavailableException() { }

    /// <summary>For serializers.</summary>
    public StorageUnavailableException(string message, Exception inner) : base(message, inner) { }
}
