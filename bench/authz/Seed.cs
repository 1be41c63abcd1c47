using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;

namespace Sentinel.Bench.Authz;

/// <summary>The size of the workspace the benchmark builds.</summary>
public sealed record DatasetShape(int Members, int Resources, int Shares, int Groups, int Roles, int Actions);

/// <summary>What the seed wrote, for building requests and cleaning up.</summary>
public sealed record Dataset(
    Guid WorkspaceId,
    string ServiceName,
    string ServiceKey,
    Guid ServiceAppId,
    Guid[] Users,
    string[] UserRoles,
    Guid[][] UserGroups,
    (string Type, Guid Id)[] Resources,
    string[] Actions,
    TimeSpan SeedTime);

/// <summary>
/// Writes one large workspace straight into the tables with binary COPY (seconds, not minutes), before any grain has
/// seen it: the workspace grain then loads it exactly as it would load a production workspace.
/// </summary>
public static class Seed
{
    public static async Task<Dataset> CreateAsync(NpgsqlDataSource db, DatasetShape shape, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var random = new Random(42);
        var run = Guid.NewGuid().ToString("N")[..10];
        var workspaceId = Guid.NewGuid();
        var service = $"bench-{run}";
        var key = Sentinel.Grains.ServiceApps.ServiceKeys.NewKey();
        var appId = Guid.NewGuid();

        var users = Enumerable.Range(0, shape.Members).Select(_ => Guid.NewGuid()).ToArray();
        // 1 owner, 0.5% admins, 20% editors, the rest viewers.
        var roles = users.Select((_, i) => i == 0 ? "owner" : i % 200 == 1 ? "admin" : i % 5 == 2 ? "editor" : "viewer").ToArray();
        var groups = Enumerable.Range(0, shape.Groups).Select(_ => Guid.NewGuid()).ToArray();
        var userGroups = users.Select(_ => groups.Length == 0 ? [] : Enumerable.Range(0, random.Next(0, 4)).Select(_ => groups[random.Next(groups.Length)]).Distinct().ToArray()).ToArray();
        var resources = Enumerable.Range(0, shape.Resources).Select(i => (Type: i % 10 < 7 ? "doc" : "sheet", Id: Guid.NewGuid(), Pid: Guid.NewGuid())).ToArray();
        var actions = Enumerable.Range(0, shape.Actions).Select(i => $"bench:action{i}").ToArray();

        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);

