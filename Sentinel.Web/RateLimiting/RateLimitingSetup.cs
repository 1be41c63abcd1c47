using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Sentinel.Web.Infrastructure.Errors;
using Sentinel.Web.Infrastructure.Forwarding;
using Sentinel.Web.Infrastructure.Hosting;

namespace Sentinel.Web.RateLimiting;

/// <summary>The two lines Program.cs needs.</summary>
public static class RateLimitingSetup
{
    /// <summary>
    /// Binds <see cref="RateLimitOptions"/> from §8.5's variables, validates them at start-up (every failure at once),
    /// and registers the gate. Needs <see cref="Infrastructure.Cluster.GrainCalls"/>.
    /// </summary>
    public static IServiceCollection AddSentinelRateLimiting(this IServiceCollection services, IConfiguration configuration, WebSettings settings)
    {
        services.AddOptions<RateLimitOptions>()
            .Configure(o => RateLimitOptions.Bind(o, configuration, settings.Debug))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RateLimitOptions>, RateLimitOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<RateLimitOptions>>().Value);
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
            if (context.GetEndpoint()?.Metadata.GetMetadata<RateLimitDecidedInEndpointMetadata>() is not null)
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
