using System.Diagnostics;
using System.Globalization;
using Xunit;

namespace Sentinel.Testing.Tests.Scripts;

/// <summary>
/// <c>scripts/fresh-check.sh</c> (make fresh-check) in a sandbox: a throw-away git repository holding the real script
/// (and lib.sh, node-modules.sh) beside a stand-in <c>scripts/services.sh</c> and a Makefile whose <c>test</c> prints a
/// count line, with stand-ins for apt-get, dpkg-query, service and sudo first on PATH that keep the "installed" packages
/// in a file. Nothing on the machine is removed, installed, stopped or started. What is checked is the order of the
/// steps, that everything is put back (also after a failure half-way), and the output and exit status.
/// </summary>
public sealed class FreshCheckTests : IDisposable
{
    private readonly DirectoryInfo sandbox = Directory.CreateTempSubdirectory("sentinel-fresh-check-test-");

    private string Bin => Path.Combine(sandbox.FullName, "bin");
    private string Repo => Path.Combine(sandbox.FullName, "repo");
    private string Packages => Path.Combine(sandbox.FullName, "packages");
    private string Calls => Path.Combine(sandbox.FullName, "calls");

    [Fact]
    public async Task it_removes_the_packages_runs_make_test_in_a_fresh_clone_puts_everything_back_and_ends_with_the_count_line()
    {
        await ArrangeAsync(installed: ["caddy", "chromium", "redis-server", "postgresql"]);

        var run = await FreshCheckAsync();

        // The count line of that make test is the whole of stdout (so the last line), and its status is the exit status
        // (make's own: 2 when a recipe failed).
        Assert.True(run.ExitCode == 2, run.Stderr);
        Assert.Equal("3 passed, 1 failed\n", run.Stdout);
        // make test ran in a clone of HEAD, with CI=true and none of this shell's settings, and no node_modules.
        Assert.Contains("make-test: CI=true SENTINEL_DATA_DIR=unset node_modules=absent head=" + await HeadAsync(), run.Stderr, StringComparison.Ordinal);

        var calls = await File.ReadAllLinesAsync(Calls);
        var clone = calls.Single(c => c.StartsWith("make-test ", StringComparison.Ordinal))["make-test ".Length..];
        Assert.StartsWith("/tmp/sentinel-fresh-check.", clone, StringComparison.Ordinal);
        Assert.Equal(
        [
            $"services status {Repo}",
            $"services stop {Repo}",
            "apt-get remove -y caddy chromium redis-server",
            $"make-test {clone}",
            "apt-get install -y --no-install-recommends redis-server", // what make test installed by itself
            $"services stop {clone}",
            "apt-get update",
            "apt-get install -y --no-install-recommends caddy chromium", // only what is still missing
            "service caddy stop",
            $"services start {Repo}",
        ], calls.Where(c => !c.StartsWith("dpkg-query", StringComparison.Ordinal)));
        Assert.Equal(["caddy", "chromium", "postgresql", "redis-server"], (await File.ReadAllLinesAsync(Packages)).Order());
        Assert.False(Directory.Exists(Path.GetDirectoryName(clone)), $"{clone} was not removed");
    }

    [Fact]
    public async Task a_failure_half_way_still_reinstalls_what_was_removed_and_restarts_the_databases()
    {
        await ArrangeAsync(installed: ["nginx", "redis-server"]);

        var run = await FreshCheckAsync(new() { ["FAKE_APT_REMOVE_FAILS"] = "1" });

        Assert.NotEqual(0, run.ExitCode);
        var calls = (await File.ReadAllLinesAsync(Calls)).Where(c => !c.StartsWith("dpkg-query", StringComparison.Ordinal)).ToArray();
        Assert.DoesNotContain(calls, c => c.StartsWith("make-test", StringComparison.Ordinal));
        Assert.Equal(["nginx", "redis-server"], (await File.ReadAllLinesAsync(Packages)).Order());
        Assert.Equal($"services start {Repo}", calls[^1]);
        Assert.Contains("apt-get install -y --no-install-recommends nginx", calls);
        Assert.Contains("service nginx stop", calls);
    }

