using System.Diagnostics;
using System.Text.RegularExpressions;
using Npgsql;
using Sentinel.Grains.AuthCodes;
using Sentinel.Grains.ClientApps;
using Sentinel.Grains.Directory;
using Sentinel.Grains.ServiceApps;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Integration.Tests.Bootstrap;

/// <summary>
/// <c>make seed</c> and <c>make create-admin</c> run against a real cluster (a silo on the real PostgreSQL and Redis),
/// through the grains, idempotently. The seed test has a database of its own, so its first run is a real first run.
/// </summary>
public sealed partial class BootstrapCommandTests
{
    // The README's demo (README.md "Sign in locally", docs/local-sign-in.md): these values are documented.
    private static readonly Guid DemoClientAppId = new("c1000000-0000-4000-8000-000000000005");
    private static readonly Guid DemoServiceAppId = new("5e5e5e5e-0000-4000-8000-000000000001");
    private const string DemoRedirect = "http://localhost:9003/demo/callback";

    [Fact]
    public async Task seed_creates_the_readme_demo_once_through_the_cluster_then_changes_nothing_and_prints_no_new_key()
    {
        var database = "seed_" + Guid.NewGuid().ToString("N")[..12];
        try
        {
            var migrate = await RunAsync("Silo", new() { ["DATABASE_URL"] = TestConnection.UrlFor(database), ["DATABASE_CA_CERT"] = TestEnvironment.CaCert ?? "" }, "migrate");
            Assert.True(migrate.ExitCode == 0, migrate.Output);
            await using var cluster = new ClusterHarness("seed");
            cluster.StartSilo("silo-1", extra: new Dictionary<string, string> { ["DATABASE_URL"] = TestConnection.UrlFor(database) });

            var first = await RunAsync("Web", cluster.BaseEnvironment(), "seed");
            Assert.True(first.ExitCode == 0, first.Output);
            var key = Assert.Single(KeyLine().Matches(first.Output)).Groups["key"].Value;
            Assert.Contains("created workspace 'demo' (\"Demo workspace\")", first.Output, StringComparison.Ordinal);

            var second = await RunAsync("Web", cluster.BaseEnvironment(), "seed");
            Assert.True(second.ExitCode == 0, second.Output);
            Assert.DoesNotContain("sk_", second.Output, StringComparison.Ordinal);
            Assert.DoesNotMatch(ChangeLine(), second.Output);
            Assert.Contains("nothing to change", second.Output, StringComparison.Ordinal);

            await using var client = await OrleansTestClient.ConnectAsync(cluster.ClusterId, TimeSpan.FromSeconds(30));
            var grains = client.Client;
            var query = grains.GetGrain<IDirectoryQueryGrain>(0);
            var demoId = await query.FindWorkspaceIdBySlugAsync("demo");
            Assert.NotNull(demoId);
            var demo = await grains.GetGrain<IWorkspaceGrain>(demoId.Value).GetAsync();
            Assert.Equal(("demo", "Demo workspace"), (demo!.Slug, demo.Name));
            var members = await query.ListMembersAsync(demoId.Value, null, null);
            Assert.Equal(
                [("alice@example.com", WorkspaceRole.Owner), ("bob@example.com", WorkspaceRole.Viewer)],
                members.Select(m => (m.Email, m.Role)).OrderBy(m => m.Email).ToArray());

            // The demo page's client app: sign-in finds it by the page's redirect URI.
            var app = await grains.GetGrain<IClientAppLookupGrain>(0).FindActiveForRedirectAsync(DemoRedirect, null);
            Assert.Equal(DemoClientAppId, app?.Id);

            // The service app's key, printed once, is the key that works.
            var service = await grains.GetGrain<IServiceAppGrain>(DemoServiceAppId).GetAsync();
            Assert.Equal("demo-api", service?.ServiceName);
            var identity = await grains.GetGrain<IServiceKeyGrain>(ServiceKeys.Hash(key)).ResolveAsync();
            Assert.NotNull(identity);

            // What the old second seeder made (bob an editor, the workspace "Demo") is put back, and said so.
            var aliceId = members.Single(m => m.Email == "alice@example.com").UserId;
            var bobId = members.Single(m => m.Email == "bob@example.com").UserId;
            var workspace = grains.GetGrain<IWorkspaceGrain>(demoId.Value);
            var changed = await workspace.ChangeRoleAsync(Actor.Admin(aliceId), bobId, WorkspaceRole.Editor);
            Assert.True(changed.IsOk, changed.Error?.ToString());
            var renamed = await workspace.UpdateAsync(Actor.Admin(aliceId), "Demo", null, descriptionSet: false);
            Assert.True(renamed.IsOk, renamed.Error?.ToString());
            var third = await RunAsync("Web", cluster.BaseEnvironment(), "seed");
            Assert.True(third.ExitCode == 0, third.Output);
            Assert.Contains("changed membership: bob@example.com from editor to viewer", third.Output, StringComparison.Ordinal);
            Assert.Contains("changed workspace 'demo': name \"Demo\" to \"Demo workspace\"", third.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("sk_", third.Output, StringComparison.Ordinal);
            Assert.Contains(await query.ListMembersAsync(demoId.Value, null, null), m => m.Email == "bob@example.com" && m.Role == WorkspaceRole.Viewer);
            Assert.Equal("Demo workspace", (await workspace.GetAsync())!.Name);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = NpgsqlDataSource.Create(TestConnection.ConnectionString("postgres"));
            await using var drop = admin.CreateCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
            await drop.ExecuteNonQueryAsync();
        }
    }

    [Fact]
    public async Task create_admin_is_idempotent_and_writes_through_the_cluster()
    {
        await using var cluster = new ClusterHarness("admin");
        cluster.StartSilo("silo-1");
        var email = $"ops-{Guid.NewGuid():N}@example.com";

        Assert.Equal(0, (await RunAsync("Web", cluster.BaseEnvironment(), "create-admin", email)).ExitCode);
        Assert.Equal(0, (await RunAsync("Web", cluster.BaseEnvironment(), "create-admin", email.ToUpperInvariant())).ExitCode);
        Assert.Equal(2, (await RunAsync("Web", cluster.BaseEnvironment(), "create-admin", "not-an-email")).ExitCode);

        await using var client = await OrleansTestClient.ConnectAsync(cluster.ClusterId, TimeSpan.FromSeconds(30));
        var adminId = await client.Client.GetGrain<IDirectoryQueryGrain>(0).FindUserIdByEmailAsync(email);
        Assert.NotNull(adminId);
        Assert.True((await client.Client.GetGrain<IUserGrain>(adminId.Value).GetAsync())!.IsAdmin);
    }

    [GeneratedRegex(@"Its key, shown once: (?<key>sk_[A-Za-z0-9_-]+)")]
    private static partial Regex KeyLine();

    /// <summary>The seeder prints each change it makes on a line of its own, starting "created" or "changed".</summary>
    [GeneratedRegex(@"(?m)^(created|changed) ")]
    private static partial Regex ChangeLine();

    private static async Task<(int ExitCode, string Output)> RunAsync(string project, Dictionary<string, string> environment, params string[] args)
    {
        var dll = Path.Combine(TestEnvironment.RepoRoot, $"Sentinel.{project}", "bin", TestEnvironment.Configuration, "net10.0", $"Sentinel.{project}.dll");
        var info = new ProcessStartInfo("dotnet", [dll, .. args]) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        foreach (var (k, v) in environment) info.Environment[k] = v;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