        await CopyAsync(connection, "COPY users (id, email, name) FROM STDIN (FORMAT BINARY)", users.Length, async (w, i) =>
        {
            await w.WriteAsync(users[i], NpgsqlDbType.Uuid, ct);
            await w.WriteAsync($"b{run}-{i}@bench.example", NpgsqlDbType.Text, ct);
            await w.WriteAsync($"Bench User {i}", NpgsqlDbType.Text, ct);
        }, ct);
        await using (var cmd = new NpgsqlCommand("INSERT INTO workspaces (id, slug, name, created_by) VALUES (@id, @slug, @name, @owner)", connection, tx))
        {
            cmd.Parameters.AddWithValue("id", workspaceId);
            cmd.Parameters.AddWithValue("slug", "bench-" + run);
            cmd.Parameters.AddWithValue("name", "Bench " + run);
            cmd.Parameters.AddWithValue("owner", users[0]);
            await cmd.ExecuteNonQueryAsync(ct);
        }
        await CopyAsync(connection, "COPY workspace_memberships (id, workspace_id, user_id, role) FROM STDIN (FORMAT BINARY)", users.Length, async (w, i) =>
        {
            await w.WriteAsync(Guid.NewGuid(), NpgsqlDbType.Uuid, ct);
            await w.WriteAsync(workspaceId, NpgsqlDbType.Uuid, ct);
            await w.WriteAsync(users[i], NpgsqlDbType.Uuid, ct);
            await w.WriteAsync(roles[i], NpgsqlDbType.Text, ct);
        }, ct);
        await CopyAsync(connection, "COPY groups (id, workspace_id, name) FROM STDIN (FORMAT BINARY)", groups.Length, async (w, i) =>
        {
            await w.WriteAsync(groups[i], NpgsqlDbType.Uuid, ct);
            await w.WriteAsync(workspaceId, NpgsqlDbType.Uuid, ct);
            await w.WriteAsync($"group {i}", NpgsqlDbType.Text, ct);
        }, ct);
        var memberships = users.SelectMany((u, i) => userGroups[i].Select(g => (Group: g, User: u))).ToArray();
        await CopyAsync(connection, "COPY group_memberships (id, group_id, user_id) FROM STDIN (FORMAT BINARY)", memberships.Length, async (w, i) =>
        {
            await w.WriteAsync(Guid.NewGuid(), NpgsqlDbType.Uuid, ct);
            await w.WriteAsync(memberships[i].Group, NpgsqlDbType.Uuid, ct);
            await w.WriteAsync(memberships[i].User, NpgsqlDbType.Uuid, ct);
        }, ct);
        await CopyAsync(connection, "COPY resource_permissions (id, service_name, resource_type, resource_id, workspace_id, owner_id, visibility) FROM STDIN (FORMAT BINARY)", resources.Length, async (w, i) =>
        {
            await w.WriteAsync(resources[i].Pid, NpgsqlDbType.Uuid, ct);
            await w.WriteAsync(service, NpgsqlDbType.Text, ct);
            await w.WriteAsync(resources[i].Type, NpgsqlDbType.Text, ct);
            await w.WriteAsync(resources[i].Id, NpgsqlDbType.Uuid, ct);
            await w.WriteAsync(workspaceId, NpgsqlDbType.Uuid, ct);
            await w.WriteAsync(users[random.Next(users.Length)], NpgsqlDbType.Uuid, ct);
            await w.WriteAsync(i % 2 == 0 ? "workspace" : "private", NpgsqlDbType.Text, ct);
        }, ct);
        // Shares: 80% to users, 20% to groups; one per (resource, grantee).
        var shares = new HashSet<(Guid Pid, bool Group, Guid Grantee)>();
        while (shares.Count < shape.Shares)
        {
            var group = groups.Length > 0 && random.Next(5) == 0;
            shares.Add((resources[random.Next(resources.Length)].Pid, group, group ? groups[random.Next(groups.Length)] : users[random.Next(users.Length)]));
        }
        var shareRows = shares.ToArray();
        await CopyAsync(connection, "COPY resource_shares (id, resource_permission_id, grantee_type, grantee_id, permission, granted_by) FROM STDIN (FORMAT BINARY)", shareRows.Length, async (w, i) =>
        {
            await w.WriteAsync(Guid.NewGuid(), NpgsqlDbType.Uuid, ct);
            await w.WriteAsync(shareRows[i].Pid, NpgsqlDbType.Uuid, ct);
            await w.WriteAsync(shareRows[i].Group ? "group" : "user", NpgsqlDbType.Text, ct);
            await w.WriteAsync(shareRows[i].Grantee, NpgsqlDbType.Uuid, ct);
            await w.WriteAsync(i % 3 == 0 ? "edit" : "view", NpgsqlDbType.Text, ct);
            await w.WriteAsync(users[0], NpgsqlDbType.Uuid, ct);
        }, ct);

