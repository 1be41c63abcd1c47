using System.Net;
using System.Net.Sockets;

namespace Sentinel.Testing;

/// <summary>
/// What the project's scripts started for the tests (<c>make test</c> exports these), with the dev defaults otherwise.
/// Tests use their own database (<c>sentinel_test</c>) and a fresh cluster id each, so they never disturb <c>make start</c>.
/// </summary>
public static class TestEnvironment
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string DatabaseUrl => Environment.GetEnvironmentVariable("TEST_DATABASE_URL")
        ?? Environment.GetEnvironmentVariable("DATABASE_URL")
        ?? throw new InvalidOperationException("DATABASE_URL is not set: run the tests through `make test`.");

    public static string RedisUrl => Environment.GetEnvironmentVariable("REDIS_URL")
        ?? throw new InvalidOperationException("REDIS_URL is not set: run the tests through `make test`.");

    public static string? CaCert => Environment.GetEnvironmentVariable("REDIS_TLS_CA_CERT")
        ?? (File.Exists(Path.Combine(RepoRoot, "keys/tls/ca.crt")) ? Path.Combine(RepoRoot, "keys/tls/ca.crt") : null);

    public static string Configuration => Environment.GetEnvironmentVariable("SENTINEL_TEST_CONFIGURATION")
        ?? (typeof(TestEnvironment).Assembly.Location.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug");

    /// <summary>StackExchange.Redis options for the test Redis (TLS, verified against the project's CA).</summary>
    public static StackExchange.Redis.ConfigurationOptions RedisOptions() =>
        Sentinel.Configuration.RedisUrl.Parse(RedisUrl, CaCert, CaCert is null ? "none" : "required");

    /// <summary>How many independent rounds each race test runs: 1 in <c>make test</c>, 100 in <c>make stress</c>.</summary>
    public static int RaceRounds => int.TryParse(Environment.GetEnvironmentVariable("SENTINEL_RACE_ROUNDS"), out var n) && n > 0 ? n : 1;

    /// <summary>Theory data 1..<see cref="RaceRounds"/>, so each round is reported as its own test.</summary>
    public static Xunit.TheoryData<int> RaceRoundData()
    {
        var data = new Xunit.TheoryData<int>();
        for (var i = 1; i <= RaceRounds; i++) data.Add(i);
        return data;
    }

    public static string NewClusterId(string purpose) => $"test-{purpose}-{Guid.NewGuid():N}"[..Math.Min(40, 14 + purpose.Length + 32)];

    /// <summary>A loopback port that was free a moment ago.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>True when something accepts connections on this loopback port.</summary>
    public static bool IsListening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Sentinel.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Sentinel.sln not found above the test output.");
    }
}
