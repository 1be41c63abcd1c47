using Sentinel.Configuration;
using Sentinel.Web.AdminPanel;
using Sentinel.Web.Cluster;
using Sentinel.Web.DataProtection;
using Sentinel.Web.Errors;
using Sentinel.Web.Health;
using Sentinel.Web.Hosting;
using Sentinel.Web.Json;
using Sentinel.Web.RateLimiting;
using StackExchange.Redis;

var builder = WebApplication.CreateBuilder(args);

// Configuration: environment first, then .env in the working directory; every failure reported at once.
builder.Configuration.AddDotEnvFile();
var settings = WebSettings.FromConfiguration(builder.Configuration);
var validation = new WebSettingsValidator().Validate(null, settings);
if (validation.Failed)
{
    Console.Error.WriteLine("Sentinel.Web refuses to start:\n  - " + string.Join("\n  - ", validation.Failures));
    return 2;
}
builder.Services.AddSingleton(settings);

// Kestrel: the API and the admin panel from one process; the contract's 10 MiB body cap.
builder.WebHost.ConfigureKestrel(k =>
{
    var host = System.Net.IPAddress.Parse(settings.ServiceHost);
    k.Listen(host, settings.ApiPort);
    if (settings.AdminPort > 0) k.Listen(host, settings.AdminPort);
    k.Limits.MaxRequestBodySize = ConventionsMiddleware.MaxBodyBytes;
    k.AddServerHeader = false;
});

// JSON as the contract renders it.
builder.Services.ConfigureHttpJsonOptions(o => JsonSetup.Configure(o.SerializerOptions));
builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);

// The cluster: an Orleans client that connects in the background, so Kestrel never waits for a silo.
var redis = new Lazy<IConnectionMultiplexer>(() =>
    ConnectionMultiplexer.Connect(RedisUrl.Parse(settings.RedisUrl, settings.RedisTlsCaCert, settings.RedisTlsVerify)));
builder.Services.AddSingleton(_ => redis.Value);
if (!builder.Services.Any(d => d.ServiceType == typeof(IClusterAccess)))
{
    builder.Services.AddSingleton<ClusterConnector>();
    builder.Services.AddSingleton<IClusterAccess>(sp => sp.GetRequiredService<ClusterConnector>());
    builder.Services.AddHostedService(sp => sp.GetRequiredService<ClusterConnector>());
}
builder.Services.AddSingleton<GrainCalls>();

// Rate limits decided in one grain call per request (§8.5).
builder.Services.AddSentinelRateLimiting(builder.Configuration, settings);

// Cookies written by one replica are readable by every other.
builder.Services.AddSharedDataProtection(settings, redis);

var app = builder.Build();

app.UseSentinelConventions();
app.UseSentinelRateLimiting();
app.MapHealthEndpoints();
app.MapAdminPanelEndpoints(settings.AdminPort);

await app.RunAsync();
return 0;

/// <summary>Visible to <c>WebApplicationFactory&lt;Program&gt;</c>.</summary>
public partial class Program;
