using System.Security.Cryptography;
using System.Text;

namespace Sentinel.Grains.ServiceApps;

/// <summary>
/// The service-key format shared by the edge and the grains: <c>sk_</c> + 32 random bytes (base64url, 43 chars),
/// stored only as SHA-256 hex plus a display prefix.
/// </summary>
public static class ServiceKeys
{
    /// <summary>Every key starts with this.</summary>
    public const string Prefix = "sk_";

    /// <summary>A new random key.</summary>
    public static string NewKey() => Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));

    /// <summary>Lowercase hex SHA-256 of the key, as stored in <c>service_apps.key_hash</c>.</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary><c>sk_</c> + 4 characters + <c>****</c>.</summary>
    public static string DisplayPrefix(string key) => key[..Math.Min(key.Length, Prefix.Length + 4)] + "****";

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
