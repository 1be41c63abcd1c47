using Sentinel.Configuration;
using Sentinel.Web;
using Sentinel.Web.Admin;
using Sentinel.Web.Authorization;
using Sentinel.Web.Cors;
using Sentinel.Web.Directory;
using Sentinel.Web.Health;
using Sentinel.Web.Infrastructure.Conventions;
using Sentinel.Web.Infrastructure.Errors;
using Sentinel.Web.Infrastructure.Hosting;
using Sentinel.Web.RateLimiting;
using Sentinel.Web.Sessions;
using Sentinel.Web.SignIn;
using Sentinel.Web.Tokens;

var builder = WebApplication.CreateBuilder(args);

// Configuration: environment first, then .env in the working directory; every failure reported at once.
builder.Configuration.AddDotEnvFile();

// `Sentinel.Web create-admin EMAIL` and `Sentinel.Web seed` (make create-admin, make seed) talk to the cluster and exit.
if (BootstrapCommands.IsCommand(args))
    return await BootstrapCommands.RunAsync(args, builder.Configuration);
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

// Infrastructure: logs and metrics, Kestrel, JSON, the cluster client, shared data protection.
builder.AddSentinelInfrastructure(settings);

// The features, each registered from its own folder (docs/web-layout.md).
builder.Services.AddSentinelTokens();
builder.Services.AddSentinelServiceKeys();
// Rate limits decided in one grain call per request (docs/rate-limiting.md).
builder.Services.AddSentinelRateLimiting(builder.Configuration, settings);
builder.Services.AddSentinelAuthorization(builder.Configuration);
builder.Services.AddSentinelSessions(signIn.SessionLimits);
builder.Services.AddSentinelSignIn(providers, signIn);
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
app.UseSentinelServiceKeys();
app.UseSentinelRateLimiting();
app.MapSentinelMetrics(security);
app.MapSentinelOpenApi(settings.Debug);

// What each feature maps.
app.MapHealthEndpoints();            // /health, /health/ready
app.MapTokenEndpoints();             // /.well-known/jwks.json, /.well-known/openid-configuration
app.MapSentinelDirectory();          // /users, /workspaces, groups
app.MapSentinelAuthorization();      // /permissions, /roles, /authz
app.MapSentinelSessions();           // /auth/refresh, /auth/logout, /users/me/sessions
app.MapSentinelSignIn(signIn);       // /auth/* sign-in, admin sign-in, /demo with DEBUG=true
app.MapSentinelAdmin(settings.AdminPort); // /admin on both ports, the panel on ADMIN_PORT

await app.RunAsync();
return 0;

/// <summary>Visible to <c>WebApplicationFactory&lt;Program&gt;</c>.</summary>
public partial class Program;
