using System.Text.RegularExpressions;
using Sentinel.Grains.Admin;
using Sentinel.Grains.ClientApps;
using Sentinel.Grains.RateLimiting;
using Sentinel.Grains.ServiceApps;
using Sentinel.Web.SignIn;
using Sentinel.Web.Authorization;
using Sentinel.Web.Infrastructure.Cluster;
using Sentinel.Web.Cors;
using Sentinel.Web.Infrastructure.Errors;
using Sentinel.Web.Infrastructure.Conventions;
using static Sentinel.Web.Authorization.ContractRules;

namespace Sentinel.Web.Admin;

/// <summary>
/// <c>/admin/client-apps</c> and <c>/admin/service-apps</c> (docs/admin-directory.md). Keys resolve through <see cref="IServiceKeyGrain"/>,
/// which the service-app grain invalidates on update, rotation and deletion before it answers; each web replica keeps a
/// key's verdict for at most 500 ms, and the same grain pushes it out of every replica before it answers too
/// (<c>ServiceKeyVerdicts</c>). Client-app redirect URIs and service-app origins are read from the tables on each sign-in
/// or resolve. So a change here applies to the next request on every replica, unlike the original's per-process caches.
/// </summary>
public static partial class AdminAppsEndpoints
{
    public sealed record ClientAppResponse(Guid Id, string Name, IReadOnlyList<string> RedirectUris, bool IsActive, Guid? CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
    {
        public static ClientAppResponse From(ClientAppInfo a) => new(a.Id, a.Name, a.RedirectUris, a.IsActive, a.CreatedBy, a.CreatedAt, a.UpdatedAt);
    }

    public sealed record ServiceAppResponse(Guid Id, string Name, string ServiceName, string KeyPrefix, bool IsActive, IReadOnlyList<string> AllowedOrigins,
        IReadOnlyList<string> AllowedIdpAudiences, DateTimeOffset? LastUsedAt, Guid? CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
    {
        public static ServiceAppResponse From(ServiceAppInfo a) => new(a.Id, a.Name, a.ServiceName, a.KeyPrefix, a.IsActive, a.AllowedOrigins,
            a.AllowedIdpAudiences, a.LastUsedAt, a.CreatedBy, a.CreatedAt, a.UpdatedAt);
    }

    /// <summary>A service app with its plaintext key: only the create and rotate answers carry it.</summary>
    public sealed record ServiceAppWithKeyResponse(Guid Id, string Name, string ServiceName, string KeyPrefix, bool IsActive, IReadOnlyList<string> AllowedOrigins,
        IReadOnlyList<string> AllowedIdpAudiences, DateTimeOffset? LastUsedAt, Guid? CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string ApiKey)
    {
        public static ServiceAppWithKeyResponse From(ServiceAppWithKey k)
        {
            var a = k.App;
            return new(a.Id, a.Name, a.ServiceName, a.KeyPrefix, a.IsActive, a.AllowedOrigins, a.AllowedIdpAudiences, a.LastUsedAt, a.CreatedBy, a.CreatedAt, a.UpdatedAt, k.ApiKey);
        }
    }

    public sealed record CreateClientAppRequest(string? Name, List<string?>? RedirectUris);
    public sealed record UpdateClientAppRequest(string? Name, List<string?>? RedirectUris, bool? IsActive, bool? RevokeSessions);
    public sealed record CreateServiceAppRequest(string? Name, string? ServiceName, List<string?>? AllowedOrigins, List<string?>? AllowedIdpAudiences);
    public sealed record UpdateServiceAppRequest(string? Name, bool? IsActive, List<string?>? AllowedOrigins, List<string?>? AllowedIdpAudiences);

    [GeneratedRegex("^[a-z][a-z0-9-]*[a-z0-9]$")]
    public static partial Regex ServiceAppName();

    public static RouteGroupBuilder MapAdminAppsEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapGet("/client-apps", ListClientAppsAsync);
        admin.MapPost("/client-apps", CreateClientAppAsync);
        admin.MapGet("/client-apps/{app_id}", GetClientAppAsync);
        admin.MapPatch("/client-apps/{app_id}", UpdateClientAppAsync);
        admin.MapDelete("/client-apps/{app_id}", DeleteClientAppAsync);
        admin.MapGet("/service-apps", ListServiceAppsAsync);
        admin.MapPost("/service-apps", CreateServiceAppAsync).WithAdminRateLimit(RateLimitTier.Sensitive);
        admin.MapGet("/service-apps/{app_id}", GetServiceAppAsync);
        admin.MapPatch("/service-apps/{app_id}", UpdateServiceAppAsync);
        admin.MapDelete("/service-apps/{app_id}", DeleteServiceAppAsync);
        admin.MapPost("/service-apps/{app_id}/rotate-key", RotateKeyAsync).WithAdminRateLimit(RateLimitTier.Sensitive);
        return admin;
    }

    public static async Task<IResult> ListClientAppsAsync(AdminSession admin, GrainCalls calls, HttpContext context)
    {
        var apps = await calls.RunAsync((g, ct) => g.GetGrain<IAdminDirectoryQueryGrain>(0).ListClientAppsAsync(ct), context.RequestAborted);
        return Results.Json(apps.Select(ClientAppResponse.From));
    }

    public static async Task<IResult> CreateClientAppAsync(CreateClientAppRequest body, AdminSession admin, GrainCalls calls, CorsOrigins cors, HttpContext context)
    {
        var v = new RequestValidator().Required("name", body.Name).Length("name", body.Name, 1, 255);
        var uris = RedirectUris(v, body.RedirectUris, required: true);
        if (v.Failed) return v.Result();
        var id = Guid.NewGuid();
        var app = await calls.RunAsync((g, ct) => g.GetGrain<IClientAppGrain>(id).CreateAsync(SafeText.Clean(body.Name)!, uris!, admin.Caller.UserId, ct), context.RequestAborted);
        if (app is null) return ApiErrors.Result(400, "Failed to create client app", ErrorCodes.BadRequest);
        await RefreshCorsAsync(cors, context);
        return Results.Json(ClientAppResponse.From(app), statusCode: 201);
    }

    public static async Task<IResult> GetClientAppAsync(Guid app_id, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        var app = await calls.RunAsync((g, ct) => g.GetGrain<IClientAppGrain>(app_id).GetAsync(ct), context.RequestAborted);
        return app is null ? ClientAppNotFound() : Results.Json(ClientAppResponse.From(app));
    }

    public static async Task<IResult> UpdateClientAppAsync(Guid app_id, UpdateClientAppRequest body, AdminSession admin, GrainCalls calls, CorsOrigins cors, HttpContext context)
    {
        var v = new RequestValidator().Length("name", body.Name, 1, 255);
        var uris = RedirectUris(v, body.RedirectUris, required: false);
        if (v.Failed) return v.Result();
        var updated = await calls.RunAsync((g, ct) => g.GetGrain<IClientAppGrain>(app_id)
            .UpdateAsync(SafeText.Clean(body.Name), uris, body.IsActive, body.RevokeSessions ?? false, admin.Caller.UserId, ct), context.RequestAborted);
        if (updated is null) return ClientAppNotFound();
        await RefreshCorsAsync(cors, context);
        return Results.Json(ClientAppResponse.From(updated.App));
    }

    public static async Task<IResult> DeleteClientAppAsync(Guid app_id, AdminSession admin, GrainCalls calls, CorsOrigins cors, HttpContext context)
    {
        var deleted = await calls.RunAsync((g, ct) => g.GetGrain<IClientAppGrain>(app_id).DeleteAsync(admin.Caller.UserId, ct), context.RequestAborted);
        if (!deleted) return ClientAppNotFound();
        await RefreshCorsAsync(cors, context);
        return Results.NoContent();
    }

    public static async Task<IResult> ListServiceAppsAsync(AdminSession admin, GrainCalls calls, HttpContext context)
    {
        var apps = await calls.RunAsync((g, ct) => g.GetGrain<IAdminDirectoryQueryGrain>(0).ListServiceAppsAsync(ct), context.RequestAborted);
        return Results.Json(apps.Select(ServiceAppResponse.From));
    }

    public static async Task<IResult> CreateServiceAppAsync(CreateServiceAppRequest body, AdminSession admin, GrainCalls calls, CorsOrigins cors, HttpContext context)
    {
        var v = new RequestValidator()
            .Required("name", body.Name).Length("name", body.Name, 1, 255)
            .Required("service_name", body.ServiceName).Length("service_name", body.ServiceName, 2, 255).Pattern("service_name", body.ServiceName, ServiceAppName());
        var origins = Origins(v, body.AllowedOrigins) ?? [];
        var audiences = Strings(v, "allowed_idp_audiences", body.AllowedIdpAudiences) ?? [];
        if (v.Failed) return v.Result();
        var id = Guid.NewGuid();
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IServiceAppGrain>(id)
            .CreateAsync(SafeText.Clean(body.Name)!, body.ServiceName!, origins, audiences, admin.Caller.UserId, ct), context.RequestAborted);
        if (!result.IsOk) return ApiErrors.Result(400, "Failed to create service app", ErrorCodes.ServiceNameTaken);
        await RefreshCorsAsync(cors, context);
        return Results.Json(ServiceAppWithKeyResponse.From(result.Value!), statusCode: 201);
    }

