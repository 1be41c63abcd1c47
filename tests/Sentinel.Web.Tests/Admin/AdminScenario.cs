using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using Sentinel.Grains.Directory;
using Sentinel.Testing;
using Sentinel.Web.Tests.SignIn;
using Xunit;

namespace Sentinel.Web.Tests.Admin;

/// <summary>Admins with a signed <c>admin_token</c> cookie, and requests to <c>/admin/*</c> as the panel sends them.</summary>
public sealed class AdminScenario(SentinelWebApplication app)
{
    public SignInScenario SignIn { get; } = new(app);
    public Scenario S => SignIn.S;
    public HttpClient Http => SignIn.Http;
    public IGrainFactory Grains => SignIn.Grains;

    public sealed record Admin(UserProfile User, string Cookie);

    /// <summary>A fresh admin user and a valid admin cookie for them.</summary>
    public async Task<Admin> AdminAsync()
    {
        var id = Guid.NewGuid();
        var result = await Grains.GetGrain<IUserGrain>(id).CreateAsync($"{Scenario.Unique("admin")}@example.com", "Ada Admin", null, isAdmin: true);
        Assert.True(result.IsOk, result.Error.ToString());
        return new Admin(result.Value!, CookieFor(result.Value!));
    }

    public static string CookieFor(UserProfile user) =>
        TestTokens.Sign(new JsonObject
        {
            ["iss"] = TestTokens.Issuer,
            ["sub"] = user.Id.ToString(),
            ["aud"] = "sentinel:admin",
            ["type"] = "admin_access",
            ["jti"] = Guid.NewGuid().ToString(),
            ["email"] = user.Email,
            ["name"] = user.Name,
            ["admin"] = true,
        }, TimeSpan.FromMinutes(60));

    /// <summary>
    /// A request with the cookie (when given) and, unless <paramref name="csrf"/> is false, the <c>X-Requested-With</c>
    /// header the panel sends. <paramref name="host"/> picks the port the request arrives on.
    /// </summary>
    public static HttpRequestMessage Request(HttpMethod method, string path, string? cookie, object? body = null, bool csrf = true, string? host = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (cookie is not null) request.Headers.Add("Cookie", $"admin_token={cookie}");
        if (csrf) request.Headers.Add("X-Requested-With", "XMLHttpRequest");
        if (host is not null) request.Headers.Host = host;
        if (body is not null) request.Content = JsonContent.Create(body);
        return request;
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? cookie, object? body = null, bool csrf = true, string? host = null)
    {
        using var request = Request(method, path, cookie, body, csrf, host);
        return await Http.SendAsync(request);
    }

    public Task<HttpResponseMessage> GetAsync(string path, Admin admin) => SendAsync(HttpMethod.Get, path, admin.Cookie);

    public static async Task<JsonElement> OkJsonAsync(HttpResponseMessage response, int status = 200)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement;
    }

    /// <summary>Asserts the object has exactly these properties (the contract's field names, nothing missing, nothing extra).</summary>
    public static void AssertFields(JsonElement item, params string[] fields) =>
        Assert.Equal(fields.Order(StringComparer.Ordinal), item.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));

    /// <summary>Activity rows of <paramref name="action"/> by <paramref name="actorId"/>, read from PostgreSQL.</summary>
    public static async Task<List<(Guid TargetId, string TargetType, string? Detail)>> ActivityAsync(string action, Guid actorId)
    {
        await using var db = NpgsqlDataSource.Create(TestConnection.ConnectionString());
        await using var cmd = db.CreateCommand("SELECT target_id, target_type, detail::text FROM activity_logs WHERE action = @a AND actor_id = @actor ORDER BY created_at");
        cmd.Parameters.AddWithValue("a", action);
        cmd.Parameters.AddWithValue("actor", actorId);
        var rows = new List<(Guid, string, string?)>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) rows.Add((r.GetGuid(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2)));
        return rows;
    }

    /// <summary>
    /// Waits into the next whole second: a revocation cuts off every token issued up to its second (<c>iat</c> has whole
    /// seconds), so a sign-in in the same second as a deactivation would be revoked too.
    /// </summary>
    public static Task NextSecondAsync() => Task.Delay(TimeSpan.FromMilliseconds(1_050 - DateTimeOffset.UtcNow.Millisecond));

    /// <summary>A workspace owned by a fresh user; returns its id and slug.</summary>
    public async Task<(Guid Id, string Slug, UserProfile Owner)> WorkspaceAsync()
    {
        var owner = await S.UserAsync();
        var id = await S.WorkspaceAsync(owner);
        var ws = await Grains.GetGrain<IWorkspaceGrain>(id).GetAsync();
        return (id, ws!.Slug, owner);
    }
}
