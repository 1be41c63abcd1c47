namespace Sentinel.Web.Sessions;

/// <summary>Registers and maps the sessions feature: refresh, logout and the sessions list.</summary>
public static class SessionsSetup
{
    /// <summary>Token signing for sessions and the session grain calls, with the limits read at start-up.</summary>
    public static IServiceCollection AddSentinelSessions(this IServiceCollection services, SessionLimits limits)
    {
        services.AddSingleton(limits);
        services.AddSingleton<SessionTokens>();
        services.AddSingleton<SessionCalls>();
        return services;
    }

    /// <summary><c>/auth/refresh</c>, <c>/auth/logout</c> and <c>/users/me/sessions</c>.</summary>
    public static IEndpointRouteBuilder MapSentinelSessions(this IEndpointRouteBuilder app) => app.MapSessionsEndpoints();
}
