using System.Net;

namespace Sentinel.Configuration;

/// <summary>
/// <c>METRICS_ALLOWED_NETWORKS</c>, shared by Web's and the silo's <c>/metrics</c>: a comma-separated list of CIDRs allowed
/// to scrape. Empty means anyone who can reach the port (the silo's binds to loopback by default).
/// </summary>
internal static class MetricsNetworks
{
    /// <summary>The configured networks; a malformed entry throws <see cref="FormatException"/> naming it.</summary>
    public static IPNetwork[] Parse(string? value) =>
        (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(cidr => IPNetwork.TryParse(cidr, out var network) ? network
                : throw new FormatException($"METRICS_ALLOWED_NETWORKS: '{cidr}' is not a CIDR network."))
            .ToArray();

    /// <summary>True when <paramref name="peer"/> may scrape: no networks configured, or one of them contains it.</summary>
    public static bool Allows(IReadOnlyCollection<IPNetwork> networks, IPAddress? peer)
    {
        if (networks.Count == 0) return true;
        if (peer is null) return false;
        var address = peer.IsIPv4MappedToIPv6 ? peer.MapToIPv4() : peer;
        return networks.Any(n => n.Contains(address));
    }
}
