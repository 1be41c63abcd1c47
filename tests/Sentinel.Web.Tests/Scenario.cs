using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Sentinel.Grains.Directory;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Web.Tests;

/// <summary>Builds directory data through the real grains and API, with unique names so tests share one database.</summary>
public sealed class Scenario(SentinelWebApplication app)
{
    public HttpClient Http { get; } = app.CreateClient(new() { AllowAutoRedirect = false });

    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    public async Task<UserProfile> UserAsync(string? name = null)
    {
        var id = Guid.NewGuid();
        var email = $"{Unique("u")}@example.com";
        var result = await app.Cluster.GrainFactory.GetGrain<IUserGrain>(id).CreateAsync(email, name ?? "User " + email[..6], null, false);
        Assert.True(result.IsOk, result.Error.ToString());
        return result.Value!;
    }

    /// <summary>A workspace owned by <paramref name="owner"/>, created through the API.</summary>
    public async Task<Guid> WorkspaceAsync(UserProfile owner)
    {
        var slug = Unique("ws");
        using var response = await SendAsync(HttpMethod.Post, "/workspaces", Token(owner, Guid.NewGuid(), "viewer"), new { name = "Workspace " + slug, slug });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    public async Task AddMemberAsync(Guid workspaceId, UserProfile user, WorkspaceRole role)
    {
        var result = await app.Cluster.GrainFactory.GetGrain<IWorkspaceGrain>(workspaceId).AddMemberAsync(new Actor(user.Id, "owner"), user.Id, role);
        Assert.True(result.IsOk, result.Error.ToString());
    }

    public static string Token(UserProfile user, Guid workspaceId, string role, IEnumerable<Guid>? groups = null) =>
        // Issued on the app's clock, which rate-limit tests move forward: revocation cut-offs are taken on that clock too.
        TestTokens.Access(user.Id, workspaceId, role, email: user.Email, name: user.Name, groups: groups, issuedAt: SentinelWebApplication.Time.GetUtcNow());

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null) request.Content = JsonContent.Create(body);
        return await Http.SendAsync(request);
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    /// <summary>Asserts the contract's error body: status, <c>detail</c> and stable <c>code</c>.</summary>
    public static async Task AssertErrorAsync(HttpResponseMessage response, int status, string? detail, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {text}");
        var body = JsonDocument.Parse(text).RootElement;
        if (detail is not null) Assert.Equal(detail, body.GetProperty("detail").GetString());
        Assert.Equal(code, body.GetProperty("code").GetString());
    }

    /// <summary>Asserts a 422 in the contract's list shape naming <paramref name="field"/>.</summary>
    public static async Task AssertValidationAsync(HttpResponseMessage response, string field, string? type = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == 422, $"expected 422, got {(int)response.StatusCode}: {text}");
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal("validation_failed", body.GetProperty("code").GetString());
        var items = body.GetProperty("detail").EnumerateArray().ToArray();
        Assert.Contains(items, i => i.GetProperty("loc").EnumerateArray().Last().ToString() == field
            && (type is null || i.GetProperty("type").GetString() == type)
            && i.TryGetProperty("msg", out _));
    }
}
