using System.Net;
using Xunit;

namespace Sentinel.Testing;

/// <summary>
/// One silo and two real web replicas on the test database, with an Orleans client: the fixture of tests that check
/// what one replica's change does to the other (nothing a replica keeps may outlive a change on the other).
/// </summary>
public abstract class TwoWebCluster(string purpose, IReadOnlyDictionary<string, string>? siloSettings = null) : IAsyncLifetime
{
    private readonly ClusterHarness harness = new(purpose);

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };
    public OrleansTestClient Orleans { get; private set; } = null!;

    /// <summary>The two replicas' API addresses.</summary>
    public Uri[] Webs { get; private set; } = [];

    public async Task InitializeAsync()
    {
        await TestDatabase.EnsureMigratedAsync();
        harness.StartSilo("silo", extra: siloSettings);
        Webs = [harness.StartWeb("web-a").Api, harness.StartWeb("web-b").Api];
        foreach (var web in Webs)
            await ClusterHarness.WaitUntilAsync(() => ClusterHarness.IsStatusAsync(Http, new Uri(web, "/health/ready"), HttpStatusCode.OK),
                TimeSpan.FromSeconds(180), $"{web} ready", harness.AllOutput);
        Orleans = await OrleansTestClient.ConnectAsync(harness.ClusterId, TimeSpan.FromSeconds(60));
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (Orleans is not null) await Orleans.DisposeAsync();
        await harness.DisposeAsync();
    }
}
