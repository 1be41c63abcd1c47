using System.Net;
using System.Text.Json;
using Sentinel.Grains.Authorization;
using Sentinel.Web.Tests.Authz;
using Xunit;

namespace Sentinel.Web.Tests.Permissions;

/// <summary>Every route of the contract's permissions table: success, authentication failure, validation failure, details and codes.</summary>
[Collection(WebCollection.Name)]
public sealed class PermissionsContractTests(SentinelWebApplication app)
{
    private readonly ServiceScenario s = new(app);

    [Fact]
    public async Task check_answers_in_order_and_refuses_bad_auth_bad_body_and_foreign_service()
    {
        var service = await s.ServiceAsync();
        var ws = await s.WorkspaceAsync();
        var visible = await s.RegisterAsync(service, ws.Id, ws.Owner.Id, AclVisibility.Workspace);
        var hidden = await s.RegisterAsync(service, ws.Id, ws.Owner.Id, AclVisibility.Private);
        var unknown = Guid.NewGuid();
        var token = ws.Token(ws.Viewer, "viewer");
        object Item(Guid id, string action) => new { service_name = service.Name, resource_type = "doc", resource_id = id, action };

        using var ok = await s.SendAsync(HttpMethod.Post, "/permissions/check", service.Key, token,
            new { checks = new[] { Item(visible.ResourceId, "view"), Item(hidden.ResourceId, "view"), Item(visible.ResourceId, "edit"), Item(unknown, "view") } });
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var results = (await Scenario.JsonAsync(ok)).GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal([true, false, false, false], results.Select(r => r.GetProperty("allowed").GetBoolean()));
        Assert.Equal([visible.ResourceId, hidden.ResourceId, visible.ResourceId, unknown], results.Select(r => r.GetProperty("resource_id").GetGuid()));
        Assert.Equal(["view", "view", "edit", "view"], results.Select(r => r.GetProperty("action").GetString()));
        Assert.All(results, r => Assert.Equal(service.Name, r.GetProperty("service_name").GetString()));

        using (var empty = await s.SendAsync(HttpMethod.Post, "/permissions/check", service.Key, token, new { checks = Array.Empty<object>() }))
            Assert.Empty((await Scenario.JsonAsync(empty)).GetProperty("results").EnumerateArray());

        // Authentication: key first, then bearer.
        using (var noKey = await s.SendAsync(HttpMethod.Post, "/permissions/check", null, token, new { checks = Array.Empty<object>() }))
            await Scenario.AssertErrorAsync(noKey, 401, "Missing service API key or unregistered origin", "missing_service_key");
        using (var badKey = await s.SendAsync(HttpMethod.Post, "/permissions/check", "sk_not-a-key", token, new { checks = Array.Empty<object>() }))
            await Scenario.AssertErrorAsync(badKey, 401, "Invalid or missing service API key", "invalid_service_key");
        using (var noBearer = await s.SendAsync(HttpMethod.Post, "/permissions/check", service.Key, null, new { checks = Array.Empty<object>() }))
            await Scenario.AssertErrorAsync(noBearer, 401, "Missing Bearer token", "missing_token");

        // Validation: the list cap, and each item's fields at their nested location.
        using (var tooMany = await s.SendAsync(HttpMethod.Post, "/permissions/check", service.Key, token,
            new { checks = Enumerable.Range(0, 101).Select(_ => Item(visible.ResourceId, "view")).ToArray() }))
            await Scenario.AssertValidationAsync(tooMany, "checks", "too_long");
        using (var badAction = await s.SendAsync(HttpMethod.Post, "/permissions/check", service.Key, token,
            new { checks = new[] { new { service_name = service.Name, resource_type = "doc", resource_id = "nope", action = "delete" } } }))
        {
            var body = await Scenario.JsonAsync(badAction);
            Assert.Equal(422, (int)badAction.StatusCode);
            var locs = body.GetProperty("detail").EnumerateArray().Select(i => string.Join('.', i.GetProperty("loc").EnumerateArray().Select(l => l.ToString()))).ToArray();
            Assert.Contains("body.checks.0.resource_id", locs);
            Assert.Contains("body.checks.0.action", locs);
        }
        using (var missing = await s.SendAsync(HttpMethod.Post, "/permissions/check", service.Key, token, new { }))
            await Scenario.AssertValidationAsync(missing, "checks", "missing");
        using (var badName = await s.SendAsync(HttpMethod.Post, "/permissions/check", service.Key, token,
            new { checks = new[] { new { service_name = "Bad Name", resource_type = "doc", resource_id = visible.ResourceId, action = "view" } } }))
            await Scenario.AssertValidationAsync(badName, "service_name", "string_pattern_mismatch");

        // Any named service must be the key's.
        using var foreign = await s.SendAsync(HttpMethod.Post, "/permissions/check", service.Key, token,
            new { checks = new[] { Item(visible.ResourceId, "view"), new { service_name = "other-service", resource_type = "doc", resource_id = visible.ResourceId, action = "view" } } });
        await Scenario.AssertErrorAsync(foreign, 403, "Service key is not authorized for service 'other-service'", "service_not_authorized");
    }

