using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Sentinel.Client;

/// <summary>Hands out <see cref="SentinelHttp"/> over the factory's named clients (each with its resilience pipeline).</summary>
internal sealed class SentinelHttpFactory(IHttpClientFactory factory, IOptionsMonitor<SentinelOptions> options, IHttpContextAccessor accessor)
{
    /// <summary>Permissions, roles and the revocation check: <see cref="SentinelOptions.RequestTimeout"/> per attempt.</summary>
    public const string ApiClient = "Sentinel";

    /// <summary><c>/authz/resolve</c>: <see cref="SentinelOptions.ResolveTimeout"/> per attempt.</summary>
    public const string ResolveClient = "Sentinel.Resolve";

    public SentinelHttp Create(string name = ApiClient) => new(factory.CreateClient(name), options, accessor);
}