    public static async Task<IResult> GetServiceAppAsync(Guid app_id, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        var app = await calls.RunAsync((g, ct) => g.GetGrain<IServiceAppGrain>(app_id).GetAsync(ct), context.RequestAborted);
        return app is null ? ServiceAppNotFound() : Results.Json(ServiceAppResponse.From(app));
    }

    public static async Task<IResult> UpdateServiceAppAsync(Guid app_id, UpdateServiceAppRequest body, AdminSession admin, GrainCalls calls, CorsOrigins cors, HttpContext context)
    {
        var v = new RequestValidator().Length("name", body.Name, 1, 255);
        var origins = Origins(v, body.AllowedOrigins);
        var audiences = Strings(v, "allowed_idp_audiences", body.AllowedIdpAudiences);
        if (v.Failed) return v.Result();
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IServiceAppGrain>(app_id)
            .UpdateAsync(SafeText.Clean(body.Name), body.IsActive, origins, audiences, admin.Caller.UserId, ct), context.RequestAborted);
        if (!result.IsOk) return ServiceAppNotFound();
        await RefreshCorsAsync(cors, context);
        return Results.Json(ServiceAppResponse.From(result.Value!));
    }

    public static async Task<IResult> DeleteServiceAppAsync(Guid app_id, AdminSession admin, GrainCalls calls, CorsOrigins cors, HttpContext context)
    {
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IServiceAppGrain>(app_id).DeleteAsync(admin.Caller.UserId, ct), context.RequestAborted);
        if (!result.IsOk) return ServiceAppNotFound();
        await RefreshCorsAsync(cors, context);
        return Results.NoContent();
    }

    /// <summary>
    /// App mutations rebuild the CORS allowlist: this replica takes the new allowlist before answering; the others poll. The write
    /// has already happened, so a cluster hiccup here is not the caller's error: the poll catches up within seconds.
    /// </summary>
    private static async Task RefreshCorsAsync(CorsOrigins cors, HttpContext context)
    {
        try { await cors.InvalidateAsync(context.RequestAborted); }
        catch (ApiException) { }
    }

    public static async Task<IResult> RotateKeyAsync(Guid app_id, AdminSession admin, GrainCalls calls, HttpContext context)
    {
        var result = await calls.RunAsync((g, ct) => g.GetGrain<IServiceAppGrain>(app_id).RotateKeyAsync(admin.Caller.UserId, ct), context.RequestAborted);
        return result.IsOk ? Results.Json(ServiceAppWithKeyResponse.From(result.Value!)) : ServiceAppNotFound();
    }

    /// <summary>Absolute http(s) URLs; null when absent and not required.</summary>
    private static IReadOnlyList<string>? RedirectUris(RequestValidator v, List<string?>? uris, bool required)
    {
        if (uris is null)
        {
            if (required) v.Required(Body("redirect_uris"), null);
            return null;
        }
        for (var i = 0; i < uris.Count; i++)
        {
            if (uris[i] is not { } uri || SafeText.HttpUrl(uri) is null)
                v.Add(new ValidationItem("url_parsing", Body("redirect_uris", i), "Input should be a valid URL with an http or https scheme", uris[i]));
        }
        return uris.Where(u => u is not null).Select(u => u!).ToArray();
    }

    /// <summary>
    /// A service app's CORS origins. <c>null</c> is refused: it is the origin of sandboxed iframes, <c>file:</c> pages and
    /// some redirects, so listing it would hand any such page a credentialed CORS answer (issue 23).
    /// </summary>
    private static IReadOnlyList<string>? Origins(RequestValidator v, List<string?>? values)
    {
        var origins = Strings(v, "allowed_origins", values);
        if (origins is null) return null;
        for (var i = 0; i < values!.Count; i++)
        {
            if (values[i] is { } value && CorsSetup.IsOpaqueOrigin(value))
                v.Add(new ValidationItem("value_error", Body("allowed_origins", i),
                    "Value error, the origin 'null' is not allowed: sandboxed iframes and file: pages send it, so it would admit any of them", value));
        }
        return origins;
    }

    private static IReadOnlyList<string>? Strings(RequestValidator v, string field, List<string?>? values)
    {
        if (values is null) return null;
        for (var i = 0; i < values.Count; i++)
            if (values[i] is null) v.Add(new ValidationItem("string_type", Body(field, i), "Input should be a valid string", null));
        return values.Where(s => s is not null).Select(s => s!.Trim()).ToArray();
    }

    private static IResult ClientAppNotFound() => ApiErrors.Result(404, "Client app not found", ErrorCodes.ClientAppNotFound);

    private static IResult ServiceAppNotFound() => ApiErrors.Result(404, "Service app not found", ErrorCodes.ServiceAppNotFound);
}
