using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Npgsql;

namespace Sentinel.Bench.RateLimit;

/// <summary>One user row for the bench, and an access token for it signed with the run's key (as TokenService signs).</summary>
internal static class BenchUser
{
    public static async Task<Guid> CreateAsync(string databaseUrl, string? caCertPath, CancellationToken ct)
    {
        var id = Guid.NewGuid();
        var builder = Sentinel.Silo.Hosting.DatabaseUrl.Parse(databaseUrl, string.IsNullOrEmpty(caCertPath) ? null : caCertPath);
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(ct);
        await using var insert = new NpgsqlCommand("INSERT INTO users (id, email, name) VALUES (@id, @email, @name)", connection);
        insert.Parameters.AddWithValue("id", id);
        insert.Parameters.AddWithValue("email", $"bench-rl-{id:N}@bench.example");
        insert.Parameters.AddWithValue("name", "Rate-limit bench user");
        await insert.ExecuteNonQueryAsync(ct);
        return id;
    }

    /// <summary>An access token (the contract's access-token claims) valid for an hour; no <c>sid</c>, so the session grain checks its cut-off only.</summary>
    public static string AccessToken(string privateKeyPem, string issuer, Guid userId)
    {
        using var rsa = System.Security.Cryptography.RSA.Create();
        rsa.ImportFromPem(File.ReadAllText(privateKeyPem));
        var key = new RsaSecurityKey(rsa.ExportParameters(true));
        key.KeyId = Sentinel.Web.Tokens.SigningKeys.Thumbprint(new RsaSecurityKey(rsa.ExportParameters(false)));
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var payload = new JsonObject
        {
            ["iss"] = issuer, ["sub"] = userId.ToString(), ["aud"] = "sentinel:access", ["type"] = "access",
            ["jti"] = Guid.NewGuid().ToString(), ["iat"] = now - 5, ["exp"] = now + 3600, ["email"] = "bench@bench.example", ["name"] = "Bench",
            ["wid"] = Guid.NewGuid().ToString(), ["wslug"] = "bench", ["wrole"] = "viewer", ["groups"] = new JsonArray(),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }
            .CreateToken(payload.ToJsonString(), new SigningCredentials(key, SecurityAlgorithms.RsaSha256));
    }
}
