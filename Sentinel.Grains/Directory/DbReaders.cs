using System.Data.Common;
using Sentinel.Grains.Directory;

namespace Sentinel.Grains.Directory;

/// <summary>Row readers shared by the directory grains, so each SELECT lists its columns once in one order.</summary>
internal static class DbReaders
{
    public const string UserColumns = "id, email, name, avatar_url, is_active, is_admin, created_at, updated_at";

    public static UserProfile User(DbDataReader r) => new(
        r.GetGuid(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3),
        r.GetBoolean(4), r.GetBoolean(5), r.GetFieldValue<DateTimeOffset>(6), r.GetFieldValue<DateTimeOffset>(7));

    public const string WorkspaceColumns = "id, slug, name, description, created_by, created_at";

    public static WorkspaceInfo Workspace(DbDataReader r) => new(
        r.GetGuid(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3),
        r.IsDBNull(4) ? null : r.GetGuid(4), r.GetFieldValue<DateTimeOffset>(5));

    public const string GroupColumns = "id, workspace_id, name, description, created_by, created_at";

    public static GroupInfo Group(DbDataReader r) => new(
        r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3),
        r.IsDBNull(4) ? null : r.GetGuid(4), r.GetFieldValue<DateTimeOffset>(5));

    public static WorkspaceRole Role(string name) =>
        WorkspaceRoles.TryParse(name, out var role) ? role : throw new InvalidOperationException($"Unknown stored role '{name}'.");
}
