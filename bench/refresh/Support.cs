using System.Globalization;

namespace Sentinel.Bench.Refresh;

/// <summary>Command-line options, with the defaults <c>make bench</c> uses.</summary>
internal sealed record BenchOptions(int Workers, int FamiliesPerWorker, int Seconds, int Runs, int AccessMinutes, TimeSpan HardLimit)
{
    public static BenchOptions Parse(string[] args)
    {
        int Get(string name, int fallback, int min, int max)
        {
            var i = Array.IndexOf(args, "--" + name);
            if (i < 0 || i + 1 >= args.Length) return fallback;
            var value = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            if (value < min || value > max) throw new ArgumentOutOfRangeException(name, $"--{name} must be {min}-{max}.");
            return value;
        }
        var workers = Get("workers", 32, 1, 256);
        var families = Get("families-per-worker", 16, 1, 256);
        var seconds = Get("seconds", 10, 2, 120);
        var runs = Get("runs", 5, 1, 15);
        // The contract's default. (It was 1 while each family kept its access jtis until they expired; revocation is by
        // family now, so the state no longer grows with rotations. A 1-minute token also expired before the breakdown's
        // GET /users/me phase whenever a loaded box stretched the phases.)
        var access = Get("access-minutes", 15, 1, 15);
        // Setup and start-up, then 3 phases per run and 5 others (2 warm-ups, 3 breakdowns), each given 1.5x its length.
        var limit = TimeSpan.FromSeconds(300 + (seconds * 1.5 * ((3 * runs) + 5)));
        return new BenchOptions(workers, families, seconds, runs, access, limit);
    }
}

/// <summary>Refuses anything but loopback: the bench never loads a remote system.</summary>
internal static class Loopback
{
    public static void Require(string name, string url)
    {
        var host = new Uri(url.Replace("postgresql+asyncpg://", "postgresql://", StringComparison.Ordinal)).Host;
        if (host is not ("127.0.0.1" or "localhost" or "::1" or "[::1]"))
            throw new InvalidOperationException($"{name} must point at loopback for the benchmark (host is {host}).");
    }
}

/// <summary>A chain of refresh tokens of one family.</summary>
internal sealed class Chain(Guid userId, string access, string refresh)
{
    public Guid UserId { get; } = userId;
    public string Access { get; set; } = access;
    public string Refresh { get; set; } = refresh;
}

internal sealed record Phase(string Name, long Ops, TimeSpan Elapsed, CpuUse Cpu)
{
    public double PerSecond => Ops / Elapsed.TotalSeconds;
    public double PerOp(TimeSpan cpu) => Ops == 0 ? 0 : cpu.TotalMilliseconds / Ops;
}

/// <summary>CPU time used during a phase, by process.</summary>
/// <param name="PostgresBackends">The part of <paramref name="Postgres"/> spent by the backends serving the bench's own
/// database (by process title): the bench's statements alone, without other databases' work or PostgreSQL's shared
/// background processes (WAL writer, checkpointer, autovacuum launcher).</param>
internal sealed record CpuUse(TimeSpan Web, TimeSpan Silo, TimeSpan Postgres, TimeSpan Driver, TimeSpan Total, TimeSpan PostgresBackends)
{
    public TimeSpan Other => Total - Web - Silo - Postgres - Driver;
}

/// <summary>Cumulative CPU counters from /proc (Linux): the web and silo processes, every postgres process, this process, the machine.</summary>
internal sealed record CpuSample(TimeSpan Web, TimeSpan Silo, TimeSpan Postgres, TimeSpan Driver, TimeSpan Total, TimeSpan PostgresBackends)
{
    /// <summary>The bench's database, as PostgreSQL's process titles name it ("postgres: user db host(port) state").</summary>
    public static string Database { get; set; } = "";

    private static readonly double TickSeconds = 1.0 / 100; // USER_HZ is 100 on Linux

    public static CpuSample Take(int webPid, int siloPid)
    {
        var (postgres, backends) = PostgresCpu();
        return new(ProcessCpu(webPid), ProcessCpu(siloPid), postgres, System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime, MachineBusy(), backends);
    }

    public static CpuUse operator -(CpuSample end, CpuSample start) =>
        new(end.Web - start.Web, end.Silo - start.Silo, end.Postgres - start.Postgres, end.Driver - start.Driver, end.Total - start.Total,
            end.PostgresBackends - start.PostgresBackends);

    private static TimeSpan ProcessCpu(int pid)
    {
        try
        {
            // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return TimeSpan.FromSeconds((long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * TickSeconds);
        }
        catch (IOException)
        {
            return TimeSpan.Zero;
        }
    }

    private static (TimeSpan All, TimeSpan Backends) PostgresCpu()
    {
        var total = TimeSpan.Zero;
        var backends = TimeSpan.Zero;
        var marker = " " + Database + " ";
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            var name = Path.GetFileName(dir);
            if (!int.TryParse(name, CultureInfo.InvariantCulture, out var pid)) continue;
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "comm")).Trim() != "postgres") continue;
                var cpu = ProcessCpu(pid);
                total += cpu;
                if (Database.Length > 0 && File.ReadAllText(Path.Combine(dir, "cmdline")).Contains(marker, StringComparison.Ordinal)) backends += cpu;
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return (total, backends);
    }

    private static TimeSpan MachineBusy()
    {
        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // user nice system idle iowait irq softirq steal: busy = all but idle and iowait.
        long Field(int i) => long.Parse(cpu[i], CultureInfo.InvariantCulture);
        var busy = Field(1) + Field(2) + Field(3) + Field(6) + Field(7) + Field(8);
        return TimeSpan.FromSeconds(busy * TickSeconds);
    }
}
