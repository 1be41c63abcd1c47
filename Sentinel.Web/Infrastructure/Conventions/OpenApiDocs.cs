
namespace Sentinel.Web.Infrastructure.Conventions;

/// <summary><c>/openapi.json</c>, <c>/docs</c> (Swagger UI) and <c>/redoc</c>, generated from the endpoints, only with <c>DEBUG=true</c>. The viewers' assets are embedded: no CDN.</summary>
public static class OpenApiDocs
{
    public static IServiceCollection AddSentinelOpenApi(this IServiceCollection services, bool debug)
    {
        if (debug)
            services.AddOpenApi("v1", o => o.AddDocumentTransformer((doc, _, _) =>
            {
                doc.Info.Title = "Sentinel";
                doc.Info.Version = "0.1.0";
                return Task.CompletedTask;
            }));
        return services;
    }

    public static WebApplication MapSentinelOpenApi(this WebApplication app, bool debug)
    {
        if (!debug) return app;
        app.MapOpenApi("/openapi.json");
        app.UseSwaggerUI(o =>
        {
            o.RoutePrefix = "docs";
            o.SwaggerEndpoint("/openapi.json", "Sentinel");
        });
        app.UseReDoc(o =>
        {
            o.RoutePrefix = "redoc";
            o.SpecUrl = "/openapi.json";
        });
        return app;
    }
}
