using Microsoft.Extensions.Options;
using Sentinel.Configuration;
using Sentinel.Observability;
using Sentinel.Silo.Hosting;
using Sentinel.Silo.Migrations;

var builder = WebApplication.CreateBuilder(args);

// Configuration: environment first, then .env in the working directory, as the seed reads it.
builder.Configuration.AddDotEnvFile();

// Logs as the edge writes them: one redacted JSON object per line (LOG_FORMAT, LOG_LEVEL, LOG_PII_REDACTION).
builder.Logging.AddSentinelLogging(builder.Configuration);
var settings = SiloSettings.FromConfiguration(builder.Configuration);
var validation = new SiloSettingsValidator().Validate(null, settings);
if (validation.Failed)
{
    Console.Error.WriteLine("Sentinel.Silo refuses to start:\n  - " + string.Join("\n  - ", validation.Failures));
    return 2;
}

// `Sentinel.Silo migrate`: apply migrations and exit (make migrate).
if (args.Contains("migrate"))
{
    using var loggers = LoggerFactory.Create(l => l.AddSimpleConsole(o => o.SingleLine = true));
    var database = DatabaseUrl.Parse(settings.DatabaseUrl, settings.DatabaseCaCert);
    var applied = await new MigrationRunner(database.ConnectionString, loggers.CreateLogger("migrate")).RunAsync(CancellationToken.None);
    Console.WriteLine($"migrations applied: {applied}");
    return 0;
}

// The production checklist, silo side: fatal when DEBUG=false, a warning otherwise.
var checklist = SiloStartupChecks.Run(settings, builder.Configuration);
if (checklist.Count > 0 && !settings.Debug)
{
    Console.Error.WriteLine("Sentinel.Silo refuses to start with DEBUG=false:\n  - " + string.Join("\n  - ", checklist));
    return 2;
}
foreach (var warning in checklist) Console.Error.WriteLine($"warning: production check failed (allowed because DEBUG=true): {warning}");

// The silo: membership on Redis, grain state on PostgreSQL, dashboard on DASHBOARD_PORT.
builder.AddSentinelSilo(settings);

var app = builder.Build();
app.MapSentinelSilo(settings);
await app.RunAsync();
return 0;
