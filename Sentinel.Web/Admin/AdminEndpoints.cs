namespace Sentinel.Web.Admin;

/// <summary>
/// The admin API (docs/admin-api.md): every route under <c>/admin</c>, authenticated by the <c>admin_token</c> cookie through an
/// <see cref="Auth.AdminSession"/> parameter. No host restriction: the panel on ADMIN_PORT calls these same-origin.
/// </summary>
public static class AdminEndpoints
{
    /// <summary>Maps the <c>/admin</c> group and each admin feature under it.</summary>
    public static RouteGroupBuilder MapAdminEndpoints(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin");
        admin.MapAdminSystemEndpoints();
        admin.MapAdminUsersEndpoints();
        admin.MapAdminCsvEndpoints();
        admin.MapAdminClusterEndpoints();
        admin.MapAdminDirectoryEndpoints();
        admin.MapAdminMetricsEndpoints();
        // The dashboard's series: this replica's increments of Sentinel's meters go to the metrics grain.
        AdminMetricsReporter.Start(app.ServiceProvider);
        return admin;
    }
}