    [Fact]
    public async Task accessible_returns_ids_or_full_access_and_refuses_cross_workspace()
    {
        var service = await s.ServiceAsync();
        var ws = await s.WorkspaceAsync();
        var visible = await s.RegisterAsync(service, ws.Id, ws.Owner.Id, AclVisibility.Workspace);
        var hidden = await s.RegisterAsync(service, ws.Id, ws.Owner.Id, AclVisibility.Private);
        object Body(string action, Guid? workspace = null, int? limit = null) =>
            limit is null
                ? new { service_name = service.Name, resource_type = "doc", action, workspace_id = workspace ?? ws.Id }
                : new { service_name = service.Name, resource_type = "doc", action, workspace_id = workspace ?? ws.Id, limit };

        using (var viewer = await s.SendAsync(HttpMethod.Post, "/permissions/accessible", service.Key, ws.Token(ws.Viewer, "viewer"), Body("view")))
        {
            var json = await Scenario.JsonAsync(viewer);
            Assert.Equal(HttpStatusCode.OK, viewer.StatusCode);
            Assert.False(json.GetProperty("has_full_access").GetBoolean());
            Assert.Equal([visible.ResourceId], json.GetProperty("resource_ids").EnumerateArray().Select(e => e.GetGuid()));
        }
        using (var admin = await s.SendAsync(HttpMethod.Post, "/permissions/accessible", service.Key, ws.Token(ws.Admin, "admin"), Body("edit")))
        {
            var json = await Scenario.JsonAsync(admin);
            Assert.True(json.GetProperty("has_full_access").GetBoolean());
            Assert.Empty(json.GetProperty("resource_ids").EnumerateArray());
        }
        using (var limited = await s.SendAsync(HttpMethod.Post, "/permissions/accessible", service.Key, ws.Token(ws.Admin, "admin"), Body("edit", limit: 10)))
        {
            var ids = (await Scenario.JsonAsync(limited)).GetProperty("resource_ids").EnumerateArray().Select(e => e.GetGuid()).ToArray();
            Assert.Equal(new[] { visible.ResourceId, hidden.ResourceId }.Order(), ids.Order());
        }

        using (var cross = await s.SendAsync(HttpMethod.Post, "/permissions/accessible", service.Key, ws.Token(ws.Viewer, "viewer"), Body("view", Guid.NewGuid())))
            await Scenario.AssertErrorAsync(cross, 403, "Cross-workspace lookup not allowed", "cross_workspace");
        using (var noKey = await s.SendAsync(HttpMethod.Post, "/permissions/accessible", null, ws.Token(ws.Viewer, "viewer"), Body("view")))
            await Scenario.AssertErrorAsync(noKey, 401, "Missing service API key or unregistered origin", "missing_service_key");
        using (var badLimit = await s.SendAsync(HttpMethod.Post, "/permissions/accessible", service.Key, ws.Token(ws.Viewer, "viewer"), Body("view", limit: 10001)))
            await Scenario.AssertValidationAsync(badLimit, "limit", "less_than_equal");
        using (var badAction = await s.SendAsync(HttpMethod.Post, "/permissions/accessible", service.Key, ws.Token(ws.Viewer, "viewer"), Body("own")))
            await Scenario.AssertValidationAsync(badAction, "action", "string_pattern_mismatch");
        using (var foreign = await s.SendAsync(HttpMethod.Post, "/permissions/accessible", service.Key, ws.Token(ws.Viewer, "viewer"),
            new { service_name = "billing", resource_type = "doc", action = "view", workspace_id = ws.Id }))
            await Scenario.AssertErrorAsync(foreign, 403, "Service key is not authorized for service 'billing'", "service_not_authorized");
    }

