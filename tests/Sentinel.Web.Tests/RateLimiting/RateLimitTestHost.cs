using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Sentinel.Grains.RateLimiting;
using Sentinel.Web.RateLimiting;

namespace Sentinel.Web.Tests.RateLimiting;

/// <summary>
/// The real edge with tight tiers, the test cluster's fake clock, test-only endpoints (mapped here, never in production),
/// and headers that stand in for authentication: <c>X-Test-Peer</c> (TCP peer), <c>X-Test-Service</c>, <c>X-Test-User</c>.
/// </summary>
internal static class RateLimitTestHost
{
    public static readonly IReadOnlyDictionary<string, string> TightTiers = new Dictionary<string, string>
    {
        ["BEHIND_PROXY"] = "true",
        ["RATE_LIMIT_AGGREGATE"] = "1000/minute",  // out of the way unless a test means it
        ["RATE_LIMIT_DEFAULT"] = "10/minute",      // 10 back to back, then none until they leave the window
        ["RATE_LIMIT_AUTH"] = "5/minute",
        ["RATE_LIMIT_READ"] = "10/minute",
        ["RATE_LIMIT_REFRESH"] = "30/minute",
        ["RATE_LIMIT_SERVICE"] = "10/minute",
    };

    public static WebApplicationFactory<Program> With(WebApplicationFactory<Program> app, LogCapture? logs = null, IReadOnlyDictionary<string, string>? extra = null) =>
        app.WithWebHostBuilder(builder =>
        {
            foreach (var (key, value) in TightTiers) builder.UseSetting(key, value);
            foreach (var (key, value) in extra ?? new Dictionary<string, string>()) builder.UseSetting(key, value);
            builder.ConfigureTestServices(services =>
            {
                services.RemoveAll<TimeProvider>();
                services.AddSingleton<TimeProvider>(SentinelWebApplication.Time);
                services.AddSingleton<IStartupFilter, TestEndpoints>();
                if (logs is not null) services.AddSingleton<ILoggerProvider>(logs);
            });
        });

    /// <summary>
    /// Moves the shared clock (the wall clock plus an offset, so it keeps running) to 50 ms into a 2 s sub-window of the
    /// minute tiers; returns when the requests made in the next ~1.9 s leave the window (62 s after the sub-window starts).
    /// </summary>
    public static DateTimeOffset Align()
    {
        var width = new RateLimitRule(1, RateLimitUnit.Minute).SubWindowTicks;
        var now = SentinelWebApplication.Time.GetUtcNow().UtcTicks;
        var start = (now / width + 1) * width;
        SentinelWebApplication.Time.Advance(TimeSpan.FromTicks(start - now + TimeSpan.TicksPerMillisecond * 50));
        return new DateTimeOffset(start, TimeSpan.Zero).AddTicks(31 * width);
    }

    /// <summary>A fresh client address per test, so tests sharing the cluster never share a bucket.</summary>
    public static string NewIp() => $"198.18.{Random.Shared.Next(256)}.{Random.Shared.Next(1, 255)}";

    public static HttpRequestMessage Get(string path, string? forwardedFor = null, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (forwardedFor is not null) request.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        return request;
    }

    private sealed class TestEndpoints : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            // Stands in for authentication, which runs before the limiter.
            app.Use(static async (context, nextMiddleware) =>
            {
                var headers = context.Request.Headers;
                if (headers["X-Test-Peer"] is [{ } peer]) context.Connection.RemoteIpAddress = IPAddress.Parse(peer);
                if (headers["X-Test-Service"] is [{ } service]) context.SetRateLimitPrincipal(RateLimitPrincipal.Service(service));
                if (headers["X-Test-User"] is [{ } user]) context.SetRateLimitPrincipal(RateLimitPrincipal.User(Guid.Parse(user)));
                await nextMiddleware(context);
            });
            next(app);
            var routes = (IEndpointRouteBuilder)(app.Properties.TryGetValue("__GlobalEndpointRouteBuilder", out var global) ? global! : app.Properties["__EndpointRouteBuilder"]!);
            routes.MapGet("/test/default", () => "ok");
            routes.MapGet("/test/auth/login/{provider}", (string provider) => provider).WithRateLimitTier(RateLimitTier.Auth);
            routes.MapGet("/test/read", () => "ok").WithRateLimitTier(RateLimitTier.Read);
            routes.MapGet("/test/exempt", () => "ok").ExemptFromRateLimiting();
            // Learns its principal late, like /auth/refresh: decides inside the handler.
            routes.MapGet("/test/refresh", async (HttpContext context, RateLimitGate gate) =>
            {
                if (context.Request.Headers["X-Test-Family"] is [{ } family]) context.SetRateLimitPrincipal(RateLimitPrincipal.Family(Guid.Parse(family)));
                return (await gate.CheckAsync(context)).Rejection() ?? Results.Text("ok");
            }).WithRateLimitTier(RateLimitTier.Refresh).DecideRateLimitInEndpoint();
            // Learns its principal in a filter, like the group and member lists: the rate-limit filter decides after it.
            routes.MapGet("/test/filter", () => "ok").WithRateLimitTier(RateLimitTier.Read)
                .AddEndpointFilter(static async (context, next) =>
                {
                    if (context.HttpContext.Request.Headers["X-Test-Late-User"] is [{ } user]) context.HttpContext.SetRateLimitPrincipal(RateLimitPrincipal.User(Guid.Parse(user)));
                    return await next(context);
                })
                .AddRateLimitFilter();
            // Defects the edge must report: a handler that asks twice, and one that never asks.
            routes.MapGet("/test/decides-twice", async (HttpContext context, RateLimitGate gate) =>
            {
                await gate.CheckAsync(context);
                return (await gate.CheckAsync(context)).Rejection() ?? Results.Text("ok");
            }).DecideRateLimitInEndpoint();
            routes.MapGet("/test/never-decides", () => "ok").DecideRateLimitInEndpoint();
        };
    }
}

/// <summary>Keeps log events of the rate limiter for assertions.</summary>
internal sealed class LogCapture : ILoggerProvider
{
    public ConcurrentQueue<(EventId Id, string Message)> Events { get; } = new();

    public ILogger CreateLogger(string categoryName) => categoryName.StartsWith("Sentinel.Web.RateLimiting", StringComparison.Ordinal) ? new Logger(this) : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    public void Dispose() { }

    private sealed class Logger(LogCapture owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Events.Enqueue((eventId, formatter(state, exception)));
    }
}
