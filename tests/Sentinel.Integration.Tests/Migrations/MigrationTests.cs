using Npgsql;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Integration.Tests.Migrations;

public sealed class MigrationTests
{
    [Fact]
    public async Task two_migrators_started_together_apply_each_script_once_and_rerun_is_a_no_op()
    {
        var database = "mig_" + Guid.NewGuid().ToString("N")[..12];
        var env = new Dictionary<string, string>
        {
            ["DATABASE_URL"] = TestConnection.UrlFor(database),
            ["DATABASE_CA_CERT"] = TestEnvironment.CaCert ?? "",
        };
        try
        {
            var runs = await Task.WhenAll(MigrateAsync(env), MigrateAsync(env));
            Assert.All(runs, r => Assert.True(r.ExitCode == 0, r.Output));
            var applied = runs.Select(r => r.Output).ToArray();

            await using var db = NpgsqlDataSource.Create(TestConnection.ConnectionString(database));
            await using var count = db.CreateCommand("SELECT count(*), count(DISTINCT scriptname) FROM schema_migrations");
            await using var reader = await count.ExecuteReaderAsync();
            await reader.ReadAsync();
            Assert.True(reader.GetInt64(0) > 0);
            Assert.Equal(reader.GetInt64(0), reader.GetInt64(1));
            // Exactly one of the two did the work; the other found nothing pending after waiting for the lock.
            Assert.Single(applied, o => o.Contains("migrations applied: 0", StringComparison.Ordinal));

            var rerun = await MigrateAsync(env);
            Assert.Contains("migrations applied: 0", rerun.Output, StringComparison.Ordinal);

            // The Orleans provider's query table holds every key it needs, including delete-on-clear.
            await using var keys = db.CreateCommand("SELECT string_agg(querykey, ',' ORDER BY querykey) FROM orleansquery");
            Assert.Equal("ClearStorageKey,DeleteStorageKey,ReadFromStorageKey,WriteToStorageKey", (string?)await keys.ExecuteScalarAsync());

            // Every foreign key has an index led by its column: deleting a referenced row never scans a whole table.
            await using var unindexed = db.CreateCommand("""
                SELECT string_agg(c.conrelid::regclass || '.' || a.attname, ', ' ORDER BY c.conrelid::regclass::text, a.attname)
                FROM pg_constraint c
                JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
                WHERE c.contype = 'f'
                  AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1])
                """);
            Assert.Null(await unindexed.ExecuteScalarAsync() as string);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = NpgsqlDataSource.Create(TestConnection.ConnectionString("postgres"));
            await using var drop = admin.CreateCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
            await drop.ExecuteNonQueryAsync();
        }
    }

    private static async Task<(int ExitCode, string Output)> MigrateAsync(Dictionary<string, string> env)
    {
        var dll = Path.Combine(TestEnvironment.RepoRoot, "Sentinel.Silo", "bin", TestEnvironment.Configuration, "net10.0", "Sentinel.Silo.dll");
        var info = new System.Diagnostics.ProcessStartInfo("dotnet", [dll, "migrate"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var (k, v) in env) info.Environment[k] = v;
        using var process = System.Diagnostics.Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
