using Sentinel.Grains.Authorization;
using Xunit;

namespace Sentinel.Grains.Tests.Authorization;

/// <summary>RBAC resolution in memory (the action check), with roles held directly and through groups.</summary>
public sealed class RoleIndexTests
{
    private readonly RoleIndex index = new();
    private readonly Guid user = Guid.NewGuid();
    private readonly Guid group = Guid.NewGuid();
    private readonly Guid read = Guid.NewGuid();
    private readonly Guid write = Guid.NewGuid();
    private readonly Guid otherServiceRead = Guid.NewGuid();

    public RoleIndexTests()
    {
        index.DefineAction(read, "docs", "docs:read");
        index.DefineAction(write, "docs", "docs:write");
        index.DefineAction(otherServiceRead, "billing", "docs:read");
    }

    [Fact]
    public void direct_and_group_roles_both_grant_and_names_are_distinct_and_sorted()
    {
        var reader = index.AddRole(Guid.NewGuid(), "reader", null, null, DateTimeOffset.UtcNow);
        var writer = index.AddRole(Guid.NewGuid(), "writer", null, null, DateTimeOffset.UtcNow);
        index.Grant(reader, read);
        index.Grant(writer, read);
        index.Grant(writer, write);
        index.AssignUser(reader, user);
        index.AssignGroup(writer, group);
        index.AssignUser(writer, user);

        var check = index.Check(user, [group], "docs", "docs:read");
        Assert.True(check.Allowed);
        Assert.Equal(["reader", "writer"], check.Roles);
        Assert.Equal(["docs:read", "docs:write"], index.ActionsOf(user, [group], "docs"));
        // The same action name of another service is another action.
        Assert.False(index.Check(user, [group], "billing", "docs:read").Allowed);
        Assert.Empty(index.ActionsOf(user, [group], "billing"));
    }

    [Fact]
    public void group_role_applies_only_to_members_of_that_group()
    {
        var writer = index.AddRole(Guid.NewGuid(), "writer", null, null, DateTimeOffset.UtcNow);
        index.Grant(writer, write);
        index.AssignGroup(writer, group);
        Assert.True(index.Check(user, [group], "docs", "docs:write").Allowed);
        Assert.False(index.Check(user, [], "docs", "docs:write").Allowed);
        index.ForgetGroup(group);
        Assert.False(index.Check(user, [group], "docs", "docs:write").Allowed);
        Assert.Equal(0, index.GroupAssignments);
    }

    [Fact]
    public void revoking_action_unassigning_or_forgetting_the_user_takes_effect_at_once()
    {
        var role = index.AddRole(Guid.NewGuid(), "editor", null, null, DateTimeOffset.UtcNow);
        index.Grant(role, write);
        index.AssignUser(role, user);
        Assert.True(index.Check(user, [], "docs", "docs:write").Allowed);
        index.Revoke(role, write);
        Assert.False(index.Check(user, [], "docs", "docs:write").Allowed);
        index.Grant(role, write);
        index.UnassignUser(role, user);
        Assert.False(index.Check(user, [], "docs", "docs:write").Allowed);
        index.AssignUser(role, user);
        index.ForgetUser(user);
        Assert.False(index.Check(user, [], "docs", "docs:write").Allowed);
        Assert.Empty(role.Users);
        index.AssignUser(role, user);
        index.RemoveRole(role);
        Assert.False(index.Check(user, [], "docs", "docs:write").Allowed);
        Assert.Equal(0, index.UserAssignments);
    }
}
