using Xunit;

namespace Sentinel.Integration.Tests.Observability;

/// <summary>Sentinel's counters on a real web's <c>/metrics</c> move by exactly what the observed flow did.</summary>
[Collection(ObservedSignIn.Collection)]
public sealed class MetricsTests(ObservedSignIn run)
{
    private double Delta(string name, params (string, string)[] labels) =>
        ObservedSignIn.Sample(run.MetricsAfter, name, labels) - ObservedSignIn.Sample(run.MetricsBefore, name, labels);

    [Fact]
    public void sign_ins_are_counted_by_provider_and_outcome()
    {
        Assert.Equal(2, Delta("sentinel_sign_ins_total", ("provider", "dex"), ("flow", "proxy"), ("outcome", "success")));
        Assert.Equal(2, Delta("sentinel_sign_ins_total"));
    }

    [Fact]
    public void tokens_issued_refreshed_reused_and_revoked_are_counted()
    {
        // Two sign-ins and one rotation: three pairs.
        Assert.Equal(3, Delta("sentinel_tokens_issued_total", ("kind", "access")));
        Assert.Equal(3, Delta("sentinel_tokens_issued_total", ("kind", "refresh")));
        Assert.Equal(1, Delta("sentinel_tokens_refreshed_total"));
        Assert.Equal(1, Delta("sentinel_tokens_reused_total"));
        Assert.Equal(1, Delta("sentinel_tokens_revoked_total", ("reason", "reuse")));
        Assert.Equal(1, Delta("sentinel_tokens_revoked_total", ("reason", "logout")));
    }

    [Fact]
    public void rate_limit_rejections_are_counted_by_tier()
    {
        Assert.Equal(1, Delta("sentinel_rate_limit_rejections_total", ("tier", "refresh")));
        Assert.Equal(1, Delta("sentinel_rate_limit_rejections_total"));
    }

    [Fact]
    public void http_and_orleans_meters_are_exported()
    {
        Assert.True(ObservedSignIn.Sample(run.MetricsAfter, "http_server_request_duration_seconds_count", ("http_route", "/auth/token")) >= 2, run.MetricsAfter);
        Assert.Contains(run.MetricsAfter.Split('\n'), l => l.StartsWith("orleans_", StringComparison.Ordinal));
    }
}
