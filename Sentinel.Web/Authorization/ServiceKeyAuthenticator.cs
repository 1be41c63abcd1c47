using Sentinel.Grains.Authorization;
using Sentinel.Grains.ServiceApps;
using Sentinel.Web.Infrastructure.Cluster;
using Sentinel.Web.Infrastructure.Errors;
using Sentinel.Web.RateLimiting;
using Sentinel.Web.Tokens;

namespace Sentinel.Web.Authorization;

/// <summary>How a request identified its service (the "service context": a key, else a known <c>Origin</c>).</summary>
/// <param name="Identity">The service app.</param>
/// <param name="ByOrigin">Identified by the <c>Origin</c> header alone: browser traffic, lower trust than a key (any non-browser caller can send any Origin).</param>
public sealed record ServiceContext(ServiceKeyIdentity Identity, bool ByOrigin)
{
    public string ServiceName => Identity.ServiceName;
}

/// <summary>Resolves <c>X-Service-Key</c> through <see cref="IServiceKeyGrain"/> (keyed by the key's SHA-256).</summary>
public sealed class ServiceKeyAuthenticator(GrainCalls calls, Sentinel.Web.Authorization.ServiceKeyVerdicts verdicts)
{
    public const string Header = "X-Service-Key";

    /// <summary>The service the key belongs to, or null when the key is absent, unknown, rotated or inactive.</summary>
    public async Task<ServiceKeyIdentity?> TryResolveAsync(HttpContext context)
    {
        if (context.Features.Get<ServiceKeyIdentity>() is { } known) return known;
        var key = context.Request.Headers[Header].ToString();
        if (key.Length is 0 or > 256 || !key.StartsWith(Sentinel.Grains.ServiceApps.ServiceKeys.Prefix, StringComparison.Ordinal)) return null;
        var hash = Sentinel.Grains.ServiceApps.ServiceKeys.Hash(key);
        // From this replica's verdicts (kept at most 500 ms, dropped at once when the key changes), else the key grain.
        var identity = await verdicts.ResolveAsync(hash, context.RequestAborted);
        if (identity is not null) context.Features.Set(identity);
        return identity;
    }

