using Sentinel.Grains.Authorization;
using Sentinel.Grains.Directory;
using Sentinel.Web.Tests.Authz;
using Xunit;

namespace Sentinel.Web.Tests.Permissions;

/// <summary>
/// The check order of docs/authorization.md end to end, through <c>/permissions/check</c> with real tokens, keys and workspace grains: each row
/// names the step that decides it. (The exhaustive combination matrix runs against the evaluator in the grain tests.)
/// </summary>
[Collection(WebCollection.Name)]
public sealed class AclOrderTests(SentinelWebApplication app)
{
    private readonly ServiceScenario s = new(app);

    [Fact]
    public async Task acl_order_matrix_through_http()
    {
        var service = await s.ServiceAsync();
        var ws = await s.WorkspaceAsync();
        var other = await s.WorkspaceAsync();
        var groupMember = ws.Viewer2;
        var group = await s.GroupAsync(ws, groupMember);

        // The owner of every resource below is the editor (their role never matters: ownership comes first).
        var privateDoc = await s.RegisterAsync(service, ws.Id, ws.Editor.Id, AclVisibility.Private);
        var workspaceDoc = await s.RegisterAsync(service, ws.Id, ws.Editor.Id, AclVisibility.Workspace);
        var viewShared = await s.RegisterAsync(service, ws.Id, ws.Editor.Id, AclVisibility.Private);
        var editShared = await s.RegisterAsync(service, ws.Id, ws.Editor.Id, AclVisibility.Private);
        var groupView = await s.RegisterAsync(service, ws.Id, ws.Editor.Id, AclVisibility.Private);
        var groupEdit = await s.RegisterAsync(service, ws.Id, ws.Editor.Id, AclVisibility.Private);
        var userViewGroupEdit = await s.RegisterAsync(service, ws.Id, ws.Editor.Id, AclVisibility.Private);
        var otherWorkspaceDoc = await s.RegisterAsync(service, other.Id, other.Owner.Id, AclVisibility.Workspace);
        await s.ShareAsync(viewShared, GranteeType.User, ws.Viewer.Id, AclPermission.View);
        await s.ShareAsync(editShared, GranteeType.User, ws.Viewer.Id, AclPermission.Edit);
        await s.ShareAsync(groupView, GranteeType.Group, group, AclPermission.View);
        await s.ShareAsync(groupEdit, GranteeType.Group, group, AclPermission.Edit);
        await s.ShareAsync(userViewGroupEdit, GranteeType.User, groupMember.Id, AclPermission.View);
        await s.ShareAsync(userViewGroupEdit, GranteeType.Group, group, AclPermission.Edit);
        var unregistered = new AclInfo(Guid.NewGuid(), service.Name, "doc", Guid.NewGuid(), ws.Id, null, AclVisibility.Workspace, DateTimeOffset.UtcNow, []);

        var editor = ws.Token(ws.Editor, "editor");
        var admin = ws.Token(ws.Admin, "admin");
        var owner = ws.Token(ws.Owner, "owner");
        var viewer = ws.Token(ws.Viewer, "viewer");
        // The group member's token carries no groups claim: membership is read from the workspace grain (so group
        // shares apply to authz tokens too, which the original never did, and a group added after minting counts at once).
        var member = ws.Token(groupMember, "viewer");

        var rows = new (string Step, string Token, AclInfo Acl, string Action, bool Allowed)[]
        {
            ("1 no row: deny even for the workspace owner", owner, unregistered, "view", false),
            ("2 other workspace: deny even for an admin there", admin, otherWorkspaceDoc, "view", false),
            ("3 owner: private edit", editor, privateDoc, "edit", true),
            ("4 admin: private edit", admin, privateDoc, "edit", true),
            ("4 workspace owner: private edit", owner, privateDoc, "edit", true),
            ("5 workspace visibility: viewer views", viewer, workspaceDoc, "view", true),
            ("5 workspace visibility: viewer may not edit", viewer, workspaceDoc, "edit", false),
            ("5 private: viewer may not view", viewer, privateDoc, "view", false),
            ("6 view share: view", viewer, viewShared, "view", true),
            ("6 view share: no edit", viewer, viewShared, "edit", false),
            ("6 edit share: edit", viewer, editShared, "edit", true),
            ("6 edit share: view", viewer, editShared, "view", true),
            ("7 group view share: view", member, groupView, "view", true),
            ("7 group view share: no edit", member, groupView, "edit", false),
            ("7 group edit share: edit", member, groupEdit, "edit", true),
            ("7 view user share falls through to a group edit share", member, userViewGroupEdit, "edit", true),
            ("7 group share does not reach non-members", viewer, groupEdit, "view", false),
            ("8 deny: someone else's share", viewer, groupView, "view", false),
        };
        foreach (var row in rows)
            Assert.True(row.Allowed == await s.AllowedAsync(service, row.Token, row.Acl, row.Action), row.Step);

        // Editors may edit workspace-visible resources they do not own.
        var editorOther = await s.RegisterAsync(service, ws.Id, ws.Admin.Id, AclVisibility.Workspace);
        Assert.True(await s.AllowedAsync(service, editor, editorOther, "edit"));
    }

    [Fact]
    public async Task token_role_above_current_membership_is_capped_by_memory()
    {
        var service = await s.ServiceAsync();
        var ws = await s.WorkspaceAsync();
        var doc = await s.RegisterAsync(service, ws.Id, ws.Owner.Id, AclVisibility.Private);
        var adminToken = ws.Token(ws.Admin, "admin");
        Assert.True(await s.AllowedAsync(service, adminToken, doc, "edit"));

        // Demoted: the grain uses the stricter of token and membership, even before the old token is rejected.
        var demoted = await s.Workspace(ws.Id).ChangeRoleAsync(new Actor(ws.Owner.Id, "owner"), ws.Admin.Id, WorkspaceRole.Viewer);
        Assert.True(demoted.IsOk);
        var stillOld = await s.Authorization(ws.Id).CheckPermissionsAsync(new Actor(ws.Admin.Id, "admin"), [new AclCheck(new ResourceRef(doc.ServiceName, doc.ResourceType, doc.ResourceId), AclPermission.Edit)]);
        Assert.False(stillOld[0]);
    }
}
