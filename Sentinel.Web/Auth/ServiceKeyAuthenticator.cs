using Sentinel.Grains.ServiceApps;
using Sentinel.Web.Cluster;
using Sentinel.Web.Errors;
using Sentinel.Web.RateLimiting;

namespace Sentinel.Web.Auth;

/// <summary>Resolves <c>X-Service-Key</c> through <see cref="IServiceKeyGrain"/> (keyed by the key's SHA-256).</summary>
public sealed class ServiceKeyAuthenticator(GrainCalls calls)
{
    public const string Header = "X-Service-Key";

    /// <summary>The service the key belongs to, or null when the key is absent, unknown, rotated or inactive.</summary>
    public async Task<ServiceKeyIdentity?> TryResolveAsync(HttpContext context)
    {
        if (context.Features.Get<ServiceKeyIdentity>() is { } known) return known;
        var key = context.Request.Headers[Header].ToString();
        if (key.Length is 0 or > 256 || !key.StartsWith(Sentinel.Grains.ServiceApps.ServiceKeys.Prefix, StringComparison.Ordinal)) return null;
        var hash = Sentinel.Grains.ServiceApps.ServiceKeys.Hash(key);
        var identity = await calls.RunAsync((grains, ct) => grains.GetGrain<IServiceKeyGrain>(hash).ResolveAsync(ct), context.RequestAborted);
        if (identity is not null) context.Features.Set(identity);
        return identity;
    }

    /// <summary>
    /// Resolves a presented key before rate limiting, so calls authenticated by a service key count under the service
    /// tier and never against the caller's IP (§8.5). An invalid key leaves the request to the per-IP tiers.
    /// </summary>
    public static IApplicationBuilder UseServiceKeyPrincipal(IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.Request.Headers.ContainsKey(Header) && !RateLimiting.RateLimitGate.IsExemptPath(context.Request.Path))
        {
            var identity = await context.RequestServices.GetRequiredService<ServiceKeyAuthenticator>().TryResolveAsync(context);
            if (identity is not null) context.SetRateLimitPrincipal(RateLimiting.RateLimitPrincipal.Service(identity.ServiceName));
        }
        await next(context);
    });

    /// <summary>Key scheme: a valid key is required.</summary>
    public async Task<ServiceKeyIdentity> RequireAsync(HttpContext context) =>
        await TryResolveAsync(context) ?? throw ApiException.Unauthorized("Invalid or missing service API key", ErrorCodes.InvalidServiceKey);
}

/// <summary>Binds a required service key: <c>(ServiceKey key, …)</c>.</summary>
public sealed record ServiceKey(ServiceKeyIdentity Identity)
{
    public static async ValueTask<ServiceKey?> BindAsync(HttpContext context) =>
        new(await context.RequestServices.GetRequiredService<ServiceKeyAuthenticator>().RequireAsync(context));
}
