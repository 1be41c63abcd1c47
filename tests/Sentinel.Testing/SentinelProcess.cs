using System.Diagnostics;
using System.Text;

namespace Sentinel.Testing;

/// <summary>A real Sentinel.Silo or Sentinel.Web process on loopback, with its output kept for failure messages.</summary>
public sealed class SentinelProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private SentinelProcess(string name, Process process)
    {
        Name = name;
        this.process = process;
    }

    public string Name { get; }
    public int Pid => process.Id;
    public bool HasExited => process.HasExited;

    public string Output
    {
        get { lock (output) return output.ToString(); }
    }

    /// <summary>Starts <c>dotnet Sentinel.{project}.dll</c> from its build output with the given environment.</summary>
    public static SentinelProcess Start(string project, string name, IReadOnlyDictionary<string, string> environment)
    {
        var dll = Path.Combine(TestEnvironment.RepoRoot, $"Sentinel.{project}", "bin", TestEnvironment.Configuration, "net10.0", $"Sentinel.{project}.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"Build Sentinel.{project} first.", dll);
        var info = new ProcessStartInfo("dotnet", [dll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // An empty folder: no stray .env is read.
            WorkingDirectory = Directory.CreateTempSubdirectory("sentinel-proc-").FullName,
        };
        foreach (var (key, value) in environment) info.Environment[key] = value;
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {name}.");
        var result = new SentinelProcess(name, process);
        process.OutputDataReceived += (_, e) => result.Append(e.Data);
        process.ErrorDataReceived += (_, e) => result.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return result;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (output) output.AppendLine(line);
    }

    /// <summary>SIGKILL: no graceful shutdown, as a crash.</summary>
    public void Kill()
    {
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        process.WaitForExit(10_000);
    }

    /// <summary>SIGTERM, then wait for a graceful exit.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (process.HasExited) return;
        using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) term?.WaitForExit();
        using var cts = new CancellationTokenSource(timeout);
        try { await process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { Kill(); }
    }

    public int ExitCode => process.ExitCode;

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(15));
        process.Dispose();
    }
}
