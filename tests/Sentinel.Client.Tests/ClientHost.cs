using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Sentinel.Client.Tests;

/// <summary>A service provider with <c>AddSentinel</c> whose HTTP goes to a <see cref="StubSentinel"/>.</summary>
public sealed class ClientHost : IDisposable
{
    public StubSentinel Stub { get; } = new();
    public ServiceProvider Services { get; }

    public ClientHost(Action<SentinelOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sentinel:BaseUrl"] = StubSentinel.BaseUrl,
            ["Sentinel:ServiceKey"] = StubSentinel.Key,
            ["Sentinel:ServiceName"] = StubSentinel.Service,
            ["Sentinel:RequireHttpsMetadata"] = "false",
        }).Build());
        services.AddSentinel(o =>
        {
            o.MaxRetries = 2;
            configure?.Invoke(o);
        });
        services.ConfigureHttpClientDefaults(b => b.ConfigurePrimaryHttpMessageHandler(() => Stub));
        Services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
    }

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    /// <summary>Makes a request "current" for the clients, carrying a Sentinel token the way authentication leaves it.</summary>
    public void SetCurrentToken(string token)
    {
        var context = new DefaultHttpContext();
        context.Items["Sentinel.Token"] = token;
        context.User = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(
        [
            new System.Security.Claims.Claim("sub", Guid.NewGuid().ToString()),
            new System.Security.Claims.Claim("wid", Guid.NewGuid().ToString()),
            new System.Security.Claims.Claim("wrole", "editor"),
        ], "test"));
        Get<IHttpContextAccessor>().HttpContext = context;
    }

    public void Dispose() => Services.Dispose();
}
