using Sentinel.Configuration;
using Sentinel.Web.Admin;
using Sentinel.Web.Admin.Panel;
using Sentinel.Web.Infrastructure.Cluster;
using Sentinel.Web.Infrastructure.Hosting;
using Sentinel.Web.Tokens;
using Sentinel.Web.SignIn;
using Sentinel.Web.Authorization;
using Sentinel.Web.Cors;
using Sentinel.Web.Infrastructure.Errors;
using Sentinel.Web.Directory;
using Sentinel.Web.Infrastructure.Conventions;
using Sentinel.Web;
using Sentinel.Observability;
using Sentinel.Web.Health;
using Sentinel.Web.RateLimiting;
using StackExchange.Redis;

var builder = WebApplication.CreateBuilder(args);

// Configuration: environment first, then .env in the working directory; every failure reported at once.
builder.Configuration.AddDotEnvFile();

// `Sentinel.Web create-admin EMAIL` and `Sentinel.Web seed` (make create-admin, make seed) talk to the cluster and exit.
if (Sentinel.Web.Admin.BootstrapCommands.IsCommand(args))
    return await Sentinel.Web.Admin.BootstrapCommands.RunAsync(args, builder.Configuration);
// Every setting on one binder (WebSettingsSetup): all bad values, and with DEBUG=false the production checklist, at once.
using var checkedSettings = WebSettingsSetup.Check(builder.Configuration);
if (checkedSettings.Failed)
{
    Console.Error.WriteLine(checkedSettings.Message("Sentinel.Web"));
    return 2;
}
var settings = checkedSettings.Get<WebSettings>();
var jwt = checkedSettings.Get<JwtSettings>();
var providers = checkedSettings.Get<ProviderSettings>();
var security = checkedSettings.Get<SecuritySettings>();
var signIn = checkedSettings.Get<SignInSettings>();
// With DEBUG=true the checklist's failures are warnings, logged once the app is built.
var checklistWarnings = settings.Debug ? StartupChecks.Run(builder.Configuration, settings, jwt, security) : [];
checkedSettings.Share<WebSettings>(builder.Services).Share<JwtSettings>(builder.Services).Share<ProviderSettings>(builder.Services)
    .Share<SecuritySettings>(builder.Services);

// Logs: one JSON object per line (LOG_FORMAT), redacted (LOG_PII_REDACTION); metrics at /metrics.
builder.Logging.AddSentinelLogging(builder.Configuration);
builder.Logging.AddKestrelRejectionReasons();
builder.Services.AddSentinelMetrics();
builder.Services.AddSentinelOpenApi(settings.Debug);

// Kestrel: the API and the admin panel from one process; the contract's 10 MiB body cap.
builder.WebHost.ConfigureKestrel(k =>
{
    var host = System.Net.IPAddress.Parse(settings.ServiceHost);
    // Kestrel's own refusals (431, 414, unparsable requests) get the contract's JSON body too (§8.1).
    // In development on 127.0.0.1, [::1] too, so every loopback name the host check admits also connects; Kestrel's
    // "localhost" binding only warns when IPv6 is missing or its port is taken.
    var bothLoopbacks = settings.Debug && host.Equals(System.Net.IPAddress.Loopback);
    foreach (var port in settings.AdminPort > 0 ? [settings.ApiPort, settings.AdminPort] : new[] { settings.ApiPort })
    {
        if (bothLoopbacks) k.ListenLocalhost(port, l => l.UseJsonRejections());
        else k.Listen(host, port, l => l.UseJsonRejections());
    }
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
builder.Services.AddSingleton(TimeProvider.System);

// Tokens: RS256 keys selected by kid, and the contract's bearer and service-key schemes.
builder.Services.AddSingleton<SigningKeys>();
builder.Services.AddSingleton<TokenService>();
builder.Services.AddSingleton<BearerAuthenticator>();
builder.Services.AddSingleton<ServiceKeyAuthenticator>();

// Rate limits decided in one grain call per request (§8.5).
builder.Services.AddSentinelRateLimiting(builder.Configuration, settings);

// Authorization: entity permissions and RBAC from workspace grains, authz mode with IdP token validation.
builder.Services.AddSentinelAuthorization(builder.Configuration);

// Cookies written by one replica are readable by every other.
builder.Services.AddSharedDataProtection(settings, redis);

// Sign-in: one handler per identity provider, sessions in the user's grain, the admin cookie.
builder.Services.AddSentinelSignIn(providers, signIn);

// CORS: CORS_ORIGINS plus the origins of active client and service apps, polled from the cluster.
builder.Services.AddSentinelCors(builder.Configuration);

var app = builder.Build();
foreach (var warning in checklistWarnings)
    app.Logger.LogWarning("Production check failed (allowed because DEBUG=true): {Check}", warning);

// Outer to inner: request id and access log, CORS, host filter, security headers, the contract's conventions.
app.UseRequestLogging();
app.UseSentinelCors();
app.UseHostFiltering(security);
app.UseSecurityHeaders(security);
app.UseSentinelConventions();
ServiceKeyAuthenticator.UseServiceKeyPrincipal(app);
app.UseSentinelRateLimiting();
app.MapSentinelMetrics(security);
app.MapSentinelOpenApi(settings.Debug);
app.MapHealthEndpoints();
app.MapTokenEndpoints();
app.MapUsersEndpoints();
app.MapWorkspacesEndpoints();
app.MapGroupsEndpoints();
app.MapSentinelAuthorization();
// The admin API under /admin, on both ports (the panel calls it same-origin).
app.MapAdminEndpoints();
app.MapAdminPanelEndpoints(settings.AdminPort);
app.MapSentinelSignIn(signIn);

await app.RunAsync();
return 0;

/// <summary>Visible to <c>WebApplicationFactory&lt;Program&gt;</c>.</summary>
public partial class Program;