    [Fact]
    public async Task register_creates_returns_existing_unchanged_and_refuses_conflicts_and_unknown_rows()
    {
        var service = await s.ServiceAsync();
        var ws = await s.WorkspaceAsync();
        var resourceId = Guid.NewGuid();
        object Body(Guid? workspace = null, Guid? owner = null, string visibility = "private") => new
        {
            service_name = service.Name, resource_type = "doc", resource_id = resourceId, workspace_id = workspace ?? ws.Id, owner_id = owner ?? ws.Editor.Id, visibility,
        };

        using var created = await s.SendAsync(HttpMethod.Post, "/permissions/register", service.Key, null, Body());
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var acl = await Scenario.JsonAsync(created);
        Assert.Equal(resourceId, acl.GetProperty("resource_id").GetGuid());
        Assert.Equal(ws.Id, acl.GetProperty("workspace_id").GetGuid());
        Assert.Equal(ws.Editor.Id, acl.GetProperty("owner_id").GetGuid());
        Assert.Equal("private", acl.GetProperty("visibility").GetString());
        Assert.Equal("doc", acl.GetProperty("resource_type").GetString());
        Assert.Empty(acl.GetProperty("shares").EnumerateArray());
        Assert.True(acl.TryGetProperty("created_at", out _));

        // Same row again: unchanged, even when the visibility asked for differs.
        using (var again = await s.SendAsync(HttpMethod.Post, "/permissions/register", service.Key, null, Body(visibility: "workspace")))
        {
            Assert.Equal(HttpStatusCode.Created, again.StatusCode);
            var same = await Scenario.JsonAsync(again);
            Assert.Equal(acl.GetProperty("id").GetGuid(), same.GetProperty("id").GetGuid());
            Assert.Equal("private", same.GetProperty("visibility").GetString());
        }
        // Another owner or another workspace is a conflict, not a silent success.
        using (var otherOwner = await s.SendAsync(HttpMethod.Post, "/permissions/register", service.Key, null, Body(owner: ws.Viewer.Id)))
            await Scenario.AssertErrorAsync(otherOwner, 409, "Resource is already registered with another workspace or owner", "resource_conflict");
        var other = await s.WorkspaceAsync();
        using (var otherWs = await s.SendAsync(HttpMethod.Post, "/permissions/register", service.Key, null, Body(workspace: other.Id, owner: other.Owner.Id)))
            await Scenario.AssertErrorAsync(otherWs, 409, null, "resource_conflict");
        // Unknown workspace or owner are 404s, not 500s.
        resourceId = Guid.NewGuid();
        using (var noWs = await s.SendAsync(HttpMethod.Post, "/permissions/register", service.Key, null, Body(workspace: Guid.NewGuid())))
            await Scenario.AssertErrorAsync(noWs, 404, "Workspace not found", "workspace_not_found");
        using (var noOwner = await s.SendAsync(HttpMethod.Post, "/permissions/register", service.Key, null, Body(owner: Guid.NewGuid())))
            await Scenario.AssertErrorAsync(noOwner, 404, "Owner not found", "owner_not_found");

        using (var noKey = await s.SendAsync(HttpMethod.Post, "/permissions/register", null, null, Body()))
            await Scenario.AssertErrorAsync(noKey, 401, "Missing service API key or unregistered origin", "missing_service_key");
        using (var invalid = await s.SendAsync(HttpMethod.Post, "/permissions/register", service.Key, null, new { service_name = service.Name, resource_type = "doc", resource_id = "x", workspace_id = ws.Id }))
        {
            await Scenario.AssertValidationAsync(invalid, "resource_id", "uuid_parsing");
        }
        using (var missingOwner = await s.SendAsync(HttpMethod.Post, "/permissions/register", service.Key, null, new { service_name = service.Name, resource_type = "doc", resource_id = Guid.NewGuid(), workspace_id = ws.Id }))
            await Scenario.AssertValidationAsync(missingOwner, "owner_id", "missing");
        using (var badVisibility = await s.SendAsync(HttpMethod.Post, "/permissions/register", service.Key, null, Body(visibility: "public")))
            await Scenario.AssertValidationAsync(badVisibility, "visibility", "string_pattern_mismatch");
        using (var foreign = await s.SendAsync(HttpMethod.Post, "/permissions/register", service.Key, null,
            new { service_name = "billing", resource_type = "doc", resource_id = Guid.NewGuid(), workspace_id = ws.Id, owner_id = ws.Owner.Id }))
            await Scenario.AssertErrorAsync(foreign, 403, "Service key is not authorized for service 'billing'", "service_not_authorized");
    }

