using Microsoft.Extensions.DependencyInjection;
using Sentinel.Grains.Directory;

namespace Sentinel.Grains.Sessions;

/// <summary>What an issue needs to know about the user and the workspace, read fresh each time: a refresh issues the current role, slug and groups.</summary>
internal sealed record DirectoryRead(UserProfile? User, WorkspaceMemberClaims Member);

/// <summary>
/// Reads the user and their membership for the session grain. In the silo this asks the user and workspace grains;
/// grain tests register a fake so the session rules run without PostgreSQL.
/// </summary>
internal interface ISessionDirectory
{
    Task<DirectoryRead> ReadAsync(IGrainFactory grains, Guid userId, Guid workspaceId, CancellationToken cancellationToken);
}

internal sealed class GrainSessionDirectory : ISessionDirectory
{
    public static readonly GrainSessionDirectory Instance = new();

    public async Task<DirectoryRead> ReadAsync(IGrainFactory grains, Guid userId, Guid workspaceId, CancellationToken cancellationToken)
    {
        var user = grains.GetGrain<IUserGrain>(userId).GetAsync(cancellationToken);
        var member = grains.GetGrain<IWorkspaceGrain>(workspaceId).GetMemberClaimsAsync(userId, cancellationToken);
        return new DirectoryRead(await user, await member);
    }

    public static ISessionDirectory Resolve(IServiceProvider services) => services.GetService<ISessionDirectory>() ?? Instance;
}
