using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Sentinel.Configuration;

namespace Sentinel.Testing;

/// <summary>An Orleans client in the test process, joined to a test cluster through the real Redis membership.</summary>
public sealed class OrleansTestClient : IAsyncDisposable
{
    private readonly IHost host;

    private OrleansTestClient(IHost host) => this.host = host;

    public IClusterClient Client => host.Services.GetRequiredService<IClusterClient>();

    public static async Task<OrleansTestClient> ConnectAsync(string clusterId, TimeSpan timeout, string serviceId = "sentinel-test")
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            var redis = RedisUrl.Parse(TestEnvironment.RedisUrl, TestEnvironment.CaCert, TestEnvironment.CaCert is null ? "none" : "required");
            builder.UseOrleansClient(c =>
            {
                c.UseRedisClustering(o => o.ConfigurationOptions = redis);
                c.Configure<ClusterOptions>(o => { o.ClusterId = clusterId; o.ServiceId = serviceId; });
                c.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(2));
                c.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
            });
            var host = builder.Build();
            try
            {
                await host.StartAsync();
                return new OrleansTestClient(host);
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                host.Dispose();
                await Task.Delay(500);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try { await host.StopAsync(TimeSpan.FromSeconds(5)); } catch (Exception) { }
        host.Dispose();
    }
}