    [Fact]
    public async Task share_upserts_level_and_enforces_owner_admin_workspace_and_grantee_rules()
    {
        var service = await s.ServiceAsync();
        var ws = await s.WorkspaceAsync();
        var acl = await s.RegisterAsync(service, ws.Id, ws.Editor.Id, AclVisibility.Private);
        var group = await s.GroupAsync(ws, ws.Viewer2);
        var path = $"/permissions/{acl.Id}/share";
        object Share(string type, Guid id, string permission) => new { grantee_type = type, grantee_id = id, permission };

        // The owner shares view, then switches the same grantee to edit (an upsert).
        using (var view = await s.SendAsync(HttpMethod.Post, path, service.Key, ws.Token(ws.Editor, "editor"), Share("user", ws.Viewer.Id, "view")))
        {
            Assert.Equal(HttpStatusCode.Created, view.StatusCode);
            Assert.Equal("ok", (await Scenario.JsonAsync(view)).GetProperty("status").GetString());
        }
        Assert.False(await s.AllowedAsync(service, ws.Token(ws.Viewer, "viewer"), acl, "edit"));
        using (var edit = await s.SendAsync(HttpMethod.Post, path, service.Key, ws.Token(ws.Editor, "editor"), Share("user", ws.Viewer.Id, "edit")))
            Assert.Equal(HttpStatusCode.Created, edit.StatusCode);
        Assert.True(await s.AllowedAsync(service, ws.Token(ws.Viewer, "viewer"), acl, "edit"));
        var shares = (await s.Authorization(ws.Id).GetPermissionAsync(acl.Id))!.Shares;
        Assert.Single(shares);
        Assert.Equal(AclPermission.Edit, shares[0].Permission);
        Assert.Equal(ws.Editor.Id, shares[0].GrantedBy);

        // A workspace admin may share a resource they do not own; a group of the workspace may be a grantee.
        using (var byAdmin = await s.SendAsync(HttpMethod.Post, path, service.Key, ws.Token(ws.Admin, "admin"), Share("group", group, "view")))
            Assert.Equal(HttpStatusCode.Created, byAdmin.StatusCode);

        using (var notOwner = await s.SendAsync(HttpMethod.Post, path, service.Key, ws.Token(ws.Viewer, "viewer"), Share("user", ws.Viewer2.Id, "view")))
            await Scenario.AssertErrorAsync(notOwner, 403, "Only the resource owner or workspace admin can share", "not_owner_or_admin");
        var outsider = await s.S.UserAsync();
        using (var notMember = await s.SendAsync(HttpMethod.Post, path, service.Key, ws.Token(ws.Editor, "editor"), Share("user", outsider.Id, "view")))
            await Scenario.AssertErrorAsync(notMember, 400, "Grantee is not a member of this workspace", "grantee_not_member");
        using (var foreignGroup = await s.SendAsync(HttpMethod.Post, path, service.Key, ws.Token(ws.Editor, "editor"), Share("group", Guid.NewGuid(), "view")))
            await Scenario.AssertErrorAsync(foreignGroup, 400, "Group does not belong to this workspace", "group_not_in_workspace");
        using (var unknown = await s.SendAsync(HttpMethod.Post, $"/permissions/{Guid.NewGuid()}/share", service.Key, ws.Token(ws.Editor, "editor"), Share("user", ws.Viewer.Id, "view")))
            await Scenario.AssertErrorAsync(unknown, 404, "Permission not found", "permission_not_found");
        var other = await s.WorkspaceAsync();
        using (var cross = await s.SendAsync(HttpMethod.Post, path, service.Key, other.Token(other.Owner, "owner"), Share("user", other.Viewer.Id, "view")))
            await Scenario.AssertErrorAsync(cross, 403, "Cross-workspace sharing not allowed", "cross_workspace");
        var otherService = await s.ServiceAsync();
        using (var foreignKey = await s.SendAsync(HttpMethod.Post, path, otherService.Key, ws.Token(ws.Editor, "editor"), Share("user", ws.Viewer.Id, "view")))
            await Scenario.AssertErrorAsync(foreignKey, 403, $"Service key is not authorized for service '{service.Name}'", "service_not_authorized");

        using (var noBearer = await s.SendAsync(HttpMethod.Post, path, service.Key, null, Share("user", ws.Viewer.Id, "view")))
            await Scenario.AssertErrorAsync(noBearer, 401, "Missing Bearer token", "missing_token");
        using (var badType = await s.SendAsync(HttpMethod.Post, path, service.Key, ws.Token(ws.Editor, "editor"), Share("team", ws.Viewer.Id, "view")))
            await Scenario.AssertValidationAsync(badType, "grantee_type", "string_pattern_mismatch");
        using (var badPath = await s.SendAsync(HttpMethod.Post, "/permissions/not-a-uuid/share", service.Key, ws.Token(ws.Editor, "editor"), Share("user", ws.Viewer.Id, "view")))
            await Scenario.AssertValidationAsync(badPath, "permission_id", "uuid_parsing");
    }

