// Shared by bench/sessions and bench/scaleout (linked source): a population of users written straight into the
// directory tables with binary COPY, refresh families started for them through the real session grain, and the
// refresh tokens the edge would sign for those families (with the test key the harness gives the web process).
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Npgsql;
using NpgsqlTypes;
using Sentinel.Grains.Directory;
using Sentinel.Grains.Sessions;
using Sentinel.Testing;

namespace Sentinel.Bench;

/// <summary>Users in workspaces of <c>workspaceSize</c> members, all inserted by SQL; grows on demand.</summary>
internal sealed class BenchPopulation(NpgsqlDataSource db, int workspaceSize)
{
    private readonly string run = Guid.NewGuid().ToString("N")[..10];
    private readonly List<Guid> users = [];
    private readonly List<Guid> workspaces = [];
    private readonly List<int> userWorkspace = [];

    public static readonly SessionPolicy Policy = new(TimeSpan.FromMinutes(15), TimeSpan.FromDays(7), TimeSpan.Zero, 5);

    public int Count => users.Count;
    public Guid User(int i) => users[i];
    public Guid WorkspaceOf(int i) => workspaces[userWorkspace[i]];
    public DateTimeOffset Started { get; } = DateTimeOffset.UtcNow;

    /// <summary>
    /// Adds users until there are <paramref name="total"/>, with their memberships in new workspaces (COPY, one
    /// transaction). New users never join an existing workspace: its grain may be active and would not see rows written
    /// behind its back.
    /// </summary>
    public async Task GrowToAsync(int total, CancellationToken ct)
    {
        if (total <= users.Count) return;
        var from = users.Count;
        var newUsers = Enumerable.Range(from, total - from).Select(_ => Guid.NewGuid()).ToArray();
        var firstWorkspace = workspaces.Count;
        var wsOf = Enumerable.Range(0, newUsers.Length).Select(i => firstWorkspace + i / workspaceSize).ToArray();
        while (workspaces.Count <= wsOf[^1]) workspaces.Add(Guid.NewGuid());
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await CopyAsync(connection, "COPY users (id, email, name) FROM STDIN (FORMAT BINARY)", newUsers.Length, async (w, i) =>
        {
            await w.WriteAsync(newUsers[i], NpgsqlDbType.Uuid, ct);
            await w.WriteAsync($"s{run}-{from + i}@bench.example", NpgsqlDbType.Text, ct);
            await w.WriteAsync($"Bench User {from + i}", NpgsqlDbType.Text, ct);
        }, ct);
        await CopyAsync(connection, "COPY workspaces (id, slug, name) FROM STDIN (FORMAT BINARY)", workspaces.Count - firstWorkspace, async (w, i) =>
        {
            await w.WriteAsync(workspaces[firstWorkspace + i], NpgsqlDbType.Uuid, ct);
            await w.WriteAsync($"bs-{run}-{firstWorkspace + i}", NpgsqlDbType.Text, ct);
            await w.WriteAsync($"Bench {firstWorkspace + i}", NpgsqlDbType.Text, ct);
        }, ct);
        await CopyAsync(connection, "COPY workspace_memberships (id, workspace_id, user_id, role) FROM STDIN (FORMAT BINARY)", newUsers.Length, async (w, i) =>
        {
            await w.WriteAsync(Guid.NewGuid(), NpgsqlDbType.Uuid, ct);
            await w.WriteAsync(workspaces[wsOf[i]], NpgsqlDbType.Uuid, ct);
            await w.WriteAsync(newUsers[i], NpgsqlDbType.Uuid, ct);
            await w.WriteAsync(i % workspaceSize == 0 ? "owner" : i % 5 == 1 ? "editor" : "viewer", NpgsqlDbType.Text, ct);
        }, ct);
        await tx.CommitAsync(ct);
        users.AddRange(newUsers);
        userWorkspace.AddRange(wsOf);
        await using var analyze = new NpgsqlCommand("ANALYZE users, workspaces, workspace_memberships", connection);
        await analyze.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Deletes what this population wrote: its users and workspaces (memberships cascade) and the grain-state rows
    /// written since it started under <paramref name="serviceId"/> in this (bench-only) database.
    /// </summary>
    public async Task DropAsync(string serviceId)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand(
            "DELETE FROM workspaces WHERE id = ANY(@ws); DELETE FROM users WHERE id = ANY(@users); " +
            "DELETE FROM orleans_storage WHERE service_id = @sid AND modified_on >= @since", connection) { CommandTimeout = 600 };
        cmd.Parameters.AddWithValue("ws", workspaces.ToArray());
        cmd.Parameters.AddWithValue("users", users.ToArray());
        cmd.Parameters.AddWithValue("sid", serviceId);
        cmd.Parameters.AddWithValue("since", Started.AddMinutes(-1));
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>Runs <paramref name="action"/> for indices [from, to) with bounded concurrency; returns the time taken.</summary>
    public static async Task<TimeSpan> ForEachAsync(int from, int to, int concurrency, Func<int, Task> action, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var next = from - 1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < to)
            {
                ct.ThrowIfCancellationRequested();
                await action(i);
            }
        }, ct)));
        return watch.Elapsed;
    }

    /// <summary>Retries a grain call that timed out on a busy box (up to 5 attempts); the call must be idempotent.</summary>
    public static async Task RetryAsync(Func<Task> call, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await call();
                return;
            }
            catch (Exception ex) when (attempt < 5 && ex is TimeoutException or Orleans.Runtime.OrleansException && !ct.IsCancellationRequested)
            {
                await Task.Delay(500 * attempt, ct);
            }
        }
    }

    /// <summary>Activates the user's directory grains (user, workspace) without a session grain.</summary>
    public async Task WarmDirectoryAsync(IGrainFactory grains, int i, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var user = await grains.GetGrain<IUserGrain>(users[i]).GetAsync(ct);
                var member = await grains.GetGrain<IWorkspaceGrain>(WorkspaceOf(i)).GetMemberClaimsAsync(users[i], ct);
                if (user is null || member.Role is null) throw new InvalidOperationException($"bench user {i} not found in the directory");
                return;
            }
            catch (Exception ex) when (attempt < 5 && ex is TimeoutException or Orleans.Runtime.OrleansException && !ct.IsCancellationRequested)
            {
                await Task.Delay(500 * attempt, ct);
            }
        }
    }

    /// <summary>Starts one refresh family for user <paramref name="i"/> through the session grain, as POST /auth/token does.</summary>
    public async Task<IssuedTokens> StartFamilyAsync(IGrainFactory grains, int i, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var decision = await grains.GetGrain<IUserSessionGrain>(users[i]).StartFamilyAsync(
                    new StartFamilyRequest(Guid.NewGuid(), WorkspaceOf(i), null, null, new SessionDevice("127.0.0.1", "bench"), Policy), ct);
                return decision is SessionDecision.Issued issued ? issued.Tokens : throw new InvalidOperationException($"family refused for bench user {i}: {decision}");
            }
            catch (Exception ex) when (attempt < 5 && ex is TimeoutException or OperationCanceledException or Orleans.Runtime.OrleansException && !ct.IsCancellationRequested)
            {
                // A busy two-core box may time a call out (the grain bounds its directory reads at 3 s); a new request id
                // starts a family afresh. A family started by an attempt whose answer was lost is evicted by MaxFamilies.
                await Task.Delay(500 * attempt, ct);
            }
        }
    }

    private static async Task CopyAsync(NpgsqlConnection connection, string copy, int rows, Func<NpgsqlBinaryImporter, int, Task> row, CancellationToken ct)
    {
        await using var writer = await connection.BeginBinaryImportAsync(copy, ct);
        for (var i = 0; i < rows; i++)
        {
            await writer.StartRowAsync(ct);
            await row(writer, i);
        }
        await writer.CompleteAsync(ct);
    }
}

/// <summary>Signs the refresh token the edge would return for an issue record (same claims as SessionTokens.Sign).</summary>
internal static class BenchTokens
{
    public static string Refresh(Guid userId, IssuedTokens issued, string issuer = TestTokens.Issuer) =>
        Refresh(userId, issued.FamilyId, issued.RefreshJti, issued.IssuedAt, issued.RefreshExpiresAt, issuer);

    public static string Refresh(Guid userId, Guid familyId, Guid refreshJti, DateTimeOffset issuedAt, DateTimeOffset expiresAt, string issuer = TestTokens.Issuer)
    {
        var payload = new JsonObject
        {
            ["iss"] = issuer,
            ["sub"] = userId.ToString(),
            ["aud"] = "sentinel:refresh",
            ["type"] = "refresh",
            ["jti"] = refreshJti.ToString(),
            ["fid"] = familyId.ToString(),
        };
        return TestTokens.Sign(payload, expiresAt - issuedAt, issuedAt);
    }
}

/// <summary>Small statistics helpers.</summary>
internal static class Stats
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];

    public static string F(double value, string format = "F2") => value.ToString(format, CultureInfo.InvariantCulture);
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
