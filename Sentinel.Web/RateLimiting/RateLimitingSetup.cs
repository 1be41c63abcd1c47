using Microsoft.Extensions.DependencyInjection.Extensions;
using Sentinel.Configuration;
using Sentinel.Web.Infrastructure.Errors;
using Sentinel.Web.Infrastructure.Forwarding;
using Sentinel.Web.Infrastructure.Hosting;

namespace Sentinel.Web.RateLimiting;

/// <summary>The two lines Program.cs needs.</summary>
public static class RateLimitingSetup
{
    /// <summary>
    /// Registers <see cref="RateLimitOptions"/> on the shared settings binder (validated with every other setting at
    /// start, all failures listed at once; docs/configuration.md). Safe to call more than once.
    /// </summary>
    internal static IServiceCollection AddRateLimitSettings(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings(configuration, RateLimitOptions.Bind).ValidateWith<RateLimitOptions, RateLimitOptionsValidator>();
        return services;
    }

    /// <summary>
    /// Binds <see cref="RateLimitOptions"/> (<see cref="AddRateLimitSettings"/>) and registers the gate. Needs
    /// <see cref="Infrastructure.Cluster.GrainCalls"/>.
    /// </summary>
    public static IServiceCollection AddSentinelRateLimiting(this IServiceCollection services, IConfiguration configuration, WebSettings settings)
    {
        services.AddRateLimitSettings(configuration);
        services.TryAddSingleton(TimeProvider.System);
        // The client's address, shared with sessions, audit and activity (one reading of BEHIND_PROXY/TRUSTED_PROXY_COUNT).
        services.AddClientAddressResolver(configuration);
        services.AddSingleton<RateLimitPlanner>();
        services.AddSingleton<LimitedKeyCache>();
        services.AddSingleton(sp => new RateLimitGate(
            sp.GetRequiredService<RateLimitOptions>(), sp.GetRequiredService<RateLimitPlanner>(), sp.GetRequiredService<ClientAddressResolver>(),
            sp.GetRequiredService<Infrastructure.Cluster.GrainCalls>(), sp.GetRequiredService<LimitedKeyCache>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<RateLimitGate>>(), settings, sp.GetRequiredService<Infrastructure.Hosting.SentinelMetrics>()));
        return services;
    }

    /// <summary>
    /// Limits every request but the exempt ones: one decision, before the endpoint runs. Place it after authentication,
    /// which sets the <see cref="RateLimitPrincipal"/>. Endpoints marked <see cref="RateLimitDecidedInEndpointMetadata"/> decide themselves.
    /// </summary>
    public static IApplicationBuilder UseSentinelRateLimiting(this IApplicationBuilder app)
    {
        var gate = app.ApplicationServices.GetRequiredService<RateLimitGate>();
        var options = app.ApplicationServices.GetRequiredService<RateLimitOptions>();
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RateLimitGate).FullName!);
        app.Use(async (context, next) =>
        {
            // One place per request: here, unless the endpoint decides in its filter or handler (DecisionPlace throws for
            // an endpoint that names two places). Then the request must have been decided once it has run.
            if (RateLimitEndpointExtensions.DecisionPlace(context.GetEndpoint()) is RateLimitDecisionPlace.Filter or RateLimitDecisionPlace.Handler)
            {
                await next(context);
                if (options.Enabled && context.Features.Get<RateLimitVerdictFeature>() is null && !gate.IsExempt(context))
                    Log.NotDecided(logger, (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? RateLimitPlanner.UnmatchedRoute);
                return;
            }

            switch (await gate.CheckAsync(context))
            {
                case RateLimitVerdict.Limited:
                    context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                    await context.Response.WriteAsJsonAsync(RateLimitVerdict.TooManyRequests, context.RequestAborted);
                    return;
                case RateLimitVerdict.Unavailable:
                    await ApiErrors.WriteClusterUnavailableAsync(context);
                    return;
                default:
                    await next(context);
                    return;
            }
        });
        return app;
    }
}
