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
    [InlineData(RateLimitUnit.Second)]
    [InlineData(RateLimitUnit.Minute)]
    [InlineData(RateLimitUnit.Hour)]
    public void thirty_sub_windows_always_reach_back_a_whole_period_and_less_than_one_more_sub_window(RateLimitUnit unit)
    {
        var rule = new RateLimitRule(10, unit);
        Assert.True(rule.SubWindowTicks * RateLimitRule.SubWindows >= rule.Period.Ticks);
        Assert.True((rule.SubWindowTicks - 1) * RateLimitRule.SubWindows < rule.Period.Ticks);
    }

    [Fact]
    public void a_minute_tier_counts_in_two_second_sub_windows()
    {
        Assert.Equal(TimeSpan.FromSeconds(2), TimeSpan.FromTicks(new RateLimitRule(10, RateLimitUnit.Minute).SubWindowTicks));
    }
}
