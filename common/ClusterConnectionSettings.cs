namespace Sentinel.Configuration;

/// <summary>
/// How a process finds the cluster: the Redis that holds membership (the silo writes it, Web finds gateways in it and
/// keeps the shared data-protection key ring there) and the Orleans cluster and service ids. Web and the silo read the
/// same variables through this one class, so one <c>.env</c> serves both.
/// </summary>
public abstract class ClusterConnectionSettings
{
    /// <summary><c>REDIS_URL</c>. Default: <c>rediss://:sentinel_dev@127.0.0.1:9002/0</c>.</summary>
    public string RedisUrl { get; set; } = "rediss://:sentinel_dev@127.0.0.1:9002/0";

    /// <summary><c>REDIS_TLS_CA_CERT</c>. Default: none.</summary>
    public string? RedisTlsCaCert { get; set; }

    /// <summary><c>REDIS_TLS_VERIFY</c>: <c>required</c> or <c>none</c>. Default: <c>none</c>.</summary>
    public string RedisTlsVerify { get; set; } = "none";

    /// <summary><c>CLUSTER_ID</c>. Default: <c>sentinel</c>.</summary>
    public string ClusterId { get; set; } = "sentinel";

    /// <summary><c>SERVICE_ID</c>: keys grain state; keep it stable across deployments. Default: <c>sentinel</c>.</summary>
    public string ServiceId { get; set; } = "sentinel";

    /// <summary>Reads the connection variables into this instance (the defaults stay for absent ones).</summary>
    internal void BindConnection(SettingsReader r)
    {
        RedisUrl = r.String("REDIS_URL", RedisUrl);
        RedisTlsCaCert = r.Raw("REDIS_TLS_CA_CERT") ?? RedisTlsCaCert;
        RedisTlsVerify = r.String("REDIS_TLS_VERIFY", RedisTlsVerify);
        ClusterId = r.String("CLUSTER_ID", ClusterId);
        ServiceId = r.String("SERVICE_ID", ServiceId);
    }

    /// <summary>Adds the connection's failures to <paramref name="failures"/>: a <c>REDIS_URL</c> that does not parse.</summary>
    internal void ValidateConnection(List<string> failures)
    {
        try { Sentinel.Configuration.RedisUrl.Parse(RedisUrl); }
        catch (Exception ex) when (ex is FormatException or ArgumentException or UriFormatException)
        { failures.Add("REDIS_URL is not a valid Redis URL."); }
    }
}
