using Sentinel.Configuration;
using Sentinel.Web.Permissions;
using Sentinel.Web.Roles;

namespace Sentinel.Web.Authz;

/// <summary>Registers authorization: entity permissions, RBAC checks and authz mode.</summary>
public static class AuthorizationSetup
{
    /// <summary>Settings, the IdP token validator and its HTTP client (10 s timeout, no automatic redirects).</summary>
    public static IServiceCollection AddSentinelAuthorization(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddAuthzSettings(configuration);
        services.AddHttpClient(IdpTokenValidator.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(10))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        services.AddSingleton<IdpTokenValidator>();
        // Service-key verdicts per replica, with push invalidation (subscribed in the background).
        services.AddSingleton<ServiceKeyVerdicts>();
        services.AddHostedService(sp => sp.GetRequiredService<ServiceKeyVerdicts>());
        services.AddSingleton<BearerVerdicts>();
        return services;
    }

    /// <summary><see cref="AuthzSettings"/> on the settings binder (also listed by <see cref="Hosting.WebSettingsSetup.Check"/>).</summary>
    internal static IServiceCollection AddAuthzSettings(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings(configuration, AuthzSettings.Bind);
        return services;
    }

    /// <summary>Maps <c>/permissions</c>, <c>/roles</c> and <c>/authz</c>.</summary>
    public static IEndpointRouteBuilder MapSentinelAuthorization(this IEndpointRouteBuilder app)
    {
        app.MapPermissionsEndpoints();
        app.MapRolesEndpoints();
        app.MapAuthzEndpoints();
        return app;
    }
}
