using Microsoft.Extensions.Options;
using Sentinel.Configuration;
using Sentinel.Grains.RateLimiting;

namespace Sentinel.Web.RateLimiting;

/// <summary>Rate limiting at the edge (docs/rate-limiting.md), bound from the environment by <see cref="Bind"/>.</summary>
public sealed class RateLimitOptions
{
    /// <summary><c>RATE_LIMIT_ENABLED</c>. Default: true. <c>false</c> is refused when <c>DEBUG=false</c>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// <c>RATE_LIMIT_FAIL_OPEN</c>: what tiers other than the auth tiers do when the cluster can't decide. Default: true
    /// (admit, with a warning in the log). The auth tiers (<see cref="RateLimitTiers.IsAuthTier"/>) always fail closed.
    /// </summary>
    public bool FailOpen { get; set; } = true;

    /// <summary>
    /// <c>RATE_LIMIT_COALESCE</c>: whether this replica's concurrent decisions for one shard go in one grain call
    /// (<see cref="ShardCoalescer"/>). Default: false: measured with <c>bench/ratelimit --d-env RATE_LIMIT_COALESCE=true</c>, the
    /// coalesced path cost more CPU per decision than one call per decision at the bench's 16 connections (batches are
    /// rare there, and the lane adds hops); kept behind this switch for deployments with many concurrent callers.
    /// </summary>
    public bool Coalesce { get; set; }

    /// <summary>
    /// <c>RATE_LIMIT_COMPACT_CALLS</c>: whether a sharded principal's decision (an address, most requests) goes as the
    /// compact call (<see cref="Sentinel.Grains.RateLimiting.IRateLimitGrain.DecideAsync"/>, no token, no per-call timer)
    /// rather than the general one. Default: true. <c>false</c> exists to measure one against the other in one run
    /// (<c>bench/ratelimit --d-env RATE_LIMIT_COMPACT_CALLS=false</c>); both decide the same.
    /// </summary>
    public bool CompactCalls { get; set; } = true;

    /// <summary><c>DEBUG</c>, copied from the web settings for validation.</summary>
    public bool Debug { get; set; }

    /// <summary>The rate of each tier: <c>RATE_LIMIT_&lt;TIER&gt;</c>, as <c>N/second|minute|hour</c>. Defaults: the contract's (docs/rate-limiting.md, "Configuration").</summary>
    public Dictionary<RateLimitTier, RateLimitRule> Rules { get; } = RateLimitTiers.All.ToDictionary(t => t, t => t.DefaultRule());

    /// <summary>The rate of <paramref name="tier"/>.</summary>
    public RateLimitRule this[RateLimitTier tier] => Rules[tier];

    /// <summary>
    /// Reads the rate-limit variables (docs/rate-limiting.md, "Configuration") through the shared settings binder
    /// (<see cref="SettingsReader"/>, docs/configuration.md), so an unreadable value is listed with every other bad
    /// setting of the process at once. <c>RATE_LIMIT_RPM</c>, the seed's name, sets the aggregate tier as <c>N/minute</c>
    /// when <c>RATE_LIMIT_AGGREGATE</c> is not set. A tier variable that is set but empty is an error.
    /// </summary>
    internal static RateLimitOptions Bind(SettingsReader r)
    {
        var o = new RateLimitOptions();
        o.Debug = r.Bool("DEBUG", o.Debug);
        o.Enabled = r.Bool("RATE_LIMIT_ENABLED", o.Enabled);
        o.FailOpen = r.Bool("RATE_LIMIT_FAIL_OPEN", o.FailOpen);
        o.Coalesce = r.Bool("RATE_LIMIT_COALESCE", o.Coalesce);
        o.CompactCalls = r.Bool("RATE_LIMIT_COMPACT_CALLS", o.CompactCalls);
        // The client's address (BEHIND_PROXY, TRUSTED_PROXY_COUNT) is bound once, by Infrastructure.Forwarding.ForwardingOptions.

        foreach (var tier in RateLimitTiers.All)
        {
            var variable = tier.Variable();
            var value = r.Raw(variable);
            if (value is null && tier == RateLimitTier.Aggregate && r.Raw("RATE_LIMIT_RPM") is { } rpm)
            {
                variable = "RATE_LIMIT_RPM";
                value = rpm.Trim().Length > 0 && rpm.Trim().All(char.IsAsciiDigit) ? rpm.Trim() + "/minute" : rpm;
            }
            if (value is null) continue;
            if (RateLimitRule.TryParse(value, out var rule)) o.Rules[tier] = rule!;
            else if (string.IsNullOrWhiteSpace(value)) r.Fail($"{variable} is empty; set N/second|minute|hour or leave it unset for the default ({tier.DefaultRule()}).");
            else r.Fail(variable == "RATE_LIMIT_RPM"
                ? $"RATE_LIMIT_RPM must be a whole number of requests per minute (1-{RateLimitRule.MaxPermits})."
                : $"{variable} must be N/second|minute|hour with N from 1 to {RateLimitRule.MaxPermits}.");
        }
        return o;
    }
}

/// <summary>The rate-limit rules beyond reading values (those the binder reports): disabling needs <c>DEBUG=true</c>.</summary>
public sealed class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, RateLimitOptions o)
    {
        var failures = new List<string>();
        if (!o.Enabled && !o.Debug) failures.Add("RATE_LIMIT_ENABLED=false is refused when DEBUG=false.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