    [Fact]
    public async Task visibility_patch_changes_and_returns_acl()
    {
        var service = await s.ServiceAsync();
        var ws = await s.WorkspaceAsync();
        var acl = await s.RegisterAsync(service, ws.Id, ws.Owner.Id, AclVisibility.Private);
        Assert.False(await s.AllowedAsync(service, ws.Token(ws.Viewer, "viewer"), acl, "view"));

        using var ok = await s.SendAsync(HttpMethod.Patch, $"/permissions/{acl.Id}/visibility", service.Key, null, new { visibility = "workspace" });
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var body = await Scenario.JsonAsync(ok);
        Assert.Equal("workspace", body.GetProperty("visibility").GetString());
        Assert.Equal(acl.Id, body.GetProperty("id").GetGuid());
        Assert.True(await s.AllowedAsync(service, ws.Token(ws.Viewer, "viewer"), acl, "view"));

        using (var unknown = await s.SendAsync(HttpMethod.Patch, $"/permissions/{Guid.NewGuid()}/visibility", service.Key, null, new { visibility = "private" }))
            await Scenario.AssertErrorAsync(unknown, 404, "Permission not found", "permission_not_found");
        using (var invalid = await s.SendAsync(HttpMethod.Patch, $"/permissions/{acl.Id}/visibility", service.Key, null, new { visibility = "public" }))
            await Scenario.AssertValidationAsync(invalid, "visibility", "string_pattern_mismatch");
        using (var noKey = await s.SendAsync(HttpMethod.Patch, $"/permissions/{acl.Id}/visibility", null, null, new { visibility = "private" }))
            await Scenario.AssertErrorAsync(noKey, 401, null, "missing_service_key");
        var otherService = await s.ServiceAsync();
        using (var foreign = await s.SendAsync(HttpMethod.Patch, $"/permissions/{acl.Id}/visibility", otherService.Key, null, new { visibility = "private" }))
            await Scenario.AssertErrorAsync(foreign, 403, $"Service key is not authorized for service '{service.Name}'", "service_not_authorized");
    }

    [Fact]
    public async Task unshare_removes_share_at_once_and_missing_share_is_404()
    {
        var service = await s.ServiceAsync();
        var ws = await s.WorkspaceAsync();
        var acl = await s.RegisterAsync(service, ws.Id, ws.Owner.Id, AclVisibility.Private);
        await s.ShareAsync(acl, GranteeType.User, ws.Viewer.Id, AclPermission.View);
        Assert.True(await s.AllowedAsync(service, ws.Token(ws.Viewer, "viewer"), acl, "view"));
        var body = new { grantee_type = "user", grantee_id = ws.Viewer.Id, permission = "edit" };

        // The bearer is ignored on this key-only route.
        using var ok = await s.SendAsync(HttpMethod.Delete, $"/permissions/{acl.Id}/share", service.Key, "not-even-a-jwt", body);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("ok", (await Scenario.JsonAsync(ok)).GetProperty("status").GetString());
        Assert.False(await s.AllowedAsync(service, ws.Token(ws.Viewer, "viewer"), acl, "view"));

        using (var again = await s.SendAsync(HttpMethod.Delete, $"/permissions/{acl.Id}/share", service.Key, null, body))
            await Scenario.AssertErrorAsync(again, 404, "Share not found", "share_not_found");
        using (var unknown = await s.SendAsync(HttpMethod.Delete, $"/permissions/{Guid.NewGuid()}/share", service.Key, null, body))
            await Scenario.AssertErrorAsync(unknown, 404, "Permission not found", "permission_not_found");
        using (var invalid = await s.SendAsync(HttpMethod.Delete, $"/permissions/{acl.Id}/share", service.Key, null, new { grantee_type = "user", grantee_id = ws.Viewer.Id, permission = "own" }))
            await Scenario.AssertValidationAsync(invalid, "permission", "string_pattern_mismatch");
        using (var badKey = await s.SendAsync(HttpMethod.Delete, $"/permissions/{acl.Id}/share", "sk_wrong", null, body))
            await Scenario.AssertErrorAsync(badKey, 401, "Invalid or missing service API key", "invalid_service_key");
    }

