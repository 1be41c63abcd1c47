namespace Sentinel.Client;

/// <summary>A workspace role (<c>wrole</c>), ordered by rank: viewer &lt; editor &lt; admin &lt; owner.</summary>
public enum Role
{
    /// <summary><c>viewer</c></summary>
    Viewer = 0,

    /// <summary><c>editor</c></summary>
    Editor = 1,

    /// <summary><c>admin</c></summary>
    Admin = 2,

    /// <summary><c>owner</c></summary>
    Owner = 3,
}

internal static class Roles
{
    /// <summary>The role named by a <c>wrole</c> claim; an unknown name ranks below all.</summary>
    public static Role? Parse(string? value) => value switch
    {
        "viewer" => Role.Viewer,
        "editor" => Role.Editor,
        "admin" => Role.Admin,
        "owner" => Role.Owner,
        _ => null,
    };

    public static string Name(Role role) => role switch
    {
        Role.Viewer => "viewer",
        Role.Editor => "editor",
        Role.Admin => "admin",
        Role.Owner => "owner",
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };
}
