using System.Text.Json.Serialization;

namespace Sentinel.Web.Tokens;

/// <summary>The token answer of sign-in and refresh: access and refresh token, <c>bearer</c>, seconds to expiry.</summary>
public sealed record TokenPairResponse(
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("refresh_token")] string RefreshToken,
    [property: JsonPropertyName("token_type")] string TokenType,
    [property: JsonPropertyName("expires_in")] int ExpiresIn);