    [Fact]
    public async Task resource_get_enriched_and_delete()
    {
        var service = await s.ServiceAsync();
        var ws = await s.WorkspaceAsync();
        var acl = await s.RegisterAsync(service, ws.Id, ws.Editor.Id, AclVisibility.Private);
        var group = await s.GroupAsync(ws, ws.Viewer2);
        var share = await s.Authorization(ws.Id).ShareAsync(acl.Id, new Grains.Directory.Actor(ws.Editor.Id, "editor"), GranteeType.User, ws.Viewer.Id, AclPermission.Edit);
        Assert.True(share.IsOk);
        await s.ShareAsync(acl, GranteeType.Group, group, AclPermission.View);
        var path = $"/permissions/resource/{service.Name}/doc/{acl.ResourceId}";

        using (var get = await s.SendAsync(HttpMethod.Get, path, service.Key, null))
        {
            var body = await Scenario.JsonAsync(get);
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            Assert.Equal(acl.Id, body.GetProperty("id").GetGuid());
            var shares = body.GetProperty("shares").EnumerateArray().ToArray();
            Assert.Equal(2, shares.Length);
            var userShare = shares.Single(x => x.GetProperty("grantee_type").GetString() == "user");
            Assert.Equal("edit", userShare.GetProperty("permission").GetString());
            Assert.Equal(ws.Editor.Id, userShare.GetProperty("granted_by").GetGuid());
            Assert.True(userShare.TryGetProperty("granted_at", out _));
        }
        using (var enriched = await s.SendAsync(HttpMethod.Get, path + "/enriched", service.Key, null))
        {
            var body = await Scenario.JsonAsync(enriched);
            Assert.Equal(ws.Editor.Name, body.GetProperty("owner_name").GetString());
            Assert.Equal(ws.Editor.Email, body.GetProperty("owner_email").GetString());
            var shares = body.GetProperty("shares").EnumerateArray().ToArray();
            var userShare = shares.Single(x => x.GetProperty("grantee_type").GetString() == "user");
            Assert.Equal(ws.Viewer.Name, userShare.GetProperty("grantee_name").GetString());
            Assert.Equal(ws.Viewer.Email, userShare.GetProperty("grantee_email").GetString());
            Assert.Equal(ws.Editor.Name, userShare.GetProperty("granted_by_name").GetString());
            var groupShare = shares.Single(x => x.GetProperty("grantee_type").GetString() == "group");
            Assert.StartsWith("group-", groupShare.GetProperty("grantee_name").GetString());
            Assert.Equal(JsonValueKind.Null, groupShare.GetProperty("grantee_email").ValueKind);
            Assert.Equal(JsonValueKind.Null, groupShare.GetProperty("granted_by_name").ValueKind);
        }

        using (var foreign = await s.SendAsync(HttpMethod.Get, $"/permissions/resource/billing/doc/{acl.ResourceId}", service.Key, null))
            await Scenario.AssertErrorAsync(foreign, 403, "Service key is not authorized for service 'billing'", "service_not_authorized");
        using (var noKey = await s.SendAsync(HttpMethod.Get, path, null, null))
            await Scenario.AssertErrorAsync(noKey, 401, null, "missing_service_key");
        using (var badId = await s.SendAsync(HttpMethod.Get, $"/permissions/resource/{service.Name}/doc/xyz", service.Key, null))
            await Scenario.AssertValidationAsync(badId, "resource_id", "uuid_parsing");
        using (var unknown = await s.SendAsync(HttpMethod.Get, $"/permissions/resource/{service.Name}/doc/{Guid.NewGuid()}/enriched", service.Key, null))
            await Scenario.AssertErrorAsync(unknown, 404, "Resource not found", "resource_not_found");

        using (var enrichedNoKey = await s.SendAsync(HttpMethod.Get, path + "/enriched", "sk_wrong", null))
            await Scenario.AssertErrorAsync(enrichedNoKey, 401, "Invalid or missing service API key", "invalid_service_key");
        using (var deleteNoKey = await s.SendAsync(HttpMethod.Delete, path, null, null))
            await Scenario.AssertErrorAsync(deleteNoKey, 401, "Missing service API key or unregistered origin", "missing_service_key");
        using (var deleteBadId = await s.SendAsync(HttpMethod.Delete, $"/permissions/resource/{service.Name}/doc/xyz", service.Key, null))
            await Scenario.AssertValidationAsync(deleteBadId, "resource_id", "uuid_parsing");
        using (var deleteForeign = await s.SendAsync(HttpMethod.Delete, $"/permissions/resource/billing/doc/{acl.ResourceId}", service.Key, null))
            await Scenario.AssertErrorAsync(deleteForeign, 403, "Service key is not authorized for service 'billing'", "service_not_authorized");

        using (var deleted = await s.SendAsync(HttpMethod.Delete, path, service.Key, null))
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.False(await s.AllowedAsync(service, ws.Token(ws.Viewer, "viewer"), acl, "view"));
        using (var gone = await s.SendAsync(HttpMethod.Get, path, service.Key, null))
            await Scenario.AssertErrorAsync(gone, 404, "Resource not found", "resource_not_found");
        using (var again = await s.SendAsync(HttpMethod.Delete, path, service.Key, null))
            await Scenario.AssertErrorAsync(again, 404, "Resource not found", "resource_not_found");
    }

