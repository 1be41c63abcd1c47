using System.Diagnostics;
using Xunit;

namespace Sentinel.Testing.Tests.Scripts;

/// <summary>
/// The scripts that install a tool on demand and hand back its path (<c>scripts/cluster.sh install-proxy</c>,
/// <c>scripts/browser.sh path</c>) print exactly that path on stdout, even when the install branch runs; progress and
/// apt's chatter go to stderr. The install branch is forced with <c>SENTINEL_ASSUME_MISSING</c> and runs a stand-in
/// apt-get (<c>SENTINEL_APT_GET</c>) that chatters on stdout as the real one does and "installs" into a temp folder
/// first on PATH, so nothing on the machine changes and the test means the same whether or not the tool is installed.
/// </summary>
public sealed class InstallHelperTests : IDisposable
{
    private const string FakeAptGet = """
        #!/usr/bin/env bash
        # Stand-in for apt-get: prints on stdout as apt-get does, and puts an executable per package next to itself.
        here=$(cd "$(dirname "$0")" && pwd)
        echo "$*" >>"$here/apt-get.calls"
        echo "Reading package lists... Done"
        [[ " $* " == *" install "* ]] || exit 0
        skip=0
        for arg in "$@"; do
          if [ "$skip" = 1 ]; then skip=0; continue; fi
          case $arg in
            -o) skip=1 ;;
            -* | install) ;;
            *)
              name=$arg
              [ "$name" = chromium-driver ] && name=chromedriver
              printf '#!/bin/sh\necho "fake %s"\n' "$name" >"$here/$name"
              chmod +x "$here/$name"
              echo "Setting up $arg (0.0-fake) ..."
              ;;
          esac
        done
        """;

    private readonly DirectoryInfo temp = Directory.CreateTempSubdirectory("sentinel-install-helper-");

    [Theory]
    [InlineData("cluster.sh", "install-proxy", "caddy", "caddy", "caddy")]
    [InlineData("cluster.sh", "install-proxy", "nginx", "nginx", "nginx")]
    [InlineData("cluster.sh", "install-proxy", "auto", "caddy nginx", "caddy")]
    [InlineData("browser.sh", "path", "", "chromium chromedriver", "chromium")]
    public async Task a_path_verb_prints_only_the_installed_tools_path_when_it_has_to_install_it(string script, string verb, string proxy, string missing, string tool)
    {
        var bin = FakeBin();
        var environment = Environment(bin, missing);
        if (proxy.Length > 0) environment["CLUSTER_PROXY"] = proxy;

        // ToolPathAsync is what the tests use: it accepts one line, an absolute path of an existing file, and nothing else.
        var path = await TestEnvironment.ToolPathAsync(script, verb, environment);

        Assert.Equal(Path.Combine(bin, tool), path);
        Assert.Contains("install", await File.ReadAllTextAsync(Path.Combine(bin, "apt-get.calls")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task node_modules_are_installed_once_from_the_lock_file_with_npm_output_on_stderr()
    {
        var bin = FakeBin();
        await File.WriteAllTextAsync(Path.Combine(bin, "npm"), """
            #!/usr/bin/env bash
            # Stand-in for npm: chatters on stdout, and writes the hidden lock file npm ci leaves in node_modules.
            echo "added 1 package in 0s"
            echo "$*" >>"$(dirname "$0")/npm.calls"
            mkdir -p node_modules && echo '{}' >node_modules/.package-lock.json
            """.Replace("\r", "", StringComparison.Ordinal));
        File.SetUnixFileMode(Path.Combine(bin, "npm"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var app = Directory.CreateDirectory(Path.Combine(temp.FullName, "app")).FullName;
        await File.WriteAllTextAsync(Path.Combine(app, "package-lock.json"), "{}");

        var first = await RunAsync("node-modules.sh", app, Environment(bin, ""));
        var second = await RunAsync("node-modules.sh", app, Environment(bin, ""));

        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.Equal("", first.Stdout);
        Assert.Contains("npm ci", first.Stderr, StringComparison.Ordinal);
        Assert.True(second.ExitCode == 0, second.Stderr);
        Assert.Equal("", second.Stdout);
        // Current node_modules: the second run did not install again.
        Assert.Equal(["ci --no-audit --no-fund --loglevel=error"], await File.ReadAllLinesAsync(Path.Combine(bin, "npm.calls")));
    }

    private string FakeBin()
    {
        var bin = Directory.CreateDirectory(Path.Combine(temp.FullName, "bin")).FullName;
        var aptGet = Path.Combine(bin, "apt-get");
        File.WriteAllText(aptGet, FakeAptGet.Replace("\r", "", StringComparison.Ordinal));
        File.SetUnixFileMode(aptGet, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return bin;
    }

    private Dictionary<string, string> Environment(string bin, string missing) => new()
    {
        ["PATH"] = bin + ":" + System.Environment.GetEnvironmentVariable("PATH"),
        ["SENTINEL_APT_GET"] = Path.Combine(bin, "apt-get"),
        ["SENTINEL_ASSUME_MISSING"] = missing,
        // The install lock of this test's own: it never waits for a real install elsewhere on the machine.
        ["TMPDIR"] = temp.FullName,
    };

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string script, string argument, Dictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("bash", [Path.Combine(TestEnvironment.RepoRoot, "scripts", script), argument])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment) info.Environment[key] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    public void Dispose() => temp.Delete(recursive: true);
}
