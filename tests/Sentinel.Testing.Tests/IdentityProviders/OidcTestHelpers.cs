using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Sentinel.Testing.IdentityProviders;

namespace Sentinel.Testing.Tests.IdentityProviders;

internal static class OidcTestHelpers
{
    public static (string Verifier, string Challenge) NewPkce()
    {
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        return (verifier, challenge);
    }

    public static string NewState() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16));

    /// <summary>Validates with Microsoft.IdentityModel, independently of the provider: JWKS signature, issuer, audience, lifetime.</summary>
    public static async Task<TokenValidationResult> ValidateAsync(OidcProviderFixture provider, string token, string audience)
    {
        var jwks = new JsonWebKeySet(await provider.GetJwksAsync());
        var parameters = new TokenValidationParameters
        {
            ValidIssuer = provider.Issuer,
            ValidAudience = audience,
            IssuerSigningKeys = jwks.GetSigningKeys(),
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.FromSeconds(5),
        };
        return await new JsonWebTokenHandler().ValidateTokenAsync(token, parameters);
    }

    /// <summary>The token endpoint call of the code flow; credentials in the body (post) or in Basic auth.</summary>
    public static async Task<(int Status, JsonObject Body)> ExchangeCodeAsync(
        OidcProviderFixture provider, OidcClient client, string code, string redirectUri, string? verifier, bool basicAuth = false)
    {
        using var http = new HttpClient();
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = redirectUri,
        };
        if (verifier is not null) form["code_verifier"] = verifier;
        using var request = new HttpRequestMessage(HttpMethod.Post, provider.TokenEndpoint);
        if (basicAuth)
        {
            var credentials = $"{Uri.EscapeDataString(client.ClientId)}:{Uri.EscapeDataString(client.ClientSecret)}";
            request.Headers.Authorization = new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        }
        else
        {
            form["client_id"] = client.ClientId;
            form["client_secret"] = client.ClientSecret;
        }
        request.Content = new FormUrlEncodedContent(form);
        using var response = await http.SendAsync(request);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        return ((int)response.StatusCode, body);
    }
}