    [Fact]
    public async Task check_refuses_revoked_and_deactivated_tokens_at_once()
    {
        var service = await s.ServiceAsync();
        var ws = await s.WorkspaceAsync();
        var doc = await s.RegisterAsync(service, ws.Id, ws.Owner.Id, AclVisibility.Workspace);
        var jti = Guid.NewGuid();
        var token = Testing.TestTokens.Access(ws.Viewer.Id, ws.Id, "viewer", jti: jti);
        Assert.True(await s.AllowedAsync(service, token, doc, "view"));
        await s.Grains.GetGrain<Grains.Sessions.IUserSessionGrain>(ws.Viewer.Id).DenyTokenAsync(jti, DateTimeOffset.UtcNow.AddMinutes(15));
        object Body() => new { checks = new[] { new { service_name = service.Name, resource_type = "doc", resource_id = doc.ResourceId, action = "view" } } };
        using (var revoked = await s.SendAsync(HttpMethod.Post, "/permissions/check", service.Key, token, Body()))
            await Scenario.AssertErrorAsync(revoked, 401, "Token has been revoked", "token_revoked");
        await s.Grains.GetGrain<Grains.Sessions.IUserSessionGrain>(ws.Editor.Id).SetDeactivatedAsync(true);
        using (var deactivated = await s.SendAsync(HttpMethod.Post, "/permissions/check", service.Key, ws.Token(ws.Editor, "editor"), Body()))
            await Scenario.AssertErrorAsync(deactivated, 401, "User account is deactivated", "user_deactivated");
        // Key errors come before bearer errors.
        using (var both = await s.SendAsync(HttpMethod.Post, "/permissions/check", "sk_wrong", "not-a-jwt", Body()))
            await Scenario.AssertErrorAsync(both, 401, "Invalid or missing service API key", "invalid_service_key");
        using (var badBearer = await s.SendAsync(HttpMethod.Post, "/permissions/check", service.Key, "not-a-jwt", Body()))
            await Scenario.AssertErrorAsync(badBearer, 401, "Invalid or expired token", "invalid_token");
    }

    [Fact]
    public async Task malformed_json_is_422_before_authentication()
    {
        using var response = await s.SendRawAsync(HttpMethod.Post, "/permissions/check", null, null, "{\"checks\": [");
        await Scenario.AssertErrorAsync(response, 422, null, "validation_failed");
    }
}
