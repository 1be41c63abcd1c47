using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Npgsql;
using Sentinel.Testing;

namespace Sentinel.Bench.Authz;

/// <summary>
/// The baseline: the same two routes, the same request and response JSON, the same key and JWT checks, but each check
/// answered by SQL against PostgreSQL, as the original service did (one query per check item, the token's role and
/// groups trusted). It is generous to the baseline: one combined query per item (the original ran up to three), Npgsql
/// auto-prepared statements, no per-call write of the key's last use and no Redis denylist lookup. Bench-only code: it lives here,
/// never in the product.
/// </summary>
public sealed class SqlBaseline : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly NpgsqlDataSource db;
    private readonly JsonWebTokenHandler handler = new();
    private readonly TokenValidationParameters parameters;

    private SqlBaseline(WebApplication app, NpgsqlDataSource db, RSA key)
    {
        this.app = app;
        this.db = db;
        var securityKey = new RsaSecurityKey(key.ExportParameters(false)) { KeyId = TestKeys.Kid };
        parameters = new TokenValidationParameters
        {
            ValidIssuer = TestTokens.Issuer,
            ValidAudience = "sentinel:access",
            IssuerSigningKey = securityKey,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            ClockSkew = TimeSpan.Zero,
        };
    }

    public Uri BaseAddress { get; private set; } = null!;

    public static async Task<SqlBaseline> StartAsync(string connectionString)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var db = new NpgsqlDataSourceBuilder(connectionString + ";Max Auto Prepare=32;Maximum Pool Size=100").Build();
        var baseline = new SqlBaseline(app, db, TestKeys.Rsa);
        app.MapPost("/permissions/check", baseline.CheckAsync);
        app.MapPost("/roles/check-action", baseline.CheckActionAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        baseline.BaseAddress = new Uri(address);
        return baseline;
    }

    private sealed record Caller(Guid UserId, Guid WorkspaceId, string Role, Guid[] Groups);

    private async Task<Caller?> AuthenticateAsync(HttpContext context)
    {
        var key = context.Request.Headers["X-Service-Key"].ToString();
        await using (var cmd = db.CreateCommand("SELECT service_name FROM service_apps WHERE key_hash = @hash AND is_active"))
        {
            cmd.Parameters.AddWithValue("hash", Sentinel.Grains.ServiceApps.ServiceKeys.Hash(key));
            if (await cmd.ExecuteScalarAsync() is not string) return null;
        }
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal)) return null;
        var result = await handler.ValidateTokenAsync(header["Bearer ".Length..], parameters);
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt) return null;
        var groups = jwt.TryGetPayloadValue<string[]>("groups", out var g) ? g.Select(Guid.Parse).ToArray() : [];
        return new Caller(Guid.Parse(jwt.Subject), Guid.Parse(jwt.GetPayloadValue<string>("wid")), jwt.GetPayloadValue<string>("wrole"), groups);
    }

    private sealed record CheckItem(string service_name, string resource_type, Guid resource_id, string action);
    private sealed record CheckBody(List<CheckItem> checks);
    private sealed record CheckActionBody(string service_name, string action, Guid workspace_id);

    private async Task CheckAsync(HttpContext context)
    {
        var body = await JsonSerializer.DeserializeAsync<CheckBody>(context.Request.Body);
        if (await AuthenticateAsync(context) is not { } caller)
        {
            context.Response.StatusCode = 401;
            return;
        }
        var results = new List<object>(body!.checks.Count);
        foreach (var item in body.checks)
            results.Add(new { item.service_name, item.resource_type, item.resource_id, item.action, allowed = await CheckOneAsync(caller, item) });
        await context.Response.WriteAsJsonAsync(new { results });
    }

    /// <summary>The check order of docs/authorization.md with the row, the caller's direct share and their best group share fetched in one round trip.</summary>
    private async Task<bool> CheckOneAsync(Caller caller, CheckItem item)
    {
        await using var cmd = db.CreateCommand(
            "SELECT p.workspace_id, p.owner_id, p.visibility, " +
            "(SELECT s.permission FROM resource_shares s WHERE s.resource_permission_id = p.id AND s.grantee_type = 'user' AND s.grantee_id = @user), " +
            "(SELECT max(CASE s.permission WHEN 'edit' THEN 2 ELSE 1 END) FROM resource_shares s WHERE s.resource_permission_id = p.id AND s.grantee_type = 'group' AND s.grantee_id = ANY(@groups)) " +
            "FROM resource_permissions p WHERE p.service_name = @service AND p.resource_type = @type AND p.resource_id = @resource");
        cmd.Parameters.AddWithValue("user", caller.UserId);
        cmd.Parameters.AddWithValue("groups", caller.Groups);
        cmd.Parameters.AddWithValue("service", item.service_name);
        cmd.Parameters.AddWithValue("type", item.resource_type);
        cmd.Parameters.AddWithValue("resource", item.resource_id);
        await using var reader = await cmd.ExecuteReaderAsync();
        if (!await reader.ReadAsync()) return false;
        if (reader.GetGuid(0) != caller.WorkspaceId) return false;
        if (!reader.IsDBNull(1) && reader.GetGuid(1) == caller.UserId) return true;
        if (caller.Role is "admin" or "owner") return true;
        var view = item.action == "view";
        if (reader.GetString(2) == "workspace" && (view || caller.Role == "editor")) return true;
        if (!reader.IsDBNull(3) && (view || reader.GetString(3) == "edit")) return true;
        if (!reader.IsDBNull(4) && (view || reader.GetInt32(4) == 2)) return true;
        return false;
    }

    /// <summary>Allowed iff a role of the caller grants the action, plus group roles, as the grain answers it.</summary>
    private async Task CheckActionAsync(HttpContext context)
    {
        var body = await JsonSerializer.DeserializeAsync<CheckActionBody>(context.Request.Body);
        if (await AuthenticateAsync(context) is not { } caller)
        {
            context.Response.StatusCode = 401;
            return;
        }
        await using var cmd = db.CreateCommand(
            "SELECT DISTINCT r.name FROM roles r JOIN role_actions ra ON ra.role_id = r.id JOIN service_actions sa ON sa.id = ra.service_action_id " +
            "WHERE r.workspace_id = @ws AND sa.service_name = @service AND sa.action = @action AND (" +
            "EXISTS (SELECT 1 FROM user_roles ur WHERE ur.role_id = r.id AND ur.user_id = @user) OR " +
            "EXISTS (SELECT 1 FROM group_roles gr WHERE gr.role_id = r.id AND gr.group_id = ANY(@groups))) ORDER BY r.name");
        cmd.Parameters.AddWithValue("ws", body!.workspace_id);
        cmd.Parameters.AddWithValue("service", body.service_name);
        cmd.Parameters.AddWithValue("action", body.action);
        cmd.Parameters.AddWithValue("user", caller.UserId);
        cmd.Parameters.AddWithValue("groups", caller.Groups);
        var roles = new List<string>();
        await using (var reader = await cmd.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync()) roles.Add(reader.GetString(0));
        }
        await context.Response.WriteAsJsonAsync(new { allowed = roles.Count > 0, roles });
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        await db.DisposeAsync();
    }
}
