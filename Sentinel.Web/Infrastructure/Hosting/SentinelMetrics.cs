using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;
using Sentinel.Configuration;

namespace Sentinel.Web.Infrastructure.Hosting;

/// <summary>Sentinel's own counters, exported at <c>/metrics</c> beside HTTP and Orleans client metrics.</summary>
public sealed class SentinelMetrics : IDisposable
{
    public const string MeterName = "Sentinel";

    private readonly Meter meter = new(MeterName);

    public SentinelMetrics()
    {
        TokensIssued = meter.CreateCounter<long>("sentinel_tokens_issued", description: "Tokens minted, by kind.");
        TokensRefreshed = meter.CreateCounter<long>("sentinel_tokens_refreshed", description: "Successful refresh rotations.");
        TokensReused = meter.CreateCounter<long>("sentinel_tokens_reused", description: "Refresh tokens presented again (family revoked).");
        TokensRevoked = meter.CreateCounter<long>("sentinel_tokens_revoked", description: "Revocations, by reason.");
        RateLimited = meter.CreateCounter<long>("sentinel_rate_limit_rejections", description: "Requests refused with 429, by tier.");
        SignIns = meter.CreateCounter<long>("sentinel_sign_ins", description: "Sign-ins, by provider and outcome.");
    }

    public Counter<long> TokensIssued { get; }
    public Counter<long> TokensRefreshed { get; }
    public Counter<long> TokensReused { get; }
    public Counter<long> TokensRevoked { get; }
    public Counter<long> RateLimited { get; }
    public Counter<long> SignIns { get; }

    /// <summary>One token signed (<c>kind</c>: access, refresh, admin, authz).</summary>
    public void Issued(string kind) => TokensIssued.Add(1, new KeyValuePair<string, object?>("kind", kind));

    /// <summary>One refresh rotation answered with a new pair.</summary>
    public void Refreshed() => TokensRefreshed.Add(1);

    /// <summary>A rotated refresh token presented again: its family is revoked (counted in <see cref="TokensRevoked"/> too).</summary>
    public void Reused()
    {
        TokensReused.Add(1);
        Revoked("reuse");
    }

    /// <summary>A session or token revoked (<c>reason</c>: logout, user, admin_logout, reuse).</summary>
    public void Revoked(string reason) => TokensRevoked.Add(1, new KeyValuePair<string, object?>("reason", reason));

    /// <summary>One 429, by the tier that refused.</summary>
    public void Limited(string tier) => RateLimited.Add(1, new KeyValuePair<string, object?>("tier", tier));

    /// <summary>One sign-in callback, by provider, flow (proxy or admin) and outcome (success, denied, failed, refused, ...).</summary>
    public void SignIn(string provider, string flow, string outcome) => SignIns.Add(1,
        new KeyValuePair<string, object?>("provider", provider), new KeyValuePair<string, object?>("flow", flow), new KeyValuePair<string, object?>("outcome", outcome));

    public void Dispose() => meter.Dispose();
}

public static class MetricsSetup
{
    public static IServiceCollection AddSentinelMetrics(this IServiceCollection services)
    {
        services.AddSingleton<SentinelMetrics>();
        services.AddOpenTelemetry().WithMetrics(m => m
            .AddAspNetCoreInstrumentation()
            .AddMeter(SentinelMetrics.MeterName, "Microsoft.Orleans")
            .AddPrometheusExporter());
        return services;
    }

    /// <summary><c>/metrics</c>, not rate-limited; restricted to <c>METRICS_ALLOWED_NETWORKS</c> when set.</summary>
    public static IEndpointRouteBuilder MapSentinelMetrics(this IEndpointRouteBuilder app, Infrastructure.Conventions.SecuritySettings security)
    {
        var networks = MetricsNetworks.Parse(string.Join(',', security.MetricsAllowedNetworks));
        var endpoint = app.MapPrometheusScrapingEndpoint("/metrics");
        if (networks.Length > 0)
        {
            endpoint.AddEndpointFilter(async (context, next) =>
                MetricsNetworks.Allows(networks, context.HttpContext.Connection.RemoteIpAddress)
                    ? await next(context)
                    : Infrastructure.Errors.ApiErrors.Result(403, "Forbidden", ErrorCodes.MetricsForbidden));
        }
        return app;
    }
}
