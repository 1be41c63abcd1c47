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
// Every setting on one binder (SiloSettingsSetup): all bad values, and with DEBUG=false the production checklist (which
// `migrate` does not need), at once.
var migrate = args.Contains("migrate");
using var checkedSettings = SiloSettingsSetup.Check(builder.Configuration, productionChecklist: !migrate);
if (checkedSettings.Failed)
{
    Console.Error.WriteLine(checkedSettings.Message("Sentinel.Silo"));
    return 2;
}
var settings = checkedSettings.Get<SiloSettings>();

// `Sentinel.Silo migrate`: apply migrations and exit (make migrate).
if (migrate)
{
    using var loggers = LoggerFactory.Create(l => l.AddSimpleConsole(o => o.SingleLine = true));
    var database = DatabaseUrl.Parse(settings.DatabaseUrl, settings.DatabaseCaCert);
    var applied = await new MigrationRunner(database.ConnectionString, loggers.CreateLogger("migrate")).RunAsync(CancellationToken.None);
    Console.WriteLine($"migrations applied: {applied}");
    return 0;
}

// The production checklist with DEBUG=true: warnings only (with DEBUG=false it failed the settings check above).
if (settings.Debug)
{
    foreach (var warning in SiloStartupChecks.Run(settings, builder.Configuration))
        Console.Error.WriteLine($"warning: production check failed (allowed because DEBUG=true): {warning}");
}

// The silo: membership on Redis, grain state on PostgreSQL, dashboard on DASHBOARD_PORT.
builder.AddSentinelSilo(settings);

var app = builder.Build();
app.MapSentinelSilo(settings);
await app.RunAsync();
return 0;