        // RBAC: actions, roles granting a few each, every user holding one or two roles, a few group roles.
        var actionIds = actions.Select(_ => Guid.NewGuid()).ToArray();
        await CopyAsync(connection, "COPY service_actions (id, service_name, action) FROM STDIN (FORMAT BINARY)", actions.Length, async (w, i) =>
        {
            await w.WriteAsync(actionIds[i], NpgsqlDbType.Uuid, ct);
            await w.WriteAsync(service, NpgsqlDbType.Text, ct);
            await w.WriteAsync(actions[i], NpgsqlDbType.Text, ct);
        }, ct);
        var roleIds = Enumerable.Range(0, shape.Roles).Select(_ => Guid.NewGuid()).ToArray();
        await CopyAsync(connection, "COPY roles (id, workspace_id, name) FROM STDIN (FORMAT BINARY)", roleIds.Length, async (w, i) =>
        {
            await w.WriteAsync(roleIds[i], NpgsqlDbType.Uuid, ct);
            await w.WriteAsync(workspaceId, NpgsqlDbType.Uuid, ct);
            await w.WriteAsync($"role {i}", NpgsqlDbType.Text, ct);
        }, ct);
        var roleActions = roleIds.SelectMany(r => actionIds.OrderBy(_ => random.Next()).Take(random.Next(1, 6)).Select(a => (Role: r, Action: a))).ToArray();
        await CopyAsync(connection, "COPY role_actions (id, role_id, service_action_id) FROM STDIN (FORMAT BINARY)", roleActions.Length, async (w, i) =>
        {
            await w.WriteAsync(Guid.NewGuid(), NpgsqlDbType.Uuid, ct);
            await w.WriteAsync(roleActions[i].Role, NpgsqlDbType.Uuid, ct);
            await w.WriteAsync(roleActions[i].Action, NpgsqlDbType.Uuid, ct);
        }, ct);
        var userRoles = users.SelectMany(u => roleIds.OrderBy(_ => random.Next()).Take(random.Next(1, 3)).Select(r => (User: u, Role: r))).ToArray();
        await CopyAsync(connection, "COPY user_roles (id, user_id, role_id) FROM STDIN (FORMAT BINARY)", userRoles.Length, async (w, i) =>
        {
            await w.WriteAsync(Guid.NewGuid(), NpgsqlDbType.Uuid, ct);
            await w.WriteAsync(userRoles[i].User, NpgsqlDbType.Uuid, ct);
            await w.WriteAsync(userRoles[i].Role, NpgsqlDbType.Uuid, ct);
        }, ct);
        var groupRoles = groups.Take(Math.Min(groups.Length, 20)).Select(g => (Group: g, Role: roleIds[random.Next(roleIds.Length)])).ToArray();
        await CopyAsync(connection, "COPY group_roles (id, group_id, role_id) FROM STDIN (FORMAT BINARY)", groupRoles.Length, async (w, i) =>
        {
            await w.WriteAsync(Guid.NewGuid(), NpgsqlDbType.Uuid, ct);
            await w.WriteAsync(groupRoles[i].Group, NpgsqlDbType.Uuid, ct);
            await w.WriteAsync(groupRoles[i].Role, NpgsqlDbType.Uuid, ct);
        }, ct);

        await using (var cmd = new NpgsqlCommand(
            "INSERT INTO service_apps (id, name, service_name, key_hash, key_prefix) VALUES (@id, @name, @service, @hash, @prefix)", connection, tx))
        {
            cmd.Parameters.AddWithValue("id", appId);
            cmd.Parameters.AddWithValue("name", "Bench " + run);
            cmd.Parameters.AddWithValue("service", service);
            cmd.Parameters.AddWithValue("hash", Sentinel.Grains.ServiceApps.ServiceKeys.Hash(key));
            cmd.Parameters.AddWithValue("prefix", Sentinel.Grains.ServiceApps.ServiceKeys.DisplayPrefix(key));
            await cmd.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        await using (var analyze = new NpgsqlCommand("ANALYZE users, workspace_memberships, groups, group_memberships, resource_permissions, resource_shares, roles, role_actions, user_roles, group_roles, service_actions", connection))
            await analyze.ExecuteNonQueryAsync(ct);

        return new Dataset(workspaceId, service, key, appId, users, roles, userGroups, resources.Select(r => (r.Type, r.Id)).ToArray(), actions, watch.Elapsed);
    }

    /// <summary>Removes everything the seed wrote; the workspace's rows cascade.</summary>
    public static async Task DropAsync(NpgsqlDataSource db, Dataset data)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand(
            "DELETE FROM workspaces WHERE id = @ws; DELETE FROM users WHERE id = ANY(@users); " +
            "DELETE FROM service_apps WHERE id = @app; DELETE FROM service_actions WHERE service_name = @service", connection) { CommandTimeout = 300 };
        cmd.Parameters.AddWithValue("ws", data.WorkspaceId);
        cmd.Parameters.AddWithValue("users", data.Users);
        cmd.Parameters.AddWithValue("app", data.ServiceAppId);
        cmd.Parameters.AddWithValue("service", data.ServiceName);
        await cmd.ExecuteNonQueryAsync();
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
