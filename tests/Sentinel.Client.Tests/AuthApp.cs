using System.Net.Http.Headers;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Sentinel.Client.Tests;

/// <summary>
/// An in-memory ASP.NET Core app with <c>AddSentinel</c>, whose calls to Sentinel (discovery, JWKS, the API) go to a
/// <see cref="StubSentinel"/>. Routes: <c>/me</c> (the user), <c>/edit</c> (<c>RequireSentinelAction("docs.edit")</c>),
/// <c>/editor</c> (<c>RequireWorkspaceRole(Role.Editor)</c>), <c>/publish</c> (the policy named <c>docs.publish</c>).
/// </summary>
public sealed class AuthApp : IAsyncDisposable
{
    private AuthApp(WebApplication app, StubSentinel stub)
    {
        App = app;
        Stub = stub;
        Http = app.GetTestClient();
    }

    public WebApplication App { get; }
    public StubSentinel Stub { get; }
    public HttpClient Http { get; }

    public static async Task<AuthApp> StartAsync(Action<SentinelOptions>? configure = null, StubSentinel? stub = null)
    {
        stub ??= new StubSentinel();
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sentinel:BaseUrl"] = StubSentinel.BaseUrl,
            ["Sentinel:ServiceKey"] = StubSentinel.Key,
            ["Sentinel:ServiceName"] = StubSentinel.Service,
            ["Sentinel:RequireHttpsMetadata"] = "false",
            ["Sentinel:Actions:0:Action"] = "docs.publish",
            ["Sentinel:Actions:0:Description"] = "Publish documents",
        });
        builder.Services.AddSentinel(o =>
        {
            o.UnknownKeyRefreshInterval = TimeSpan.FromSeconds(1);
            configure?.Invoke(o);
        });
        builder.Services.ConfigureHttpClientDefaults(b => b.ConfigurePrimaryHttpMessageHandler(() => stub));
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/me", (SentinelUser user) => new
        {
            id = user.Id, email = user.Email, name = user.Name, wid = user.WorkspaceId, wslug = user.WorkspaceSlug,
            wrole = user.WorkspaceRole?.ToString(), groups = user.Groups, actions = user.Actions, idp_sub = user.IdpSubject,
        }).RequireAuthorization();
        app.MapGet("/edit", () => "edited").RequireSentinelAction("docs.edit");
        app.MapGet("/editor", () => "editor").RequireWorkspaceRole(Role.Editor);
        app.MapGet("/publish", [Authorize(Policy = "docs.publish")] () => "published");
        await app.StartAsync();
        return new AuthApp(app, stub);
    }

    public async Task<HttpResponseMessage> GetAsync(string path, string? bearer, string? authzToken = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        if (authzToken is not null) request.Headers.Add("X-Authz-Token", authzToken);
        return await Http.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
