using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Client.Tests.Authorization;

/// <summary>RequireSentinelAction, the policy of the same name, RequireWorkspaceRole, and start-up registration of actions.</summary>
public sealed class AuthorizationTests
{
    private static readonly Guid Workspace = Guid.NewGuid();

    private static string Token(string role = "viewer") => TestTokens.Access(Guid.NewGuid(), Workspace, role, StubSentinel.BaseUrl);

    private static Task<HttpResponseMessage> Allowed(bool allowed) =>
        Task.FromResult(StubSentinel.Json(200, $$"""{"allowed":{{(allowed ? "true" : "false")}},"roles":[]}"""));

    private static Func<RecordedRequest, Task<HttpResponseMessage>> CheckAction(Func<RecordedRequest, Task<HttpResponseMessage>> answer) =>
        r => r.PathAndQuery == "/roles/check-action" ? answer(r) : Task.FromResult(StubSentinel.Json(201, "[]"));

    [Fact]
    public async Task an_action_sentinel_grants_is_allowed_and_the_check_carries_the_callers_token_and_workspace()
    {
        await using var app = await AuthApp.StartAsync();
        app.Stub.Respond = CheckAction(_ => Allowed(true));
        var token = Token();

        using var response = await app.GetAsync("/edit", token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var check = Assert.Single(app.Stub.Requests, r => r.PathAndQuery == "/roles/check-action");
        Assert.Equal("Bearer " + token, check.Header("Authorization"));
        Assert.Equal(StubSentinel.Key, check.Header("X-Service-Key"));
        Assert.Equal($$"""{"service_name":"docs-svc","action":"docs.edit","workspace_id":"{{Workspace}}"}""", check.Body);
    }

    [Fact]
    public async Task an_action_sentinel_does_not_grant_is_forbidden_with_a_code()
    {
        await using var app = await AuthApp.StartAsync();
        app.Stub.Respond = CheckAction(_ => Allowed(false));

        using var response = await app.GetAsync("/edit", Token());

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("action_not_allowed", body.GetProperty("code").GetString());
    }

    [Fact]
    public async Task an_unreachable_sentinel_answers_503()
    {
        await using var app = await AuthApp.StartAsync(o => o.MaxRetries = 0);
        app.Stub.Respond = CheckAction(_ => throw new HttpRequestException("Connection refused"));

        using var response = await app.GetAsync("/edit", Token());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.True(response.Headers.Contains("Retry-After"));
    }

    [Fact]
    public async Task a_refusal_by_sentinel_answers_its_status_and_code()
    {
        await using var app = await AuthApp.StartAsync();
        app.Stub.Respond = CheckAction(_ => Task.FromResult(StubSentinel.Json(401, """{"detail":"Invalid or missing service API key","code":"invalid_service_key"}""")));

        using var response = await app.GetAsync("/edit", Token());

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("Invalid or missing service API key", body.GetProperty("detail").GetString());
        Assert.Equal("invalid_service_key", body.GetProperty("code").GetString());
    }

    [Fact]
    public async Task without_a_token_the_answer_is_401_and_sentinel_is_not_asked()
    {
        await using var app = await AuthApp.StartAsync();
        app.Stub.Respond = CheckAction(_ => Allowed(true));

        using var response = await app.GetAsync("/edit", null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain(app.Stub.Requests, r => r.PathAndQuery == "/roles/check-action");
    }

    [Fact]
    public async Task a_configured_action_is_also_a_policy_of_the_same_name()
    {
        await using var app = await AuthApp.StartAsync();
        app.Stub.Respond = CheckAction(r => Allowed(r.Json!["action"]!.GetValue<string>() == "docs.publish"));

        using var response = await app.GetAsync("/publish", Token());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("published", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("viewer", HttpStatusCode.Forbidden)]
    [InlineData("editor", HttpStatusCode.OK)]
    [InlineData("owner", HttpStatusCode.OK)]
    [InlineData("superuser", HttpStatusCode.Forbidden)]
    public async Task a_workspace_role_requirement_is_decided_from_the_token_by_rank(string role, HttpStatusCode expected)
    {
        await using var app = await AuthApp.StartAsync();

        using var response = await app.GetAsync("/editor", Token(role));

        Assert.Equal(expected, response.StatusCode);
        Assert.DoesNotContain(app.Stub.Requests, r => r.PathAndQuery == "/roles/check-action");
        if (expected == HttpStatusCode.Forbidden)
            Assert.Equal("insufficient_role", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString());
    }

    [Fact]
    public async Task actions_are_registered_at_start_up_retrying_until_sentinel_answers()
    {
        var stub = new StubSentinel();
        var attempts = 0;
        stub.Respond = r => r.PathAndQuery == "/roles/actions/register" && Interlocked.Increment(ref attempts) <= 2
            ? throw new HttpRequestException("Connection refused")
            : Task.FromResult(StubSentinel.Json(201, "[]"));

        await using var app = await AuthApp.StartAsync(o => o.MaxRetries = 0, stub);
        await app.App.Services.GetRequiredService<SentinelActionRegistration>().Registered.WaitAsync(TimeSpan.FromSeconds(20));

        var registrations = app.Stub.Requests.Where(r => r.PathAndQuery == "/roles/actions/register").ToArray();
        Assert.Equal(3, registrations.Length);
        Assert.All(registrations, r => Assert.Equal(StubSentinel.Key, r.Header("X-Service-Key")));
        // The configured action (with its description) and the one RequireSentinelAction names, each once.
        Assert.Equal("""{"service_name":"docs-svc","actions":[{"action":"docs.publish","description":"Publish documents"},{"action":"docs.edit"}]}""", registrations[^1].Body);
    }
}
