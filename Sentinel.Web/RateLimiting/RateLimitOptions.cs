using Microsoft.Extensions.Options;
using Sentinel.Grains.RateLimiting;

namespace Sentinel.Web.RateLimiting;

/// <summary>Rate limiting at the edge (§8.5), bound from the environment by <see cref="Bind"/>.</summary>
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

    /// <summary>The rate of each tier: <c>RATE_LIMIT_&lt;TIER&gt;</c>, as <c>N/second|minute|hour</c>. Defaults: §8.5.</summary>
    public Dictionary<RateLimitTier, RateLimitRule> Rules { get; } = RateLimitTiers.All.ToDictionary(t => t, t => t.DefaultRule());

    /// <summary>Values that could not be read; reported by <see cref="RateLimitOptionsValidator"/> with every other failure.</summary>
    public List<string> BindingErrors { get; } = [];

    /// <summary>The rate of <paramref name="tier"/>.</summary>
    public RateLimitRule this[RateLimitTier tier] => Rules[tier];

    /// <summary>
    /// Reads the variables of §8.5. <c>RATE_LIMIT_RPM</c>, the seed's name, sets the aggregate tier as <c>N/minute</c>
    /// when <c>RATE_LIMIT_AGGREGATE</c> is not set. A variable that is set but empty is an error.
    /// </summary>
    public static void Bind(RateLimitOptions o, IConfiguration c, bool debug)
    {
        o.Debug = debug;
        o.Enabled = Bool(c, "RATE_LIMIT_ENABLED", o.Enabled, o.BindingErrors);
        o.FailOpen = Bool(c, "RATE_LIMIT_FAIL_OPEN", o.FailOpen, o.BindingErrors);
        o.Coalesce = Bool(c, "RATE_LIMIT_COALESCE", o.Coalesce, o.BindingErrors);
        o.CompactCalls = Bool(c, "RATE_LIMIT_COMPACT_CALLS", o.CompactCalls, o.BindingErrors);
        // The client's address (BEHIND_PROXY, TRUSTED_PROXY_COUNT) is bound once, by Forwarding.ForwardingOptions.

        foreach (var tier in RateLimitTiers.All)
        {
            var variable = tier.Variable();
            var value = c[variable];
            if (value is null && tier == RateLimitTier.Aggregate && c["RATE_LIMIT_RPM"] is { } rpm)
            {
                variable = "RATE_LIMIT_RPM";
                value = rpm.Trim().Length > 0 && rpm.Trim().All(char.IsAsciiDigit) ? rpm.Trim() + "/minute" : rpm;
            }
            if (value is null) continue;
            if (RateLimitRule.TryParse(value, out var rule)) o.Rules[tier] = rule!;
            else if (string.IsNullOrWhiteSpace(value)) o.BindingErrors.Add($"{variable} is empty; set N/second|minute|hour or leave it unset for the default ({tier.DefaultRule()}).");
            else o.BindingErrors.Add(variable == "RATE_LIMIT_RPM"
                ? $"RATE_LIMIT_RPM must be a whole number of requests per minute (1-{RateLimitRule.MaxPermits})."
                : $"{variable} must be N/second|minute|hour with N from 1 to {RateLimitRule.MaxPermits}.");
        }
    }

    private static bool Bool(IConfiguration c, string key, bool fallback, List<string> errors)
    {
        var value = c[key];
        if (value is null) return fallback;
        switch (value.Trim().ToLowerInvariant())
        {
            case "1" or "true" or "yes" or "on": return true;
            case "0" or "false" or "no" or "off": return false;
            default:
                errors.Add($"{key} must be a boolean (true/false).");
                return fallback;
        }
    }
}

/// <summary>Collects every rate-limit configuration failure at once.</summary>
public sealed class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, RateLimitOptions o)
    {
        var failures = new List<string>(o.BindingErrors);
        if (!o.Enabled && !o.Debug) failures.Add("RATE_LIMIT_ENABLED=false is refused when DEBUG=false.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
