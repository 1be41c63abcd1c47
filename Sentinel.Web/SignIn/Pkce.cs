using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace Sentinel.Web.SignIn;

/// <summary>PKCE S256 (RFC 7636) and Sentinel's own authorization codes: 32 random bytes, single use, 300 s.</summary>
public static class Pkce
{
    public const string S256 = "S256";

    /// <summary>base64url-no-pad(SHA-256(verifier)) equals the stored challenge, compared in constant time.</summary>
    public static bool Verify(string verifier, string challenge)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.ASCII.GetBytes(verifier), hash);
        var computed = Encoding.ASCII.GetBytes(WebEncoders.Base64UrlEncode(hash));
        var stored = Encoding.UTF8.GetBytes(challenge);
        return CryptographicOperations.FixedTimeEquals(computed, stored);
    }

    /// <summary>32 random bytes, base64url without padding: 43 characters.</summary>
    public static string NewCode() => WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
}

/// <summary>The client's address for activity rows, the sign-in audit and the sessions list.</summary>
public static class ClientAddress
{
    /// <summary>
    /// The same client rate limiting sees (the peer, or behind <c>BEHIND_PROXY</c> the <c>TRUSTED_PROXY_COUNT</c>-th
    /// <c>X-Forwarded-For</c> entry from the right), in full: no /64 grouping. Worked out once per request.
    /// </summary>
    public static string? Of(HttpContext context) => Forwarding.ClientAddressResolver.Of(context);

    /// <summary>The User-Agent, cut to a length worth keeping.</summary>
    public static string? UserAgent(HttpContext context) =>
        context.Request.Headers.UserAgent.ToString() is { Length: > 0 } ua ? (ua.Length > 256 ? ua[..256] : ua) : null;
}
