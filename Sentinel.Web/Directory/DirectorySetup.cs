namespace Sentinel.Web.Directory;

/// <summary>Maps the directory feature: users, workspaces and their members, groups.</summary>
public static class DirectorySetup
{
    /// <summary><c>/users</c>, <c>/workspaces</c> and <c>/workspaces/{id}/groups</c>.</summary>
    public static IEndpointRouteBuilder MapSentinelDirectory(this IEndpointRouteBuilder app)
    {
        app.MapUsersEndpoints();
        app.MapWorkspacesEndpoints();
        app.MapGroupsEndpoints();
        return app;
    }
}
