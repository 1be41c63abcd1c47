using Sentinel.Grains.Authorization;
using Sentinel.Grains.Sessions;
using Sentinel.Web.Authz;
using Sentinel.Web.Tests.Authz;
using Xunit;

namespace Sentinel.Web.Tests.Permissions;

/// <summary>
/// The hot checks' one-call path (issue 18): the edge calls the workspace grain directly, and the workspace grain asks
/// the token's revocation in the same call. The rule it relies on: the edge takes that path only when every refusal but
/// revocation and deactivation is already settled locally, and the grain never returns an answer for a revoked token
/// or a deactivated user.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class DirectCheckTests(SentinelWebApplication app)
{
    private readonly ServiceScenario s = new(app);

    [Fact]
    public async Task the_workspace_grain_answers_an_active_token_and_refuses_a_revoked_token_or_a_deactivated_user()
    {
        var service = await s.ServiceAsync();
        var ws = await s.WorkspaceAsync();
        var doc = await s.RegisterAsync(service, ws.Id, ws.Owner.Id, AclVisibility.Workspace);
        var hidden = await s.RegisterAsync(service, ws.Id, ws.Owner.Id, AclVisibility.Private);
        AclCheck[] checks = [new(new ResourceRef(service.Name, "doc", doc.ResourceId), AclPermission.View), new(new ResourceRef(service.Name, "doc", hidden.ResourceId), AclPermission.View)];
        var jti = Guid.NewGuid();
        CheckCaller Caller(Guid user, Guid id) => new(user, "viewer", new TokenRef(id, DateTimeOffset.UtcNow.AddSeconds(-5), null));
        var grain = s.Authorization(ws.Id);

        var ok = await grain.CheckPermissionsForTokenAsync(Caller(ws.Viewer.Id, jti), checks);
        Assert.Null(ok.Error);
        Assert.Equal([true, false], ok.Value!);
        var action = await grain.CheckActionForTokenAsync(Caller(ws.Viewer.Id, jti), service.Name, "docs:write");
        Assert.Null(action.Error);
        Assert.False(action.Value!.Allowed);

        await s.Grains.GetGrain<IUserSessionGrain>(ws.Viewer.Id).DenyTokenAsync(jti, DateTimeOffset.UtcNow.AddMinutes(15));
        var revoked = await grain.CheckPermissionsForTokenAsync(Caller(ws.Viewer.Id, jti), checks);
        Assert.Equal(ServiceCallRefusal.TokenRevoked, revoked.Error);
        Assert.Null(revoked.Value);
        Assert.Equal(ServiceCallRefusal.TokenRevoked, (await grain.CheckActionForTokenAsync(Caller(ws.Viewer.Id, jti), service.Name, "docs:write")).Error);

        await s.Grains.GetGrain<IUserSessionGrain>(ws.Viewer2.Id).SetDeactivatedAsync(true);
        Assert.Equal(ServiceCallRefusal.UserDeactivated, (await grain.CheckPermissionsForTokenAsync(Caller(ws.Viewer2.Id, Guid.NewGuid()), checks)).Error);
        Assert.Equal(ServiceCallRefusal.UserDeactivated, (await grain.CheckActionForTokenAsync(Caller(ws.Viewer2.Id, Guid.NewGuid()), service.Name, "docs:write")).Error);
    }

    [Fact]
    public void the_edge_calls_the_workspace_grain_directly_only_when_nothing_but_revocation_can_refuse()
    {
        var workspace = Guid.NewGuid();
        ServiceCredentials Credentials(string? known, string? authzService = null) =>
            new("", Guid.NewGuid(), Guid.NewGuid(), DateTimeOffset.UtcNow, workspace, "viewer", authzService, known, Guid.NewGuid(), null);
        AclCheck[] Checks(params string[] services) => services.Select(n => new AclCheck(new ResourceRef(n, "doc", Guid.NewGuid()), AclPermission.View)).ToArray();

        var plain = ServiceFastPath.Direct(Credentials("docs"), Checks("docs", "docs"));
        Assert.NotNull(plain);
        Assert.NotNull(ServiceFastPath.Direct(Credentials("docs", authzService: "docs"), Checks("docs")));
        Assert.NotNull(ServiceFastPath.Direct(Credentials("docs"), "docs", workspace));

        // The key not resolved here (the gateway decides invalid_service_key), an authz token of another service
        // (invalid_token before revocation), a check of another service or another workspace (403 after revocation):
        // the gateway applies them in the contract's order.
        Assert.Null(ServiceFastPath.Direct(Credentials(null), Checks("docs")));
        Assert.Null(ServiceFastPath.Direct(Credentials("docs", authzService: "billing"), Checks("docs")));
        Assert.Null(ServiceFastPath.Direct(Credentials("docs"), Checks("docs", "billing")));
        Assert.Null(ServiceFastPath.Direct(Credentials("docs"), "billing", workspace));
        Assert.Null(ServiceFastPath.Direct(Credentials("docs"), "docs", Guid.NewGuid()));
        Assert.Null(ServiceFastPath.Direct(Credentials("docs", authzService: "billing"), "docs", workspace));
    }
}
