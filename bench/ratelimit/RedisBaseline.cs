using Microsoft.AspNetCore.Hosting;
using Sentinel.Web.RateLimiting;
using StackExchange.Redis;

[assembly: HostingStartup(typeof(Sentinel.Bench.RateLimit.RedisBaselineStartup))]

namespace Sentinel.Bench.RateLimit;

/// <summary>
/// Baseline (c): the seed's limiter, one Redis round trip per request (INCR, and EXPIRE on the first hit of a 60-s window,
/// in one Lua call), placed where Sentinel's limiter sits. Loaded into the real Sentinel.Web program only by the bench
/// (<c>ASPNETCORE_HOSTINGSTARTUPASSEMBLIES</c> plus <c>BENCH_BASELINE=redis</c>); production never loads this assembly.
/// </summary>
public sealed class RedisBaselineStartup : IHostingStartup
{
    private const string Script = "local c = redis.call('INCR', KEYS[1]) if c == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end return {c, redis.call('TTL', KEYS[1])}";

    public void Configure(IWebHostBuilder builder)
    {
        if (Environment.GetEnvironmentVariable("BENCH_BASELINE") != "redis") return;
        var limit = int.Parse(Environment.GetEnvironmentVariable("BENCH_BASELINE_RPM") ?? "300", System.Globalization.CultureInfo.InvariantCulture);
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter>(new Filter(limit)));
    }

    private sealed class Filter(int limit) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            var redis = app.ApplicationServices.GetRequiredService<IConnectionMultiplexer>();
            app.Use(async (context, nextMiddleware) =>
            {
                if (RateLimitGate.IsExemptPath(context.Request.Path)) { await nextMiddleware(context); return; }
                // As the seed keys it, but with the right-most X-Forwarded-For entry (BEHIND_PROXY, one proxy).
                var ip = ClientIp.KeyFor(Sentinel.Web.Infrastructure.Forwarding.ClientAddressResolver.FromForwardedFor(context.Request.Headers["X-Forwarded-For"], 1) ?? context.Connection.RemoteIpAddress);
                var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(Script, [(RedisKey)("bench:rl:" + ip)], [60]))!;
                if ((long)result[0] > limit)
                {
                    context.Response.StatusCode = 429;
                    context.Response.Headers.RetryAfter = Math.Max(1, (long)result[1]).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    await context.Response.WriteAsJsonAsync(new { detail = "Too many requests", code = "rate_limited" });
                    return;
                }
                await nextMiddleware(context);
            });
            next(app);
        };
    }
}
