using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Sentinel.Web.Infrastructure.Conventions;

namespace Sentinel.Web.Sessions;

/// <summary>
/// The client's <c>Idempotency-Key</c> on <c>/auth/refresh</c>: a retry of a refresh whose reply was lost (a web
/// replica killed mid-request, a dropped connection) sends the same refresh token with the same key, through any
/// replica, and gets the pair the first attempt stored instead of a reuse verdict.
/// </summary>
/// <remarks>
/// The grain's request id is derived from the key <em>and</em> the presented token's jti, so a key replays only the
/// rotation of that one token, only while it is the family's last rotation, and only within the grain's request
/// memory (2 minutes). Anyone else presenting the rotated token — without the key — still trips reuse detection.
/// </remarks>
public static partial class RefreshIdempotency
{
    public const string Header = "Idempotency-Key";

    /// <summary>Shortest key accepted: a key must carry enough randomness that nobody else can guess it (a UUID is 36).</summary>
    public const int MinLength = 16;

    public const int MaxLength = 255;

    /// <summary>The header's value, if sent; a present but malformed key is a 422 on <paramref name="validator"/>.</summary>
    public static string? Read(HttpContext context, RequestValidator validator)
    {
        if (!context.Request.Headers.TryGetValue(Header, out var values)) return null;
        var key = values.Count == 1 ? values[0] ?? "" : string.Join(",", values.ToArray());
        validator.Length(Header, key, MinLength, MaxLength, "header").Pattern(Header, key, VisibleAscii(), "header");
        return key;
    }

    /// <summary>The session grain's request id for this key and this refresh token; every replica derives the same one.</summary>
    public static Guid RequestId(string key, Guid refreshJti)
    {
        Span<byte> input = stackalloc byte[16 + Encoding.ASCII.GetByteCount(key)];
        refreshJti.TryWriteBytes(input);
        Encoding.ASCII.GetBytes(key, input[16..]);
        Span<byte> hash = stackalloc byte[32];
        HMACSHA256.HashData(Domain, input, hash);
        return new Guid(hash[..16]);
    }

    private static readonly byte[] Domain = "sentinel/refresh/idempotency-key/v1"u8.ToArray();

    [GeneratedRegex("^[\\x21-\\x7E]+$")]
    private static partial Regex VisibleAscii();
}
