using Sentinel.Web.Authorization;

namespace Sentinel.Web.SignIn;

/// <summary>Registers and maps sign-in and admin sign-in (sessions are their own feature: Sessions/SessionsSetup).</summary>
public static class SignInSetup
{
    /// <summary>Identity-provider handlers and the admin-cookie scheme.</summary>
    public static IServiceCollection AddSentinelSignIn(this IServiceCollection services, ProviderSettings providers, SignInSettings settings)
    {
        services.AddSingleton(settings);
        services.AddSignInProviders(providers, settings);
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

    /// <summary><c>/auth/*</c> sign-in, admin sign-in, and <c>/demo</c> when <c>DEBUG=true</c>.</summary>
    public static IEndpointRouteBuilder MapSentinelSignIn(this IEndpointRouteBuilder app, SignInSettings settings)
    {
        app.MapSignInEndpoints();
        app.MapAdminSignInEndpoints();
        if (settings.Debug) app.MapDemoEndpoints();
        return app;
    }
}
