using Sentinel.Web.Tokens;

namespace Sentinel.Web.Authorization;

/// <summary>Binds the flexible-bearer caller: access tokens, or authz tokens with a valid key of the same service.</summary>
public sealed record FlexibleBearer(BearerCaller Caller)
{
    public static async ValueTask<FlexibleBearer?> BindAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var caller = await services.GetRequiredService<BearerAuthenticator>().FlexibleAsync(context, async () =>
        {
            // An invalid key silently means "access tokens only" (the contract: a bad service key never fails a request that a bearer token alone may make).
            var key = await services.GetRequiredService<ServiceKeyAuthenticator>().TryResolveAsync(context);
            return key?.ServiceName;
        });
        return new FlexibleBearer(caller);
    }
}
