namespace Sentinel.Grains.Directory;

/// <summary>What an access token needs from a workspace for one user: read fresh at every issue, never copied from the old token.</summary>
/// <param name="Exists">Whether the workspace exists.</param>
/// <param name="Slug">Its slug (empty when it does not exist).</param>
/// <param name="Role">The user's role, or null when not a member.</param>
/// <param name="Groups">The user's groups in the workspace.</param>
[GenerateSerializer, Immutable, Alias("sentinel.WorkspaceMemberClaims")]
public sealed record WorkspaceMemberClaims(
    [property: Id(0)] bool Exists,
    [property: Id(1)] string Slug,
    [property: Id(2)] WorkspaceRole? Role,
    [property: Id(3)] IReadOnlyList<Guid> Groups);
