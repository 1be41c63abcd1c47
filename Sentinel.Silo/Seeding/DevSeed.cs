using Npgsql;

namespace Sentinel.Silo.Seeding;

/// <summary>
/// <c>make seed</c>: development data for a local sign-in, idempotent. Two pre-provisioned users (claimed by email at
/// their first sign-in with the local provider), a workspace they belong to, and a client app whose redirect URI is
/// the demo page Web serves at <c>/demo</c> when <c>DEBUG=true</c>.
/// </summary>
public static class DevSeed
{
    private static readonly Guid AliceId = Guid.Parse("a11ce000-0000-4000-8000-000000000001");
    private static readonly Guid BobId = Guid.Parse("b0b00000-0000-4000-8000-000000000002");
    private static readonly Guid WorkspaceId = Guid.Parse("de300000-0000-4000-8000-000000000003");
    private static readonly Guid GroupId = Guid.Parse("9a000000-0000-4000-8000-000000000004");
    private static readonly Guid ClientAppId = Guid.Parse("c1000000-0000-4000-8000-000000000005");

    public static async Task<string> RunAsync(string connectionString, string baseUrl, CancellationToken cancellationToken)
    {
        baseUrl = baseUrl.TrimEnd('/');
        var redirects = new[] { baseUrl + "/demo/callback", "http://localhost:9003/demo/callback", "http://127.0.0.1:9003/demo/callback" }.Distinct().ToArray();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);

        var alice = await UserAsync(connection, tx, AliceId, "alice@example.com", "Alice Example", cancellationToken);
        var bob = await UserAsync(connection, tx, BobId, "bob@example.com", "Bob Example", cancellationToken);
        await ExecuteAsync(connection, tx, """
            INSERT INTO workspaces (id, slug, name, description, created_by) VALUES (@ws, 'demo', 'Demo workspace', 'Seeded by make seed', @alice)
            ON CONFLICT DO NOTHING;
            INSERT INTO workspace_memberships (id, workspace_id, user_id, role)
            SELECT gen_random_uuid(), w.id, @alice, 'owner' FROM workspaces w WHERE w.slug = 'demo' ON CONFLICT DO NOTHING;
            INSERT INTO workspace_memberships (id, workspace_id, user_id, role)
            SELECT gen_random_uuid(), w.id, @bob, 'viewer' FROM workspaces w WHERE w.slug = 'demo' ON CONFLICT DO NOTHING;
            INSERT INTO groups (id, workspace_id, name, description, created_by)
            SELECT @group, w.id, 'Demo team', 'Seeded by make seed', @alice FROM workspaces w WHERE w.slug = 'demo' ON CONFLICT DO NOTHING;
            INSERT INTO group_memberships (id, group_id, user_id)
            SELECT gen_random_uuid(), g.id, @alice FROM groups g JOIN workspaces w ON w.id = g.workspace_id WHERE w.slug = 'demo' AND g.name = 'Demo team' ON CONFLICT DO NOTHING;
            INSERT INTO client_apps (id, name, redirect_uris, is_active) VALUES (@app, 'Sentinel demo app', @redirects, true)
            ON CONFLICT (id) DO UPDATE SET redirect_uris = EXCLUDED.redirect_uris, is_active = true, updated_at = now();
            """, cancellationToken, ("ws", WorkspaceId), ("alice", alice), ("bob", bob), ("group", GroupId), ("app", ClientAppId), ("redirects", redirects));
        await tx.CommitAsync(cancellationToken);

        return $"""
            seeded (idempotent):
              users        alice@example.com (owner of "demo"), bob@example.com (viewer of "demo")
              workspace    demo
              client app   {ClientAppId} "Sentinel demo app", redirect URIs: {string.Join(", ", redirects)}
            sign in: open {baseUrl}/demo (DEBUG=true), choose dex, log in as alice@example.com
            """;
    }

    private static async Task<Guid> UserAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid id, string email, string name, CancellationToken cancellationToken)
    {
        // A user who already signed in keeps their id; otherwise one without a social account, to be claimed by email.
        await using var cmd = new NpgsqlCommand(
            "INSERT INTO users (id, email, name) SELECT @id, @email, @name WHERE NOT EXISTS (SELECT 1 FROM users WHERE lower(email) = lower(@email)); " +
            "SELECT id FROM users WHERE lower(email) = lower(@email)", connection, tx);
        cmd.Parameters.AddWithValue("id", id);
        cmd.Parameters.AddWithValue("email", email);
        cmd.Parameters.AddWithValue("name", name);
        return (Guid)(await cmd.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var cmd = new NpgsqlCommand(sql, connection, tx);
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value);
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }
}
