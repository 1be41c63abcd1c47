using System.Diagnostics;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Integration.Tests.Deployment;

/// <summary>
/// The images' shared entrypoint (<c>compose/docker/sentinel-entrypoint.sh</c>), run with bash as the container would,
/// with <c>env</c> as the command: Docker secrets become variables, passwords are URL-encoded into the URLs and never
/// left behind, and a missing secret or an unresolvable advertised address stops the container with a reason.
/// </summary>
public sealed class EntrypointTests : IDisposable
{
    private static readonly string Script = Path.Combine(TestEnvironment.RepoRoot, "compose", "docker", "sentinel-entrypoint.sh");
    private readonly DirectoryInfo secrets = Directory.CreateTempSubdirectory("sentinel-entrypoint-");

    [Fact]
    public async Task file_secrets_become_variables_and_passwords_are_url_encoded_into_the_urls()
    {
        var pgPassword = Secret("pg", "p@ss/w:rd%é");
        var result = await RunAsync(new()
        {
            ["POSTGRES_PASSWORD_FILE"] = pgPassword,
            ["REDIS_PASSWORD"] = "r e+d",
            ["SESSION_SECRET_KEY_FILE"] = Secret("session", "s3cret-session-key"),
            ["DATABASE_URL"] = "postgresql://sentinel:{POSTGRES_PASSWORD}@postgres:5432/identity?sslmode=require",
            ["REDIS_URL"] = "rediss://:{REDIS_PASSWORD}@redis:6379/0",
        });

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("postgresql://sentinel:p%40ss%2Fw%3Ard%25%C3%A9@postgres:5432/identity?sslmode=require", result.Env["DATABASE_URL"]);
        Assert.Equal("rediss://:r%20e%2Bd@redis:6379/0", result.Env["REDIS_URL"]);
        Assert.Equal("s3cret-session-key", result.Env["SESSION_SECRET_KEY"]);
        // The raw passwords and the *_FILE pointers are gone from the process the service runs in.
        Assert.DoesNotContain("POSTGRES_PASSWORD", result.Env.Keys);
        Assert.DoesNotContain("REDIS_PASSWORD", result.Env.Keys);
        Assert.DoesNotContain(result.Env.Keys, k => k.EndsWith("_FILE", StringComparison.Ordinal));
    }

    [Fact]
    public async Task a_url_that_names_a_password_nobody_supplied_stops_the_container()
    {
        var result = await RunAsync(new() { ["DATABASE_URL"] = "postgresql://sentinel:{POSTGRES_PASSWORD}@postgres/identity" });
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("DATABASE_URL needs POSTGRES_PASSWORD", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task an_unreadable_secret_file_stops_the_container_and_names_the_variable()
    {
        var result = await RunAsync(new() { ["REDIS_PASSWORD_FILE"] = Path.Combine(secrets.FullName, "missing") });
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("REDIS_PASSWORD_FILE=", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("is not readable", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task an_advertised_address_is_kept_as_given_and_an_unmatched_auto_prefix_stops_the_silo()
    {
        var given = await RunAsync(new() { ["SILO_ADVERTISED_IP"] = "10.1.2.3" });
        Assert.Equal(0, given.ExitCode);
        Assert.Equal("10.1.2.3", given.Env["SILO_ADVERTISED_IP"]);

        var unmatched = await RunAsync(new() { ["SILO_ADVERTISED_IP"] = "auto:203.0.113." });
        Assert.Equal(1, unmatched.ExitCode);
        Assert.Contains("no local address starts with '203.0.113.'", unmatched.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task auto_resolves_to_a_non_loopback_ipv4_address_of_this_host_or_says_why_not()
    {
        var result = await RunAsync(new() { ["SILO_ADVERTISED_IP"] = "auto" });
        if (result.ExitCode == 0)
        {
            var ip = System.Net.IPAddress.Parse(result.Env["SILO_ADVERTISED_IP"]);
            Assert.Equal(System.Net.Sockets.AddressFamily.InterNetwork, ip.AddressFamily);
            Assert.False(System.Net.IPAddress.IsLoopback(ip));
        }
        else
        {
            Assert.Contains("cannot tell this container's address", result.Stderr, StringComparison.Ordinal);
        }
    }

    private string Secret(string name, string value)
    {
        var path = Path.Combine(secrets.FullName, name);
        File.WriteAllText(path, value);
        return path;
    }

    private static async Task<(int ExitCode, Dictionary<string, string> Env, string Stderr)> RunAsync(Dictionary<string, string> env)
    {
        var start = new ProcessStartInfo("bash", [Script, "env", "-0"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // A clean environment: only what a container would have, plus the variables under test.
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        start.Environment["HOSTNAME"] = System.Net.Dns.GetHostName();
        foreach (var (key, value) in env) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        var vars = (await stdout).Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2)).Where(kv => kv.Length == 2)
            .ToDictionary(kv => kv[0], kv => kv[1]);
        return (process.ExitCode, vars, await stderr);
    }

    public void Dispose() => secrets.Delete(recursive: true);
}
