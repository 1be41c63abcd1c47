using Sentinel.Grains.Authorization;
using Sentinel.Grains.Directory;
using Xunit;

namespace Sentinel.Grains.Tests.Authorization;

/// <summary>
/// The in-memory ACL evaluation against a literal transcription of the permission check's order (docs/authorization.md, "The check"), over every combination
/// of ownership, workspace role, visibility, direct share, group share and action.
/// </summary>
public sealed class AclIndexTests
{
    private static readonly Guid User = Guid.NewGuid();
    private static readonly Guid Other = Guid.NewGuid();
    private static readonly Guid Group = Guid.NewGuid();
    private static readonly Guid OtherGroup = Guid.NewGuid();

    public enum ShareKind
    {
        None,
        View,
        Edit,
    }

    public static IEnumerable<object[]> Matrix()
    {
        foreach (var owner in new[] { true, false })
        foreach (var role in Enum.GetValues<WorkspaceRole>())
        foreach (var visibility in Enum.GetValues<AclVisibility>())
        foreach (var userShare in Enum.GetValues<ShareKind>())
        foreach (var groupShare in Enum.GetValues<ShareKind>())
        foreach (var action in Enum.GetValues<AclPermission>())
            yield return [owner, role, visibility, userShare, groupShare, action];
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public void check_follows_the_contract_order_for_every_combination(bool owner, WorkspaceRole role, AclVisibility visibility, ShareKind userShare, ShareKind groupShare, AclPermission action)
    {
        var index = new AclIndex();
        var resource = new ResourceRef("docs", "doc", Guid.NewGuid());
        var entry = index.Add(Guid.NewGuid(), resource.ServiceName, resource.ResourceType, resource.ResourceId, owner ? User : Other, visibility, DateTimeOffset.UtcNow);
        if (userShare != ShareKind.None) index.Upsert(entry, Guid.NewGuid(), GranteeType.User, User, Level(userShare), Other, DateTimeOffset.UtcNow);
        if (groupShare != ShareKind.None) index.Upsert(entry, Guid.NewGuid(), GranteeType.Group, Group, Level(groupShare), Other, DateTimeOffset.UtcNow);
        // Noise that must never matter: shares to someone else and to a group the user is not in.
        index.Upsert(entry, Guid.NewGuid(), GranteeType.User, Other, AclPermission.Edit, Other, DateTimeOffset.UtcNow);
        index.Upsert(entry, Guid.NewGuid(), GranteeType.Group, OtherGroup, AclPermission.Edit, Other, DateTimeOffset.UtcNow);

        var expected = Reference(owner, role, visibility, userShare, groupShare, action);
        Assert.Equal(expected, index.Check(User, role, [Group], resource, action));
    }

    [Fact]
    public void missing_row_denies_even_workspace_owner()
    {
        var index = new AclIndex();
        index.Add(Guid.NewGuid(), "docs", "doc", Guid.NewGuid(), User, AclVisibility.Workspace, DateTimeOffset.UtcNow);
        Assert.False(index.Check(User, WorkspaceRole.Owner, [], new ResourceRef("docs", "doc", Guid.NewGuid()), AclPermission.View));
        // Same id under another service or type is another resource.
        var id = Guid.NewGuid();
        index.Add(Guid.NewGuid(), "docs", "doc", id, User, AclVisibility.Workspace, DateTimeOffset.UtcNow);
        Assert.False(index.Check(User, WorkspaceRole.Owner, [], new ResourceRef("docs", "sheet", id), AclPermission.View));
        Assert.False(index.Check(User, WorkspaceRole.Owner, [], new ResourceRef("other", "doc", id), AclPermission.View));
    }

    [Fact]
    public void upsert_switches_view_and_edit_and_remove_grantee_drops_every_share()
    {
        var index = new AclIndex();
        var resource = new ResourceRef("docs", "doc", Guid.NewGuid());
        var entry = index.Add(Guid.NewGuid(), "docs", "doc", resource.ResourceId, Other, AclVisibility.Private, DateTimeOffset.UtcNow);
        index.Upsert(entry, Guid.NewGuid(), GranteeType.User, User, AclPermission.View, Other, DateTimeOffset.UtcNow);
        Assert.False(index.Check(User, WorkspaceRole.Viewer, [], resource, AclPermission.Edit));
        index.Upsert(entry, Guid.NewGuid(), GranteeType.User, User, AclPermission.Edit, Other, DateTimeOffset.UtcNow);
        Assert.True(index.Check(User, WorkspaceRole.Viewer, [], resource, AclPermission.Edit));
        Assert.Equal(1, index.ShareCount);
        index.RemoveGrantee(GranteeType.User, User);
        Assert.False(index.Check(User, WorkspaceRole.Viewer, [], resource, AclPermission.View));
        Assert.Equal(0, index.ShareCount);
        Assert.Empty(index.ToInfo(entry, Guid.NewGuid()).Shares);
    }

    [Fact]
    public void accessible_unions_owned_shared_group_and_visible_and_respects_limit()
    {
        var index = new AclIndex();
        var owned = Add(Guid.NewGuid(), User, AclVisibility.Private);
        var visible = Add(Guid.NewGuid(), Other, AclVisibility.Workspace);
        var viewShared = Add(Guid.NewGuid(), Other, AclVisibility.Private);
        var editShared = Add(Guid.NewGuid(), Other, AclVisibility.Private);
        var groupEdit = Add(Guid.NewGuid(), Other, AclVisibility.Private);
        var hidden = Add(Guid.NewGuid(), Other, AclVisibility.Private);
        var otherType = index.Add(Guid.NewGuid(), "docs", "sheet", Guid.NewGuid(), User, AclVisibility.Workspace, DateTimeOffset.UtcNow);
        index.Upsert(Entry(viewShared), Guid.NewGuid(), GranteeType.User, User, AclPermission.View, null, DateTimeOffset.UtcNow);
        index.Upsert(Entry(editShared), Guid.NewGuid(), GranteeType.User, User, AclPermission.Edit, null, DateTimeOffset.UtcNow);
        index.Upsert(Entry(groupEdit), Guid.NewGuid(), GranteeType.Group, Group, AclPermission.Edit, null, DateTimeOffset.UtcNow);

        var view = index.Accessible(User, WorkspaceRole.Viewer, [Group], "docs", "doc", AclPermission.View, null);
        Assert.False(view.HasFullAccess);
        Assert.Equal(new[] { owned, visible, viewShared, editShared, groupEdit }.Order(), view.ResourceIds.Order());
        Assert.DoesNotContain(hidden, view.ResourceIds);
        Assert.DoesNotContain(otherType.ResourceId, view.ResourceIds);

        // Accessible for edit, by a viewer: owned, edit shares (direct and group) only; workspace visibility does not apply.
        var edit = index.Accessible(User, WorkspaceRole.Viewer, [Group], "docs", "doc", AclPermission.Edit, null);
        Assert.Equal(new[] { owned, editShared, groupEdit }.Order(), edit.ResourceIds.Order());
        // An editor may edit workspace-visible resources too.
        Assert.Contains(visible, index.Accessible(User, WorkspaceRole.Editor, [], "docs", "doc", AclPermission.Edit, null).ResourceIds);

        Assert.Equal(2, index.Accessible(User, WorkspaceRole.Viewer, [Group], "docs", "doc", AclPermission.View, 2).ResourceIds.Count);
        var admin = index.Accessible(User, WorkspaceRole.Admin, [], "docs", "doc", AclPermission.Edit, null);
        Assert.True(admin.HasFullAccess);
        Assert.Empty(admin.ResourceIds);
        var adminLimited = index.Accessible(User, WorkspaceRole.Admin, [], "docs", "doc", AclPermission.Edit, 3);
        Assert.True(adminLimited.HasFullAccess);
        Assert.Equal(3, adminLimited.ResourceIds.Count);

        AclIndex.Entry Entry(Guid resourceId) => index.Find(new ResourceRef("docs", "doc", resourceId))!;

        Guid Add(Guid id, Guid ownerId, AclVisibility v)
        {
            index.Add(Guid.NewGuid(), "docs", "doc", id, ownerId, v, DateTimeOffset.UtcNow);
            return id;
        }
    }

    [Fact]
    public void removing_a_resource_clears_its_indexes()
    {
        var index = new AclIndex();
        var entry = index.Add(Guid.NewGuid(), "docs", "doc", Guid.NewGuid(), User, AclVisibility.Private, DateTimeOffset.UtcNow);
        index.Upsert(entry, Guid.NewGuid(), GranteeType.Group, Group, AclPermission.Edit, null, DateTimeOffset.UtcNow);
        index.Remove(entry);
        Assert.Equal(0, index.Count);
        Assert.Equal(0, index.ShareCount);
        Assert.Null(index.Find(entry.Id));
        Assert.Empty(index.Accessible(User, WorkspaceRole.Viewer, [Group], "docs", "doc", AclPermission.View, null).ResourceIds);
    }

    /// <summary>The permission check, transcribed step by step (rows 1–2 are covered by <see cref="missing_row_denies_even_workspace_owner"/>).</summary>
    private static bool Reference(bool owner, WorkspaceRole role, AclVisibility visibility, ShareKind userShare, ShareKind groupShare, AclPermission action)
    {
        if (owner) return true;                                                                   // 3
        if (role is WorkspaceRole.Admin or WorkspaceRole.Owner) return true;                      // 4
        if (visibility == AclVisibility.Workspace)                                                // 5
        {
            if (action == AclPermission.View) return true;
            if (action == AclPermission.Edit && role == WorkspaceRole.Editor) return true;
        }
        if (userShare != ShareKind.None)                                                          // 6
        {
            if (action == AclPermission.View) return true;
            if (userShare == ShareKind.Edit) return true;
        }
        if (groupShare != ShareKind.None)                                                         // 7
        {
            if (action == AclPermission.View) return true;
            if (groupShare == ShareKind.Edit) return true;
        }
        return false;                                                                             // 8
    }

    private static AclPermission Level(ShareKind kind) => kind == ShareKind.Edit ? AclPermission.Edit : AclPermission.View;
}
