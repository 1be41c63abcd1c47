using Microsoft.Extensions.Configuration;
using Sentinel.Configuration;
using Sentinel.Grains.RateLimiting;
using Sentinel.Web.RateLimiting;
using Xunit;

namespace Sentinel.Web.Tests.RateLimiting;

public sealed class RateLimitOptionsTests
{
    private static (RateLimitOptions Options, IReadOnlyList<string> Failures) Bind(bool debug = false, params (string Key, string Value)[] values)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(
            values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)).Append(new("DEBUG", debug ? "true" : "false"))).Build();
        var reader = new SettingsReader(configuration);
        var options = RateLimitOptions.Bind(reader);
        var result = new RateLimitOptionsValidator().Validate(null, options);
        return (options, [.. reader.Failures, .. result.Failed ? result.Failures : []]);
    }

    [Fact]
    public void defaults_are_the_contract_tiers()
    {
        var (o, failures) = Bind();
        Assert.Empty(failures);
        Assert.True(o.Enabled);
        Assert.True(o.FailOpen);
        Assert.Equal("300/minute", o[RateLimitTier.Aggregate].ToString());
        Assert.Equal("120/minute", o[RateLimitTier.Default].ToString());
        Assert.Equal("10/minute", o[RateLimitTier.Auth].ToString());
        Assert.Equal("30/minute", o[RateLimitTier.Refresh].ToString());
        Assert.Equal("5/minute", o[RateLimitTier.AuthAdmin].ToString());
        Assert.Equal("6000/minute", o[RateLimitTier.Service].ToString());
        Assert.Equal("60/minute", o[RateLimitTier.AuthzResolve].ToString());
        Assert.Equal("60/minute", o[RateLimitTier.Read].ToString());
        Assert.Equal("10/minute", o[RateLimitTier.AdminWrite].ToString());
        Assert.Equal("5/minute", o[RateLimitTier.Sensitive].ToString());
    }

    [Fact]
    public void every_tier_variable_sets_its_tier()
    {
        var values = RateLimitTiers.All.Select((t, i) => (t.Variable(), $"{i + 1}/hour")).ToArray();
        var (o, failures) = Bind(false, values);
        Assert.Empty(failures);
        foreach (var (tier, i) in RateLimitTiers.All.Select((t, i) => (t, i)))
            Assert.Equal(new RateLimitRule(i + 1, RateLimitUnit.Hour), o[tier]);
    }

    [Fact]
    public void rate_limit_rpm_is_read_as_n_per_minute_for_the_aggregate()
    {
        Assert.Equal("45/minute", Bind(false, ("RATE_LIMIT_RPM", "45")).Options[RateLimitTier.Aggregate].ToString());
        Assert.Equal("9/second", Bind(false, ("RATE_LIMIT_RPM", "45"), ("RATE_LIMIT_AGGREGATE", "9/second")).Options[RateLimitTier.Aggregate].ToString());
    }

    [Fact]
    public void empty_and_malformed_values_are_all_reported_at_once()
    {
        var (_, failures) = Bind(false, ("RATE_LIMIT_AUTH", ""), ("RATE_LIMIT_READ", "60/day"), ("RATE_LIMIT_RPM", "abc"));
        Assert.Contains(failures, f => f.StartsWith("RATE_LIMIT_AUTH is empty", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("RATE_LIMIT_READ must be N/second|minute|hour", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("RATE_LIMIT_RPM must be", StringComparison.Ordinal));
        Assert.Equal(3, failures.Count);
    }

    [Fact]
    public void disabling_is_refused_unless_debug()
    {
        Assert.Contains("RATE_LIMIT_ENABLED=false is refused when DEBUG=false.", Bind(false, ("RATE_LIMIT_ENABLED", "false")).Failures);
        var (o, failures) = Bind(true, ("RATE_LIMIT_ENABLED", "false"));
        Assert.Empty(failures);
        Assert.False(o.Enabled);
    }

    [Fact]
    public void a_bad_rate_limit_value_is_listed_with_every_other_bad_setting_of_the_edge_at_once()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DEBUG"] = "true",
            ["SERVICE_PORT"] = "not-a-port",
            ["RATE_LIMIT_AUTH"] = "10/fortnight",
            ["RATE_LIMIT_FAIL_OPEN"] = "perhaps",
            ["BEHIND_PROXY"] = "maybe",
        }).Build();
        using var check = Sentinel.Web.WebSettingsSetup.Check(configuration);
        Assert.Contains("SERVICE_PORT must be an integer.", check.Failures);
        Assert.Contains("BEHIND_PROXY must be a boolean (true/false).", check.Failures);
        Assert.Contains($"RATE_LIMIT_AUTH must be N/second|minute|hour with N from 1 to {RateLimitRule.MaxPermits}.", check.Failures);
        Assert.Contains("RATE_LIMIT_FAIL_OPEN must be a boolean (true/false).", check.Failures);
    }
}
