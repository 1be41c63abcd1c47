using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Sentinel.Grains.RateLimiting;
using Sentinel.Web.RateLimiting;
using Xunit;

namespace Sentinel.Web.Tests.RateLimiting;

/// <summary>Which grain, tiers and buckets each kind of request gets (the table in docs/rate-limiting.md).</summary>
public sealed class RateLimitPlannerTests
{
    private static readonly IPAddress Client = IPAddress.Parse("203.0.113.7");
    private static readonly Guid UserId = Guid.Parse("11111111-2222-3333-4444-555555555555");
    private static readonly Guid FamilyId = Guid.Parse("66666666-7777-8888-9999-000000000000");
    private readonly RateLimitPlanner planner = new(new RateLimitOptions());

    private RateLimitPlan Plan(string? route, RateLimitTier? tier, RateLimitPrincipal? principal = null, params (string Key, string Value)[] values)
    {
        var context = new DefaultHttpContext();
        if (route is not null)
        {
            var metadata = tier is { } t ? new EndpointMetadataCollection(new RateLimitTierMetadata(t)) : EndpointMetadataCollection.Empty;
            context.SetEndpoint(new RouteEndpoint(_ => Task.CompletedTask, RoutePatternFactory.Parse(route), 0, metadata, route));
        }
        foreach (var (key, value) in values) context.Request.RouteValues[key] = value;
        if (principal is not null) context.SetRateLimitPrincipal(principal);
        return planner.Plan(context, Client);
    }

    private static string[] Buckets(RateLimitPlan plan) => plan.All().Select(b => $"{b.Key} {b.Bucket.Name} {b.Tier.Name()}").ToArray();

    [Fact]
    public void a_route_without_a_tier_counts_in_the_ip_aggregate_and_the_ip_route_default()
    {
        Assert.Equal(["ip:203.0.113.7 aggregate aggregate", "ip:203.0.113.7 default:/users/me default"], Buckets(Plan("/users/me", null)));
    }

    [Fact]
    public void paths_that_match_no_endpoint_share_one_default_bucket_per_ip()
    {
        Assert.Equal(["ip:203.0.113.7 aggregate aggregate", "ip:203.0.113.7 default:(unmatched) default"], Buckets(Plan(null, null)));
    }

    [Fact]
    public void auth_routes_are_keyed_by_ip_and_the_concrete_path_lower_cased()
    {
        var google = Plan("/auth/login/{provider}", RateLimitTier.Auth, null, ("provider", "Google"));
        Assert.Equal(["ip:203.0.113.7 aggregate aggregate", "ip:203.0.113.7 auth:/auth/login/google auth"], Buckets(google));
        var github = Plan("/auth/login/{provider}", RateLimitTier.Auth, null, ("provider", "github"));
        Assert.Equal("auth:/auth/login/github", github.Buckets[1].Name);
        Assert.True(google.HasAuthTier);
    }

    [Fact]
    public void admin_sign_in_is_keyed_by_ip_and_route_template()
    {
        var plan = Plan("/auth/admin/login/{provider}", RateLimitTier.AuthAdmin, null, ("provider", "google"));
        Assert.Equal(["ip:203.0.113.7 aggregate aggregate", "ip:203.0.113.7 auth_admin:/auth/admin/login/{provider} auth_admin"], Buckets(plan));
        Assert.Equal(5, plan.Buckets[1].Rule.Permits);
    }

    [Fact]
    public void a_service_caller_gets_only_the_service_tier_keyed_by_service_and_no_ip_tier()
    {
        foreach (var tier in new RateLimitTier?[] { null, RateLimitTier.Read, RateLimitTier.AuthzResolve })
        {
            var plan = Plan("/permissions/check", tier, RateLimitPrincipal.Service("billing"));
            Assert.Equal(["svc:billing service service"], Buckets(plan));
            Assert.Null(plan.AlsoKey);
            Assert.Equal(6000, plan.Buckets[0].Rule.Permits);
        }
    }

    [Fact]
    public void authz_resolve_by_origin_is_keyed_by_service_and_ip()
    {
        var plan = Plan("/authz/resolve", RateLimitTier.AuthzResolve, RateLimitPrincipal.Origin("billing"));
        Assert.Equal(["ip:203.0.113.7 aggregate aggregate", "ip:203.0.113.7 authz_resolve:billing authz_resolve"], Buckets(plan));
        Assert.True(plan.HasAuthTier);
    }

    [Fact]
    public void reads_are_keyed_by_user_and_chain_to_the_ip_aggregate()
    {
        var plan = Plan("/workspaces/{id}/members", RateLimitTier.Read, RateLimitPrincipal.User(UserId));
        Assert.Equal([$"user:{UserId} read read", "ip:203.0.113.7 aggregate aggregate"], Buckets(plan));
        Assert.Equal("user:" + UserId, plan.Key);
        Assert.Equal("ip:203.0.113.7", plan.Request.AlsoKey);
    }

    [Fact]
    public void reads_without_a_user_are_keyed_by_ip()
    {
        Assert.Equal(["ip:203.0.113.7 aggregate aggregate", "ip:203.0.113.7 read read"], Buckets(Plan("/workspaces/{id}/members", RateLimitTier.Read)));
    }

    [Theory]
    [InlineData(RateLimitTier.AdminWrite, "admin_write", 10)]
    [InlineData(RateLimitTier.Sensitive, "sensitive", 5)]
    public void admin_writes_and_sensitive_operations_are_keyed_by_user(RateLimitTier tier, string name, int permits)
    {
        var plan = Plan("/admin/x", tier, RateLimitPrincipal.User(UserId));
        Assert.Equal([$"user:{UserId} {name} {name}", "ip:203.0.113.7 aggregate aggregate"], Buckets(plan));
        Assert.Equal(permits, plan.Buckets[0].Rule.Permits);
        Assert.False(plan.HasAuthTier);
    }

    [Fact]
    public void refresh_with_a_verified_token_is_keyed_by_family()
    {
        var plan = Plan("/auth/refresh", RateLimitTier.Refresh, RateLimitPrincipal.Family(FamilyId));
        Assert.Equal([$"family:{FamilyId} refresh refresh", "ip:203.0.113.7 aggregate aggregate"], Buckets(plan));
        Assert.True(plan.HasAuthTier);
    }

    [Fact]
    public void refresh_whose_token_does_not_verify_uses_the_auth_tier_by_ip_and_path()
    {
        Assert.Equal(["ip:203.0.113.7 aggregate aggregate", "ip:203.0.113.7 auth:/auth/refresh auth"], Buckets(Plan("/auth/refresh", RateLimitTier.Refresh)));
    }

    [Fact]
    public void default_and_read_tiers_do_not_fail_closed_by_themselves()
    {
        Assert.False(Plan("/users/me", null).HasAuthTier);
        Assert.False(Plan("/x", RateLimitTier.Read).HasAuthTier);
    }
}