    /// <summary>
    /// Resolves a presented key before rate limiting, so calls authenticated by a service key count under the service
    /// tier and never against the caller's IP (docs/rate-limiting.md). An invalid key leaves the request to the per-IP tiers.
    /// </summary>
    /// <remarks>
    /// On <c>/authz/resolve</c> (the one route whose tier is <see cref="Sentinel.Grains.RateLimiting.RateLimitTier.AuthzResolve"/>),
    /// a request without a key but with the <c>Origin</c> of an active service app counts under that service and the IP
    /// (docs/rate-limiting.md); the resolved context is kept for the handler.
    /// </remarks>
    public static IApplicationBuilder UseServiceKeyPrincipal(IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.Request.Headers.ContainsKey(Header) && !RateLimiting.RateLimitGate.IsExemptPath(context.Request.Path))
        {
            var identity = await context.RequestServices.GetRequiredService<ServiceKeyAuthenticator>().TryResolveAsync(context);
            if (identity is not null) context.SetRateLimitPrincipal(RateLimiting.RateLimitPrincipal.Service(identity.ServiceName));
        }
        else if (context.Request.Headers.Origin.Count > 0
            && context.GetEndpoint()?.Metadata.GetMetadata<RateLimitTierMetadata>()?.Tier == Sentinel.Grains.RateLimiting.RateLimitTier.AuthzResolve)
        {
            try
            {
                var service = await context.RequestServices.GetRequiredService<ServiceKeyAuthenticator>().ResolveContextAsync(context);
                context.SetRateLimitPrincipal(RateLimiting.RateLimitPrincipal.Origin(service.ServiceName));
            }
            catch (ApiException)
            {
                // Unregistered origin: the per-IP bucket applies, and the handler answers 401.
            }
        }
        await next(context);
    });

    /// <summary>
    /// Key scheme: a valid key is required. The three refusals of the key scheme: a key that does not resolve; no key and an
    /// unknown origin; no key but a known origin (origin identity is not enough here).
    /// </summary>
    public async Task<ServiceKeyIdentity> RequireAsync(HttpContext context)
    {
        var service = await ResolveContextAsync(context);
        if (service.ByOrigin) throw ApiException.Unauthorized("Service key required", ErrorCodes.ServiceKeyRequired);
        return service.Identity;
    }

    /// <summary>Service context: a key (which must be valid when sent), else an <c>Origin</c> listed by an active service app.</summary>
    public async Task<ServiceContext> ResolveContextAsync(HttpContext context)
    {
        if (context.Features.Get<ServiceContext>() is { } known) return known;
        ServiceContext service;
        // An empty header counts as absent, as in the original (`if key:`).
        if (!string.IsNullOrEmpty(context.Request.Headers[Header]))
        {
            service = new ServiceContext(await TryResolveAsync(context)
                ?? throw ApiException.Unauthorized("Invalid or missing service API key", ErrorCodes.InvalidServiceKey), ByOrigin: false);
        }
        else
        {
            var origin = context.Request.Headers.Origin.ToString();
            var identity = origin.Length is > 0 and <= 2048
                ? await calls.RunIdempotentAsync((grains, ct) => grains.GetGrain<IAuthorizationLookupGrain>(0).FindServiceByOriginAsync(origin, ct), context.RequestAborted)
                : null;
            service = new ServiceContext(identity
                ?? throw ApiException.Unauthorized("Missing service API key or unregistered origin", ErrorCodes.MissingServiceKey), ByOrigin: true);
        }
        context.Features.Set(service);
        return service;
    }
}

/// <summary>Binds a required service key: <c>(ServiceKey key, …)</c>.</summary>
public sealed record ServiceKey(ServiceKeyIdentity Identity)
{
    public string ServiceName => Identity.ServiceName;

    public static async ValueTask<ServiceKey?> BindAsync(HttpContext context) => await AuthenticateAsync(context);

    /// <summary>For handlers that bind their body first (malformed JSON answers 422 before authentication).</summary>
    public static async Task<ServiceKey> AuthenticateAsync(HttpContext context) =>
        new(await context.RequestServices.GetRequiredService<ServiceKeyAuthenticator>().RequireAsync(context));
}

/// <summary>Binds the service context of <c>/authz/resolve</c>: a key, else a registered <c>Origin</c>.</summary>
public sealed record ServiceCaller(ServiceContext Context)
{
    public static async ValueTask<ServiceCaller?> BindAsync(HttpContext context) => await AuthenticateAsync(context);

    /// <summary>For handlers that bind their body first (malformed JSON answers 422 before authentication).</summary>
    public static async Task<ServiceCaller> AuthenticateAsync(HttpContext context) =>
        new(await context.RequestServices.GetRequiredService<ServiceKeyAuthenticator>().ResolveContextAsync(context));
}

/// <summary>
/// Dual scheme: a valid service key, and a bearer that is an access token or an authz token minted for that
/// same service. Revocation and deactivation are checked for both kinds (the original skipped them for authz tokens).
/// </summary>
public sealed record ServiceUser(ServiceKeyIdentity Service, BearerCaller Caller)
{
    public static async ValueTask<ServiceUser?> BindAsync(HttpContext context) => await AuthenticateAsync(context);

    /// <summary>For handlers that bind their body first (malformed JSON answers 422 before authentication).</summary>
    public static async Task<ServiceUser> AuthenticateAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var key = await services.GetRequiredService<ServiceKeyAuthenticator>().RequireAsync(context);
        var caller = await services.GetRequiredService<BearerAuthenticator>().FlexibleAsync(context, () => Task.FromResult<string?>(key.ServiceName));
        return new ServiceUser(key, caller);
    }
}
