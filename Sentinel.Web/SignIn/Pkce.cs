using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace Sentinel.Web.SignIn;

/// <summary>PKCE S256 (RFC 7636) and Sentinel's own authorization codes (one use, short-lived).</summary>
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
