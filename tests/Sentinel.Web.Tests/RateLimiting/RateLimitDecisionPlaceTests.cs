using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Sentinel.Web.RateLimiting;
using Xunit;
using static Sentinel.Web.Tests.RateLimiting.RateLimitTestHost;

namespace Sentinel.Web.Tests.RateLimiting;

/// <summary>
/// A request's rate limit is decided in exactly one place: the middleware, the endpoint's rate-limit filter, or its
/// handler (docs/rate-limiting.md, "Where a request is decided"). An endpoint naming two places is refused, and a request
/// decided twice or never is reported.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class RateLimitDecisionPlaceTests(SentinelWebApplication app) : IDisposable
{
    private readonly LogCapture logs = new();
    private WebApplicationFactory<Program>? host;
    private HttpClient? client;

    private const int NotDecided = 4293;
    private const int DecidedTwice = 4294;

    private HttpClient Http => client ??= (host = With(app, logs)).CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    public void Dispose()
    {
        client?.Dispose();
        host?.Dispose();
    }

    [Fact]
    public async Task every_endpoint_of_the_edge_names_at_most_one_place_to_decide()
    {
        using (await Http.GetAsync("/health")) { }
        var endpoints = host!.Services.GetRequiredService<EndpointDataSource>().Endpoints;
        Assert.NotEmpty(endpoints);
        var places = new Dictionary<RateLimitDecisionPlace, int>();
        foreach (var endpoint in endpoints)
        {
            var place = RateLimitEndpointExtensions.DecisionPlace(endpoint); // throws for two places
            if (place is { } p) places[p] = places.GetValueOrDefault(p) + 1;
        }
        // The edge really uses all three (so the check above covers each kind).
        Assert.True(places.GetValueOrDefault(RateLimitDecisionPlace.Middleware) > 0);
        Assert.True(places.GetValueOrDefault(RateLimitDecisionPlace.Filter) > 0);
        Assert.True(places.GetValueOrDefault(RateLimitDecisionPlace.Handler) > 0);
    }

    [Fact]
    public void an_endpoint_that_names_a_handler_decision_and_a_filter_is_refused()
    {
        var both = new RouteEndpointBuilder(_ => Task.CompletedTask, RoutePatternFactory.Parse("/x"), 0);
        both.Metadata.Add(RateLimitDecidedInEndpointMetadata.Instance);
        both.Metadata.Add(RateLimitDecidedInEndpointMetadata.Filter);
        Assert.Throws<InvalidOperationException>(() => RateLimitEndpointExtensions.DecisionPlace(both.Build()));

        var twoFilters = new RouteEndpointBuilder(_ => Task.CompletedTask, RoutePatternFactory.Parse("/y"), 0);
        twoFilters.Metadata.Add(RateLimitDecidedInEndpointMetadata.Filter);
        twoFilters.Metadata.Add(RateLimitDecidedInEndpointMetadata.Filter);
        Assert.Throws<InvalidOperationException>(() => RateLimitEndpointExtensions.DecisionPlace(twoFilters.Build()));

        var exempt = new RouteEndpointBuilder(_ => Task.CompletedTask, RoutePatternFactory.Parse("/z"), 0);
        exempt.Metadata.Add(RateLimitExemptMetadata.Instance);
        Assert.Null(RateLimitEndpointExtensions.DecisionPlace(exempt.Build()));
    }

    [Theory]
    [InlineData("/test/default")] // the middleware
    [InlineData("/test/filter")]  // the rate-limit filter, after the filter that sets the principal
    [InlineData("/test/refresh")] // the handler
    public async Task a_request_is_decided_once_in_its_place(string path)
    {
        Align();
        var user = Guid.NewGuid().ToString();
        using var response = await Http.SendAsync(Get(path, NewIp(), ("X-Test-Late-User", user)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // Decided: the policy of its tiers is on the response; the late user's read tier when decided in the filter.
        var policy = string.Join(",", response.Headers.GetValues("RateLimit-Policy"));
        if (path == "/test/filter") Assert.StartsWith("\"read\";q=10;w=60", policy);
        Assert.DoesNotContain(logs.Events, e => e.Id.Id is NotDecided or DecidedTwice);
    }

    [Fact]
    public async Task a_request_decided_twice_is_reported_and_counted_once()
    {
        Align();
        // An address of its own (a random /64: the shared 198.18/16 pool of the other tests can repeat within a run).
        var ip = $"2001:db8:{Random.Shared.Next(0x10000):x}:{Random.Shared.Next(0x10000):x}::1";
        using var response = await Http.SendAsync(Get("/test/decides-twice", ip));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(logs.Events, e => e.Id.Id == DecidedTwice && e.Message.Contains("/test/decides-twice", StringComparison.Ordinal));
        // Counted once: the address's next request finds 998 of its 1000 aggregate left (that one and itself), not 997.
        using var next = await Http.SendAsync(Get("/test/default", ip));
        Assert.StartsWith("\"aggregate\";r=998;", string.Join(",", next.Headers.GetValues("RateLimit")));
    }

    [Fact]
    public async Task a_request_never_decided_by_an_endpoint_that_decides_itself_is_reported()
    {
        using var response = await Http.SendAsync(Get("/test/never-decides", NewIp()));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(logs.Events, e => e.Id.Id == NotDecided && e.Message.Contains("/test/never-decides", StringComparison.Ordinal));
    }
}
