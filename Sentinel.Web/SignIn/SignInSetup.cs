using Sentinel.Web.Tokens;
using Sentinel.Web.Authorization;
using Sentinel.Web.Sessions;

namespace Sentinel.Web.SignIn;

/// <summary>Registers and maps sign-in, sessions and admin sign-in.</summary>
public static class SignInSetup
{
    /// <summary>Identity-provider handlers, token signing for sessions, and the admin-cookie scheme.</summary>
    public static IServiceCollection AddSentinelSignIn(this IServiceCollection services, ProviderSettings providers, SignInSettings settings)
    {
        services.AddSingleton(settings);
        services.AddSignInProviders(providers, settings);
        services.AddSingleton<SessionTokens>();
        services.AddSingleton<SessionCalls>();
        services.AddSingleton<AdminCookieAuthenticator>();
        // Sign-in URLs carry one-time codes (the provider's on the callback, ours on the redirect to the app): the
        // framework's per-request and redirect logs would write them out at Information.
        services.Configure<LoggerFilterOptions>(o =>
        {
            o.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
            o.AddFilter("Microsoft.AspNetCore.Http.Result.RedirectResult", LogLevel.Warning);
        });
        return services;
    }

    /// <summary><c>/auth/*</c> sign-in and sessions, <c>/users/me/sessions</c>, and <c>/demo</c> when <c>DEBUG=true</c>.</summary>
    public static IEndpointRouteBuilder MapSentinelSignIn(this IEndpointRouteBuilder app, SignInSettings settings)
    {
        app.MapSignInEndpoints();
        app.MapAdminSignInEndpoints();
        app.MapSessionsEndpoints();
        if (settings.Debug) app.MapDemoEndpoints();
        return app;
    }
}
