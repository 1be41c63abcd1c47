using System.Net;
using Xunit;

namespace Sentinel.Client.Tests.Clients;

/// <summary>Errors become one exception type (detail and code); retries only where a call is idempotent.</summary>
public sealed class ErrorsAndRetriesTests
{
    private static readonly Guid Resource = Guid.NewGuid();

    [Fact]
    public async Task a_refusal_carries_status_detail_and_code()
    {
        using var host = new ClientHost();
        host.Stub.Respond = _ => Task.FromResult(StubSentinel.Json(403, """{"detail":"Service key is not authorized for service 'docs-svc'","code":"service_not_authorized"}"""));

        var ex = await Assert.ThrowsAsync<SentinelException>(() => host.Get<RoleClient>().CheckActionAsync("docs.edit", Guid.NewGuid(), "t"));

        Assert.Equal(403, ex.StatusCode);
        Assert.Equal("Service key is not authorized for service 'docs-svc'", ex.Detail);
        Assert.Equal("service_not_authorized", ex.Code);
        Assert.False(ex.IsTransportFailure);
        Assert.Single(host.Stub.Requests);
    }

    [Fact]
    public async Task a_validation_list_becomes_its_messages()
    {
        using var host = new ClientHost();
        host.Stub.Respond = _ => Task.FromResult(StubSentinel.Json(422, """{"detail":[{"type":"missing","loc":["body","checks"],"msg":"Field required"},{"type":"x","loc":[],"msg":"Other"}],"code":"validation_failed"}"""));

        var ex = await Assert.ThrowsAsync<SentinelException>(() => host.Get<PermissionClient>().CheckAsync([], "t"));

        Assert.Equal(422, ex.StatusCode);
        Assert.Equal("Field required; Other", ex.Detail);
        Assert.Equal("validation_failed", ex.Code);
    }

    [Fact]
    public async Task a_transport_failure_is_a_503_marked_as_such_after_the_retries_of_an_idempotent_call()
    {
        using var host = new ClientHost();
        host.Stub.Respond = _ => throw new HttpRequestException("Connection refused");

        var ex = await Assert.ThrowsAsync<SentinelException>(() => host.Get<PermissionClient>().CanAsync("doc", Resource, PermissionAction.View, "t"));

        Assert.True(ex.IsTransportFailure);
        Assert.Equal(503, ex.StatusCode);
        Assert.Equal("sentinel_unavailable", ex.Code);
        Assert.Equal(3, host.Stub.Requests.Count);
    }

    [Fact]
    public async Task an_idempotent_call_is_retried_after_a_503_and_succeeds()
    {
        using var host = new ClientHost();
        var calls = 0;
        host.Stub.Respond = _ => Task.FromResult(Interlocked.Increment(ref calls) == 1
            ? StubSentinel.Json(503, """{"detail":"Service unavailable","code":"cluster_unavailable"}""")
            : StubSentinel.Json(200, """{"allowed":false,"roles":[]}"""));

        var result = await host.Get<RoleClient>().CheckActionAsync("docs.edit", Guid.NewGuid(), "t");

        Assert.False(result.Allowed);
        Assert.Equal(2, host.Stub.Requests.Count);
    }

    [Fact]
    public async Task a_share_is_not_retried_since_a_second_attempt_could_act_twice()
    {
        using var host = new ClientHost();
        host.Stub.Respond = r => Task.FromResult(r.Method == HttpMethod.Get
            ? StubSentinel.Json(200, $$"""{"id":"{{Guid.NewGuid()}}","service_name":"docs-svc","resource_type":"doc","resource_id":"{{Resource}}","workspace_id":"{{Guid.NewGuid()}}","owner_id":null,"visibility":"private","created_at":"2026-12-07T10:00:00Z","shares":[]}""")
            : StubSentinel.Json(503, """{"detail":"Service unavailable","code":"cluster_unavailable"}"""));

        var ex = await Assert.ThrowsAsync<SentinelException>(() => host.Get<PermissionClient>().ShareAsync("doc", Resource, GranteeType.User, Guid.NewGuid(), PermissionAction.View, "t"));

        Assert.Equal(503, ex.StatusCode);
        Assert.Equal("cluster_unavailable", ex.Code);
        Assert.Single(host.Stub.Requests, r => r.Method == HttpMethod.Post);
    }

    [Fact]
    public async Task resolve_is_not_retried()
    {
        using var host = new ClientHost();
        host.Stub.Respond = _ => throw new HttpRequestException("Connection reset");

        var ex = await Assert.ThrowsAsync<SentinelException>(() => host.Get<AuthzClient>().ResolveAsync("idp", "google"));

        Assert.True(ex.IsTransportFailure);
        Assert.Single(host.Stub.Requests);
    }

    [Fact]
    public async Task a_call_slower_than_the_timeout_fails_as_a_transport_failure()
    {
        using var host = new ClientHost(o => { o.RequestTimeout = TimeSpan.FromMilliseconds(200); o.MaxRetries = 0; });
        host.Stub.Respond = async _ =>
        {
            await Task.Delay(TimeSpan.FromSeconds(10));
            return StubSentinel.Json(200, "{}");
        };

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<SentinelException>(() => host.Get<RoleClient>().GetUserActionsAsync(Guid.NewGuid(), "t"));

        Assert.True(ex.IsTransportFailure);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), watch.Elapsed.ToString());
    }

    [Fact]
    public async Task a_non_json_error_page_keeps_its_status()
    {
        using var host = new ClientHost();
        host.Stub.Respond = _ => Task.FromResult(new HttpResponseMessage(HttpStatusCode.BadGateway) { Content = new StringContent("<html>bad gateway</html>") });

        var ex = await Assert.ThrowsAsync<SentinelException>(() => host.Get<AuthzClient>().ResolveAsync("idp", "google"));

        Assert.Equal(502, ex.StatusCode);
        Assert.Null(ex.Code);
        Assert.False(ex.IsTransportFailure);
    }
}
