using System.Net.Http.Json;
using Sentinel.Grains.Directory;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Web.Tests.Admin;

/// <summary>An admin with a valid <c>admin_token</c> cookie, and requests to <c>/admin/*</c> as the panel sends them.</summary>
public sealed class AdminDirectoryScenario(SentinelWebApplication app)
{
    public Scenario S { get; } = new(app);

    public IGrainFactory Grains => app.Cluster.GrainFactory;

    public async Task<(UserProfile User, string Cookie)> AdminAsync()
    {
        var result = await Grains.GetGrain<IUserGrain>(Guid.NewGuid()).CreateAsync($"{Scenario.Unique("admin")}@example.com", "Ada Admin", null, isAdmin: true);
        Assert.True(result.IsOk, result.Error.ToString());
        return (result.Value!, AdminToken(result.Value!));
    }

    public static string AdminToken(UserProfile user) => AdminScenario.CookieFor(user);

    /// <summary>Sends with the cookie (when given) and, unless <paramref name="csrf"/> is false, <c>X-Requested-With</c>.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? cookie, object? body = null, bool csrf = true,
        IReadOnlyDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (cookie is not null) request.Headers.Add("Cookie", $"admin_token={cookie}");
        if (csrf) request.Headers.Add("X-Requested-With", "XMLHttpRequest");
        foreach (var (name, value) in headers ?? new Dictionary<string, string>()) request.Headers.Add(name, value);
        if (body is not null) request.Content = JsonContent.Create(body);
        return await S.Http.SendAsync(request);
    }

    /// <summary>A workspace created through the admin API (the admin becomes its owner).</summary>
    public async Task<Guid> WorkspaceAsync(string cookie)
    {
        var slug = Scenario.Unique("ws");
        using var response = await SendAsync(HttpMethod.Post, "/admin/workspaces", cookie, new { name = "Workspace " + slug, slug });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (await Scenario.JsonAsync(response)).GetProperty("id").GetGuid();
    }

    /// <summary>Asserts every property of <paramref name="names"/> is present, and nothing else.</summary>
    public static void AssertShape(System.Text.Json.JsonElement element, params string[] names) =>
        Assert.Equal(names.Order(), element.EnumerateObject().Select(p => p.Name).Order());
}
