using System.Net;
using Sentinel.Grains.ServiceApps;
using Sentinel.Testing;
using Sentinel.Web.Tokens;
using Xunit;
using Sentinel.Web.Tests.Tokens;
using Sentinel.Web.Tests.SignIn;

namespace Sentinel.Web.Tests.Authorization;

/// <summary>X-Service-Key resolution through IServiceKeyGrain: wrong, inactive and rotated keys, and svc binding.</summary>
[Collection(WebCollection.Name)]
public sealed class ServiceKeyTests(SentinelWebApplication app)
{
    private readonly Scenario s = new(app);

    private async Task<(Guid AppId, string Key, string Service)> CreateAppAsync()
    {
        var id = Guid.NewGuid();
        var service = Scenario.Unique("svc");
        var created = await app.Cluster.GrainFactory.GetGrain<IServiceAppGrain>(id).CreateAsync("Docs", service, ["https://docs.example"], [], null);
        Assert.True(created.IsOk);
        Assert.StartsWith("sk_", created.Value!.ApiKey);
        Assert.Equal(46, created.Value.ApiKey.Length);
        Assert.Equal(created.Value.ApiKey[..7] + "****", created.Value.App.KeyPrefix);
        return (id, created.Value.ApiKey, service);
    }

    private string AuthzToken(Guid userId, string service) =>
        ((TokenService)app.Services.GetService(typeof(TokenService))!).Mint(TokenKind.Authz, userId, c =>
        {
            c["wid"] = Guid.NewGuid().ToString();
            c["wslug"] = "ws";
            c["wrole"] = "viewer";
            c["idp_sub"] = "sub-1";
            c["svc"] = service;
            c["actions"] = new System.Text.Json.Nodes.JsonArray();
        }).Token;

    private async Task<HttpResponseMessage> MeWithKeyAsync(string token, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/users/me");
        request.Headers.Authorization = new("Bearer", token);
        if (key is not null) request.Headers.Add("X-Service-Key", key);
        return await s.Http.SendAsync(request);
    }

    [Fact]
    public async Task authz_token_is_accepted_on_flexible_routes_only_with_a_valid_key_of_the_same_service()
    {
        var user = await s.UserAsync();
        var (_, key, service) = await CreateAppAsync();
        var (_, otherKey, _) = await CreateAppAsync();
        var token = AuthzToken(user.Id, service);

        using (var ok = await MeWithKeyAsync(token, key)) Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        using (var noKey = await MeWithKeyAsync(token, null)) await Scenario.AssertErrorAsync(noKey, 401, "Invalid or expired token", "invalid_token");
        using (var wrongKey = await MeWithKeyAsync(token, "sk_" + new string('A', 43))) await Scenario.AssertErrorAsync(wrongKey, 401, "Invalid or expired token", "invalid_token");
        // A valid key of another service does not make this service's token acceptable.
        using (var otherService = await MeWithKeyAsync(token, otherKey)) await Scenario.AssertErrorAsync(otherService, 401, "Invalid or expired token", "invalid_token");
        // An authz token is never accepted on a strict route.
        using var strict = await s.SendAsync(HttpMethod.Patch, "/users/me", token, new { name = "x" });
        await Scenario.AssertErrorAsync(strict, 401, "Invalid or expired token", "invalid_token");
    }

    [Fact]
    public async Task rotated_key_stops_working_at_once_and_new_key_works()
    {
        var (id, oldKey, service) = await CreateAppAsync();
        var keys = app.Cluster.GrainFactory;
        Assert.NotNull(await keys.GetGrain<IServiceKeyGrain>(ServiceKeys.Hash(oldKey)).ResolveAsync());

        var rotated = await keys.GetGrain<IServiceAppGrain>(id).RotateKeyAsync(null);
        Assert.True(rotated.IsOk);
        Assert.Null(await keys.GetGrain<IServiceKeyGrain>(ServiceKeys.Hash(oldKey)).ResolveAsync());
        var identity = await keys.GetGrain<IServiceKeyGrain>(ServiceKeys.Hash(rotated.Value!.ApiKey)).ResolveAsync();
        Assert.Equal(service, identity?.ServiceName);

        var user = await s.UserAsync();
        using (var old = await MeWithKeyAsync(AuthzToken(user.Id, service), oldKey)) Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
        using (var fresh = await MeWithKeyAsync(AuthzToken(user.Id, service), rotated.Value.ApiKey)) Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
    }

    [Fact]
    public async Task inactive_app_key_is_refused_and_reactivation_restores_it()
    {
        var (id, key, _) = await CreateAppAsync();
        var grains = app.Cluster.GrainFactory;
        Assert.True((await grains.GetGrain<IServiceAppGrain>(id).UpdateAsync(null, false, null, null, null)).IsOk);
        Assert.Null(await grains.GetGrain<IServiceKeyGrain>(ServiceKeys.Hash(key)).ResolveAsync());
        Assert.True((await grains.GetGrain<IServiceAppGrain>(id).UpdateAsync(null, true, null, null, null)).IsOk);
        Assert.NotNull(await grains.GetGrain<IServiceKeyGrain>(ServiceKeys.Hash(key)).ResolveAsync());
    }

    [Fact]
    public async Task duplicate_service_name_is_refused()
    {
        var (_, _, service) = await CreateAppAsync();
        var again = await app.Cluster.GrainFactory.GetGrain<IServiceAppGrain>(Guid.NewGuid()).CreateAsync("Other", service, [], [], null);
        Assert.Equal(ServiceAppError.ServiceNameTaken, again.Error);
    }

    [Fact]
    public async Task key_use_stamps_last_used_at_in_a_batch_not_per_request()
    {
        var (id, key, _) = await CreateAppAsync();
        var grain = app.Cluster.GrainFactory.GetGrain<IServiceKeyGrain>(ServiceKeys.Hash(key));
        for (var i = 0; i < 20; i++) await grain.ResolveAsync();
        // Not written per request: still unset right after use.
        Assert.Null((await app.Cluster.GrainFactory.GetGrain<IServiceAppGrain>(id).GetAsync())!.LastUsedAt);
        // Written when the grain flushes (timer or deactivation).
        await app.Cluster.GrainFactory.GetGrain<Orleans.Runtime.IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        Assert.NotNull((await app.Cluster.GrainFactory.GetGrain<IServiceAppGrain>(id).GetAsync())!.LastUsedAt);
    }
}
