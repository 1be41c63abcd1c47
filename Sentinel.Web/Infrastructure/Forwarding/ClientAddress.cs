namespace Sentinel.Web.Infrastructure.Forwarding;

/// <summary>The client's address for activity rows, the sign-in audit and the sessions list.</summary>
public static class ClientAddress
{
    /// <summary>
    /// The same client rate limiting sees (docs/rate-limiting.md: the peer, or behind <c>BEHIND_PROXY</c> the <c>TRUSTED_PROXY_COUNT</c>-th
    /// <c>X-Forwarded-For</c> entry from the right), in full: no /64 grouping. Worked out once per request.
    /// </summary>
    public static string? Of(HttpContext context) => ClientAddressResolver.Of(context);

    /// <summary>The User-Agent, cut to a length worth keeping.</summary>
    public static string? UserAgent(HttpContext context) =>
        context.Request.Headers.UserAgent.ToString() is { Length: > 0 } ua ? (ua.Length > 256 ? ua[..256] : ua) : null;
}