    [Fact]
    public async Task it_refuses_with_status_2_in_ci_and_changes_nothing()
    {
        await ArrangeAsync(installed: ["caddy"]);

        var run = await FreshCheckAsync(new() { ["CI"] = "true" });

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("refused", run.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Calls) && (await File.ReadAllLinesAsync(Calls)).Any(c => !c.StartsWith("dpkg-query", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task dry_run_prints_every_step_and_does_none()
    {
        await ArrangeAsync(installed: ["caddy", "redis-server"]);

        var run = await FreshCheckAsync(args: "--dry-run");

        Assert.True(run.ExitCode == 0, run.Stderr);
        foreach (var step in new[] { "+ bash scripts/services.sh stop", "apt-get remove -y caddy redis-server", "+ git clone", "make -C", "apt-get install -y --no-install-recommends caddy redis-server", "services.sh start" })
            Assert.Contains(step, run.Stderr, StringComparison.Ordinal);
        Assert.Equal([$"services status {Repo}"], (await File.ReadAllLinesAsync(Calls)).Where(c => !c.StartsWith("dpkg-query", StringComparison.Ordinal)));
        Assert.Equal(["caddy", "redis-server"], (await File.ReadAllLinesAsync(Packages)).Order());
    }

    private async Task ArrangeAsync(string[] installed)
    {
        Directory.CreateDirectory(Bin);
        Directory.CreateDirectory(Path.Combine(Repo, "scripts"));
        await File.WriteAllLinesAsync(Packages, installed);
        // Stand-ins on PATH. The "installed" packages are the lines of $FAKE_PACKAGES; every call is a line of $FAKE_CALLS.
        await ScriptAsync(Path.Combine(Bin, "apt-get"), Paths("""
            echo "apt-get $*" >>"$FAKE_CALLS"
            cmd=; pkgs=()
            for a in "$@"; do case $a in update | install | remove) cmd=$a ;; -*) ;; *) pkgs+=("$a") ;; esac; done
            case $cmd in
              remove)
                [ -z "${FAKE_APT_REMOVE_FAILS:-}" ] || { sed -i "/^${pkgs[0]}\$/d" "$FAKE_PACKAGES"; echo "E: failed half-way" >&2; exit 100; }
                for p in "${pkgs[@]}"; do sed -i "/^$p\$/d" "$FAKE_PACKAGES"; done ;;
              install) for p in "${pkgs[@]}"; do grep -qx "$p" "$FAKE_PACKAGES" || echo "$p" >>"$FAKE_PACKAGES"; done ;;
            esac
            """));
        await ScriptAsync(Path.Combine(Bin, "dpkg-query"), Paths("""
            echo "dpkg-query $*" >>"$FAKE_CALLS"
            grep -qx "${!#}" "$FAKE_PACKAGES" && printf 'install ok installed'
            """));
        await ScriptAsync(Path.Combine(Bin, "service"), Paths("""echo "service $*" >>"$FAKE_CALLS" """));
        await ScriptAsync(Path.Combine(Bin, "sudo"), """[ "$1" = -n ] && shift; exec "$@" """);
        await ScriptAsync(Path.Combine(Repo, "scripts", "services.sh"), Paths("""
            cd "$(dirname "$0")/.."
            echo "services $1 $(pwd -P)" >>"$FAKE_CALLS"
            if [ "$1" = status ]; then printf 'postgres: up   (127.0.0.1:1)\nredis:    up   (127.0.0.1:2)\ndata dir: %s/.data\n' "$(pwd)"; fi
            if [ "$1" = start ]; then echo "started=pg,redis"; fi
            exit 0
            """));
        // make test of the clone: reports what it sees, installs redis-server as db.sh would, fails one test.
        await File.WriteAllTextAsync(Path.Combine(Repo, "Makefile"), """
            test:
            	@echo "make-test $$(pwd -P)" >>"$FAKE_CALLS"
            	@echo "make-test: CI=$$CI SENTINEL_DATA_DIR=$${SENTINEL_DATA_DIR:-unset} node_modules=$$([ -e tests/fixtures/oidc-provider/node_modules ] && echo present || echo absent) head=$$(git rev-parse HEAD)"
            	@env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server
            	@echo "3 passed, 1 failed"
            	@exit 1

            """.Replace("\r", "", StringComparison.Ordinal).Replace("$FAKE_CALLS", Calls, StringComparison.Ordinal));
        foreach (var script in new[] { "fresh-check.sh", "lib.sh", "node-modules.sh" })
            File.Copy(Path.Combine(TestEnvironment.RepoRoot, "scripts", script), Path.Combine(Repo, "scripts", script));
        await GitAsync("init", "-q");
        await GitAsync("add", "-A");
        await GitAsync("-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-qm", "sandbox");
        // A node_modules folder in the working tree: the fresh clone has none.
        Directory.CreateDirectory(Path.Combine(Repo, "tests", "fixtures", "oidc-provider", "node_modules"));
    }

    /// <summary>The stand-ins also run under fresh-check's clean environment (env -i), so the sandbox's paths are written in.</summary>
    private string Paths(string script) => script
        .Replace("$FAKE_CALLS", Calls, StringComparison.Ordinal)
        .Replace("$FAKE_PACKAGES", Packages, StringComparison.Ordinal);

    private async Task<string> HeadAsync() => (await GitAsync("rev-parse", "HEAD")).Trim();

    private async Task<(int ExitCode, string Stdout, string Stderr)> FreshCheckAsync(Dictionary<string, string>? environment = null, string? args = null)
    {
        var info = new ProcessStartInfo("bash", args is null ? [Path.Combine(Repo, "scripts", "fresh-check.sh")] : [Path.Combine(Repo, "scripts", "fresh-check.sh"), args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["PATH"] = Bin + ":" + Environment.GetEnvironmentVariable("PATH");
        info.Environment["SENTINEL_DATA_DIR"] = Path.Combine(sandbox.FullName, "data");
        // The fresh clone's databases need these ports free: ports nobody uses, so the shared ones are never in the way.
        info.Environment["PG_PORT"] = TestEnvironment.FreePort().ToString(CultureInfo.InvariantCulture);
        info.Environment["REDIS_PORT"] = TestEnvironment.FreePort().ToString(CultureInfo.InvariantCulture);
        // fresh-check runs make test with CI=true; a test inside it must not inherit that.
        info.Environment.Remove("CI");
        foreach (var (key, value) in environment ?? []) info.Environment[key] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    private async Task<string> GitAsync(params string[] args)
    {
        var info = new ProcessStartInfo("git", args) { WorkingDirectory = Repo, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"git {string.Join(' ', args)}: {await stderr}");
        return await stdout;
    }

    private static async Task ScriptAsync(string path, string body)
    {
        await File.WriteAllTextAsync(path, "#!/usr/bin/env bash\n" + body.Replace("\r", "", StringComparison.Ordinal) + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public void Dispose() => sandbox.Delete(recursive: true);
}
