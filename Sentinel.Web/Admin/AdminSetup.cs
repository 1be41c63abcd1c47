using Sentinel.Web.Admin.Panel;

namespace Sentinel.Web.Admin;

/// <summary>Maps the admin feature: the admin API under <c>/admin</c> on both ports, and the panel on the admin port.</summary>
public static class AdminSetup
{
    public static IEndpointRouteBuilder MapSentinelAdmin(this IEndpointRouteBuilder app, int adminPort)
    {
        // The panel calls the API same-origin, so the API is on both ports.
        app.MapAdminEndpoints();
        app.MapAdminPanelEndpoints(adminPort);
        return app;
    }
}
