using Sentinel.Grains.RateLimiting;
using Xunit;

namespace Sentinel.Grains.Tests.RateLimiting;

public sealed class RateLimitRuleTests
{
    [Theory]
    [InlineData("5/second", 5, RateLimitUnit.Second)]
    [InlineData("300/minute", 300, RateLimitUnit.Minute)]
    [InlineData(" 12 / Hour ", 12, RateLimitUnit.Hour)]
    [InlineData("1000000/SECOND", 1_000_000, RateLimitUnit.Second)]
    public void rule_parses_n_per_second_minute_or_hour(string text, int permits, RateLimitUnit unit)
    {
        Assert.True(RateLimitRule.TryParse(text, out var rule));
        Assert.Equal(new RateLimitRule(permits, unit), rule);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("0/minute")]
    [InlineData("-1/minute")]
    [InlineData("1.5/minute")]
    [InlineData("10/day")]
    [InlineData("10/minutes")]
    [InlineData("10")]
    [InlineData("/minute")]
    [InlineData("1000001/second")]
    [InlineData("+5/second")]
    public void rule_rejects_empty_zero_fractional_and_unknown_forms(string text)
    {
        Assert.False(RateLimitRule.TryParse(text, out _));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(5, 1)]
    [InlineData(6, 2)]
    [InlineData(10, 2)]
    [InlineData(300, 60)]
    [InlineData(6000, 1200)]
    public void burst_is_a_fifth_of_the_limit_rounded_up_and_at_least_one(int permits, int burst)
    {
        Assert.Equal(burst, new RateLimitRule(permits, RateLimitUnit.Minute).Burst);
    }

    [Fact]
    public void emission_interval_rounds_up_so_the_rate_is_never_exceeded()
    {
        var rule = new RateLimitRule(7, RateLimitUnit.Minute);
        Assert.True(rule.EmissionIntervalTicks * 7 >= TimeSpan.FromMinutes(1).Ticks);
        Assert.True((rule.EmissionIntervalTicks - 1) * 7 < TimeSpan.FromMinutes(1).Ticks);
    }
}
