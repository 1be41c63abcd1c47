using DbUp;
using DbUp.Engine.Output;
using DbUp.Postgresql;
using Npgsql;

namespace Sentinel.Silo.Migrations;

/// <summary>
/// Applies the scripts under <c>sql/</c> (embedded in this assembly) with DbUp, journaled in <c>schema_migrations</c>.
/// A PostgreSQL advisory lock serialises silos that start together; the journal makes reruns no-ops.
/// </summary>
public sealed partial class MigrationRunner(string connectionString, ILogger logger)
{
    // Any stable 64-bit number; only Sentinel's migrator takes this lock.
    private const long AdvisoryLockKey = 0x53454E54494E454C; // "SENTINEL"

    /// <summary>Creates the database if needed, then applies pending scripts. Returns how many ran.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        EnsureDatabaseExists();

        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var lockConnection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", lockConnection))
        {
            take.Parameters.AddWithValue("key", AdvisoryLockKey);
            await take.ExecuteNonQueryAsync(cancellationToken);
        }
        try
        {
            var upgrader = DeployChanges.To
                .PostgresqlDatabase(new PostgresqlConnectionManager(dataSource))
                .WithScriptsEmbeddedInAssembly(typeof(MigrationRunner).Assembly, name => name.EndsWith(".sql", StringComparison.Ordinal))
                .JournalToPostgresqlTable("public", "schema_migrations")
                .WithTransactionPerScript()
                .LogTo(new UpgradeLog(logger))
                .Build();

            var pending = upgrader.GetScriptsToExecute();
            if (pending.Count == 0)
            {
                LogUpToDate(logger);
                return 0;
            }
            var result = upgrader.PerformUpgrade();
            if (!result.Successful)
                throw new InvalidOperationException($"Migration {result.ErrorScript?.Name} failed.", result.Error);
            LogApplied(logger, pending.Count);
            return pending.Count;
        }
        finally
        {
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", lockConnection);
            release.Parameters.AddWithValue("key", AdvisoryLockKey);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private void EnsureDatabaseExists()
    {
        if (string.IsNullOrEmpty(new NpgsqlConnectionStringBuilder(connectionString).Database)) return;
        try
        {
            EnsureDatabase.For.PostgresqlDatabase(connectionString, new UpgradeLog(logger));
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
        {
            // Another silo created it a moment ago.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Database schema is up to date")]
    private static partial void LogUpToDate(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied {Count} migration script(s)")]
    private static partial void LogApplied(ILogger logger, int count);

    private sealed class UpgradeLog(ILogger logger) : IUpgradeLog
    {
        public void LogTrace(string format, params object[] args) { }
        public void LogDebug(string format, params object[] args) { }
        public void LogInformation(string format, params object[] args) => logger.LogInformation("{Message}", string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));
        public void LogWarning(string format, params object[] args) => logger.LogWarning("{Message}", string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));
        public void LogError(string format, params object[] args) => logger.LogError("{Message}", string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));
        public void LogError(Exception ex, string format, params object[] args) => logger.LogError(ex, "{Message}", string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));
    }
}
