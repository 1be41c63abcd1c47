namespace Sentinel.Web.AdminPanel;

/// <summary>The admin panel on ADMIN_PORT (same process). A placeholder until the admin issue lands.</summary>
public static class AdminPanelEndpoints
{
    private const string Page = """
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><title>Sentinel admin</title>
        <style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1b1b1b}</style></head>
        <body><main><h1>Sentinel admin</h1><p>The admin panel is not built yet. The API answers on its own port; <code>/health</code> shows it is up.</p></main></body>
        </html>
        """;

    public static IEndpointRouteBuilder MapAdminPanelEndpoints(this IEndpointRouteBuilder app, int adminPort)
    {
        if (adminPort <= 0) return app;
        app.MapGet("/", () => Results.Content(Page, "text/html; charset=utf-8"))
            .RequireHost($"*:{adminPort}")
            .ExcludeFromDescription();
        return app;
    }
}
