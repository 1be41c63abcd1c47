using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Orleans.TestingHost;
using Sentinel.Grains.Data;
using Sentinel.Grains.Storage;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Grains.Tests.Data;

/// <summary>
/// The real PostgreSQL test database (migrated by the real migrator), and a test cluster whose grains take the real
/// stores on it, registered as the silo registers them. Tests use fresh ids and unique names, so they share both.
/// </summary>
public sealed class DatabaseFixture : IAsyncLifetime
{
    public static readonly FakeTimeProvider Time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));

    public NpgsqlDataSource Database { get; private set; } = null!;

    public TestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.GrainFactory;

    public async Task InitializeAsync()
    {
        await TestDatabase.EnsureMigratedAsync();
        Database = NpgsqlDataSource.Create(TestConnection.ConnectionString());
        var builder = new TestClusterBuilder { Options = { InitialSilosCount = 1 } };
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Database.DisposeAsync();
    }

    /// <summary>A store (or anything else) built on the test database, outside the cluster.</summary>
    internal T Create<T>() => ActivatorUtilities.CreateInstance<T>(new ServiceCollection().AddSingleton(Database).BuildServiceProvider());

    /// <summary>The activity rows about one target, oldest first.</summary>
    internal async Task<List<LoggedActivity>> ActivityAsync(Guid targetId)
    {
        await using var cmd = Database.CreateCommand(
            "SELECT action, actor_id, target_type, workspace_id, detail::text FROM activity_logs WHERE target_id = @id ORDER BY created_at, id");
        cmd.Parameters.AddWithValue("id", targetId);
        var rows = new List<LoggedActivity>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
            rows.Add(new LoggedActivity(r.GetString(0), r.IsDBNull(1) ? null : r.GetGuid(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetGuid(3),
                r.IsDBNull(4) ? null : JsonDocument.Parse(r.GetString(4)).RootElement));
        return rows;
    }

    /// <summary>One scalar, for checking what a store wrote.</summary>
    internal async Task<object?> ScalarAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var cmd = Database.CreateCommand(sql);
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value);
        var result = await cmd.ExecuteScalarAsync();
        return result is DBNull ? null : result;
    }

    /// <summary>A user row (an actor or a member), with a unique email; its id.</summary>
    internal async Task<Guid> InsertUserAsync(string? email = null, bool isAdmin = false, bool isActive = true)
    {
        var id = Guid.NewGuid();
        await using var cmd = Database.CreateCommand("INSERT INTO users (id, email, name, is_admin, is_active) VALUES (@id, @email, @name, @admin, @active)");
        cmd.Parameters.AddWithValue("id", id);
        cmd.Parameters.AddWithValue("email", email ?? $"{id:N}@stores.test");
        cmd.Parameters.AddWithValue("name", "User " + id.ToString("N")[..8]);
        cmd.Parameters.AddWithValue("admin", isAdmin);
        cmd.Parameters.AddWithValue("active", isActive);
        await cmd.ExecuteNonQueryAsync();
        return id;
    }

    /// <summary>A workspace row with a unique slug; its id and slug.</summary>
    internal async Task<(Guid Id, string Slug)> InsertWorkspaceAsync(string name = "Workspace")
    {
        var (id, slug) = (Guid.NewGuid(), $"ws-{Guid.NewGuid():N}");
        await ScalarAsync("INSERT INTO workspaces (id, slug, name) VALUES (@id, @slug, @name)", ("id", id), ("slug", slug), ("name", name));
        return (id, slug);
    }

    /// <summary>A membership row with the given role name.</summary>
    internal Task AddMemberAsync(Guid workspaceId, Guid userId, string role) =>
        ScalarAsync("INSERT INTO workspace_memberships (id, workspace_id, user_id, role) VALUES (@id, @ws, @user, @role)",
            ("id", Guid.NewGuid()), ("ws", workspaceId), ("user", userId), ("role", role));

    /// <summary>A row in <paramref name="table"/> (groups or roles) of the workspace; its id.</summary>
    internal async Task<Guid> InsertNamedAsync(string table, Guid workspaceId, string name)
    {
        var id = Guid.NewGuid();
        await ScalarAsync($"INSERT INTO {table} (id, workspace_id, name) VALUES (@id, @ws, @name)", ("id", id), ("ws", workspaceId), ("name", name));
        return id;
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            foreach (var name in StorageNames.All) silo.AddMemoryGrainStorage(name);
            silo.AddIncomingGrainCallFilter<DatabaseExceptionFilter>();
            silo.Services.AddSingleton<TimeProvider>(Time);
            silo.Services.AddSingleton(_ => NpgsqlDataSource.Create(TestConnection.ConnectionString()));
            silo.Services.AddSentinelStores();
        }
    }
}

internal sealed record LoggedActivity(string Action, Guid? ActorId, string TargetType, Guid? WorkspaceId, JsonElement? Detail);

[CollectionDefinition(Name)]
public sealed class DatabaseCollection : ICollectionFixture<DatabaseFixture>
{
    public const string Name = "database";
}
