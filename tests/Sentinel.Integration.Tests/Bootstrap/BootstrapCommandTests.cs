using System.Diagnostics;
using Sentinel.Grains.Directory;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Integration.Tests.Bootstrap;

/// <summary><c>make seed</c> and <c>make create-admin</c> run against a real cluster, through the grains, idempotently.</summary>
public sealed class BootstrapCommandTests
{
    [Fact]
    public async Task seed_and_create_admin_are_idempotent_and_write_through_the_cluster()
    {
        await using var cluster = new ClusterHarness("seed");
        cluster.StartSilo("silo-1");
        var email = $"ops-{Guid.NewGuid():N}@example.com";

        var first = await RunAsync(cluster, "seed");
        Assert.True(first.ExitCode == 0, first.Output);
        var second = await RunAsync(cluster, "seed");
        Assert.True(second.ExitCode == 0, second.Output);
        Assert.DoesNotContain("shown once: sk_", second.Output, StringComparison.Ordinal);

        Assert.Equal(0, (await RunAsync(cluster, "create-admin", email)).ExitCode);
        Assert.Equal(0, (await RunAsync(cluster, "create-admin", email.ToUpperInvariant())).ExitCode);
        Assert.Equal(2, (await RunAsync(cluster, "create-admin", "not-an-email")).ExitCode);

        await using var client = await OrleansTestClient.ConnectAsync(cluster.ClusterId, TimeSpan.FromSeconds(30));
        var query = client.Client.GetGrain<IDirectoryQueryGrain>(0);
        var adminId = await query.FindUserIdByEmailAsync(email);
        Assert.NotNull(adminId);
        Assert.True((await client.Client.GetGrain<IUserGrain>(adminId.Value).GetAsync())!.IsAdmin);
        var demo = await query.FindWorkspaceIdBySlugAsync("demo");
        Assert.NotNull(demo);
        var members = await query.ListMembersAsync(demo.Value, null, null);
        Assert.Contains(members, m => m.Email == "alice@example.com" && m.Role == WorkspaceRole.Owner);
        Assert.Contains(members, m => m.Email == "bob@example.com" && m.Role == WorkspaceRole.Editor);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(ClusterHarness cluster, params string[] args)
    {
        var dll = Path.Combine(TestEnvironment.RepoRoot, "Sentinel.Web", "bin", TestEnvironment.Configuration, "net10.0", "Sentinel.Web.dll");
        var info = new ProcessStartInfo("dotnet", [dll, .. args]) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        foreach (var (k, v) in cluster.BaseEnvironment()) info.Environment[k] = v;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
