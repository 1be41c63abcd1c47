namespace Sentinel.Web.Authorization;

/// <summary>The service-key scheme: service apps identify themselves by key (or by origin) on every request.</summary>
public static class ServiceKeysSetup
{
    public static IServiceCollection AddSentinelServiceKeys(this IServiceCollection services) =>
        services.AddSingleton<ServiceKeyAuthenticator>();

    /// <summary>Resolves the calling service once per request, for the rate limiter and the handlers after it.</summary>
    public static IApplicationBuilder UseSentinelServiceKeys(this IApplicationBuilder app) => ServiceKeyAuthenticator.UseServiceKeyPrincipal(app);
}
