using System.Diagnostics;

namespace Sentinel.Testing;

/// <summary>Brings the test database's schema up to date once per test process, with the real migrator.</summary>
public static class TestDatabase
{
    private static readonly Lazy<Task> Migrated = new(MigrateAsync);

    public static Task EnsureMigratedAsync() => Migrated.Value;

    private static async Task MigrateAsync()
    {
        var dll = Path.Combine(TestEnvironment.RepoRoot, "Sentinel.Silo", "bin", TestEnvironment.Configuration, "net10.0", "Sentinel.Silo.dll");
        var info = new ProcessStartInfo("dotnet", [dll, "migrate"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        info.Environment["DATABASE_URL"] = TestEnvironment.DatabaseUrl;
        info.Environment["DATABASE_CA_CERT"] = TestEnvironment.CaCert ?? "";
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"Migrations failed:\n{await output}\n{await errors}");
    }

    /// <summary>An active client app with one redirect URI, written straight to the table (as an operator's SQL would); its id.</summary>
    public static async Task<Guid> InsertClientAppAsync(string redirectUri, string name)
    {
        var id = Guid.NewGuid();
        await using var db = Npgsql.NpgsqlDataSource.Create(TestConnection.ConnectionString());
        await using var cmd = db.CreateCommand("INSERT INTO client_apps (id, name, redirect_uris, is_active) VALUES (@id, @name, @uris, true)");
        cmd.Parameters.AddWithValue("id", id);
        cmd.Parameters.AddWithValue("name", name);
        cmd.Parameters.AddWithValue("uris", new[] { redirectUri });
        await cmd.ExecuteNonQueryAsync();
        return id;
    }
}
