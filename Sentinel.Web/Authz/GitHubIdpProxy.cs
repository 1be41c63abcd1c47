using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.WebUtilities;
using Sentinel.Grains.Authorization;
using Sentinel.Web.Cluster;
using Sentinel.Web.Errors;
using Sentinel.Web.Providers;
using Sentinel.Web.Tokens;
using Sentinel.Web.Validation;

namespace Sentinel.Web.Authz;

/// <summary>
/// The GitHub leg of authz mode for browsers (docs/authorization.md, "Authz mode"): GitHub has no implicit flow, so Sentinel exchanges the code and
/// hands the GitHub token back in the URL fragment. Unlike the original, the redirect origin must be allowed (an active service
/// app's origin or an active client app's redirect origin), the state is bound to the browser by an encrypted cookie
/// and compared in constant time, the nonce travels in that cookie, and every parameter is encoded.
/// </summary>
public static partial class GitHubIdpProxy
{
    public const string CookieName = "sentinel_authz_idp";
    public const string CookiePath = "/authz/idp/github";
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);
    private const string Purpose = "Sentinel.Authz.GitHubIdpProxy.v1";

    private sealed record Pending(string State, string RedirectUri, string Nonce);

    public static async Task<IResult> LoginAsync(string provider, string? redirect_uri, string? nonce, ProviderSettings providers, JwtSettings jwt,
        AuthzSettings settings, IDataProtectionProvider protection, GrainCalls calls, HttpContext context)
    {
        var v = new RequestValidator()
            .Required("redirect_uri", redirect_uri, "query").Length("redirect_uri", redirect_uri, 1, 2048, "query")
            .Required("nonce", nonce, "query").Length("nonce", nonce, 1, 256, "query");
        if (v.Failed) return v.Result();
        if (provider != "github") return ApiErrors.Result(400, $"Proxy login not supported for {provider}", ErrorCodes.ProxyNotSupported);
        if (providers.Find("github") is not { ClientSecret.Length: > 0 } github)
            return ApiErrors.Result(400, "GitHub OAuth is not configured", ErrorCodes.GitHubNotConfigured);
        if (!await IsAllowedRedirectAsync(redirect_uri!, calls, context)) return RedirectNotAllowed();

        var state = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var sealedState = Protector(protection).Protect(JsonSerializer.Serialize(new Pending(state, redirect_uri!, nonce!)), Lifetime);
        context.Response.Cookies.Append(CookieName, sealedState, CookieOptions(settings, Lifetime));
        var authorize = QueryHelpers.AddQueryString($"{providers.GitHubOAuthBaseUrl}/login/oauth/authorize", new Dictionary<string, string?>
        {
            ["client_id"] = github.ClientId,
            ["redirect_uri"] = CallbackUrl(jwt),
            ["scope"] = "read:user user:email",
            ["state"] = state,
        });
        context.Response.Headers.CacheControl = "no-store";
        return Results.Redirect(authorize);
    }

    public static async Task<IResult> CallbackAsync(string provider, string? code, string? state, string? error, ProviderSettings providers, JwtSettings jwt,
        AuthzSettings settings, IDataProtectionProvider protection, IHttpClientFactory httpClients, GrainCalls calls, HttpContext context)
    {
        if (provider != "github") return ApiErrors.Result(400, $"Proxy callback not supported for {provider}", ErrorCodes.ProxyNotSupported);
        context.Response.Headers.CacheControl = "no-store";
        // Single use: whatever happens next, this login attempt is over.
        var pending = Unprotect(protection, context.Request.Cookies[CookieName]);
        context.Response.Cookies.Delete(CookieName, CookieOptions(settings, null));
        if (pending is null)
            return ApiErrors.Result(400, "No redirect_uri in session — start from /authz/idp/{provider}/login", ErrorCodes.IdpSessionMissing);
        if (!StateMatches(state, pending.State)) return ApiErrors.Result(400, "Invalid OAuth state", ErrorCodes.IdpStateMismatch);
        if (!string.IsNullOrEmpty(error)) return ApiErrors.Result(400, $"GitHub OAuth error: {error}", ErrorCodes.GitHubOAuthError);
        var v = new RequestValidator().Required("code", code, "query").Length("code", code, 1, 512, "query");
        if (v.Failed) return v.Result();
        if (providers.Find("github") is not { ClientSecret.Length: > 0 } github)
            return ApiErrors.Result(400, "GitHub OAuth is not configured", ErrorCodes.GitHubNotConfigured);

        string? accessToken;
        string? oauthError;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"{providers.GitHubOAuthBaseUrl}/login/oauth/access_token")
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["client_id"] = github.ClientId,
                    ["client_secret"] = github.ClientSecret,
                    ["code"] = code!,
                    ["redirect_uri"] = CallbackUrl(jwt),
                }),
            };
            request.Headers.Accept.ParseAdd("application/json");
            request.Headers.UserAgent.ParseAdd("Sentinel");
            using var response = await httpClients.CreateClient(IdpTokenValidator.HttpClientName).SendAsync(request, context.RequestAborted);
            if (response.StatusCode != HttpStatusCode.OK) return ExchangeFailed();
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(context.RequestAborted));
            accessToken = Text(json.RootElement, "access_token");
            oauthError = Text(json.RootElement, "error_description") ?? Text(json.RootElement, "error") ?? "unknown";
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or IOException
            || (ex is OperationCanceledException && !context.RequestAborted.IsCancellationRequested))
        {
            return ExchangeFailed();
        }
        if (string.IsNullOrEmpty(accessToken)) return ApiErrors.Result(400, $"GitHub OAuth error: {oauthError}", ErrorCodes.GitHubOAuthError);

        // The allowlist may have changed in the ten minutes since login: check again before handing out a token.
        if (!await IsAllowedRedirectAsync(pending.RedirectUri, calls, context)) return RedirectNotAllowed();
        var fragment = $"id_token={Uri.EscapeDataString(accessToken)}&nonce={Uri.EscapeDataString(pending.Nonce)}";
        context.Response.Headers["Referrer-Policy"] = "no-referrer";
        return Results.Redirect($"{pending.RedirectUri}#{fragment}");

        static string? Text(JsonElement e, string name) => e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
    }

    /// <summary>Absolute http(s), no user info or fragment, and its origin on the allowlist.</summary>
    private static async Task<bool> IsAllowedRedirectAsync(string redirectUri, GrainCalls calls, HttpContext context)
    {
        if (!Uri.TryCreate(redirectUri, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || uri.UserInfo.Length > 0 || redirectUri.Contains('#', StringComparison.Ordinal))
            return false;
        var origin = uri.GetLeftPart(UriPartial.Authority).ToLowerInvariant();
        return await calls.RunAsync((g, ct) => g.GetGrain<IAuthorizationLookupGrain>(0).IsAllowedRedirectOriginAsync(origin, ct), context.RequestAborted);
    }

    /// <summary>Equal length digests compared in constant time: neither content nor length of the stored state leaks.</summary>
    private static bool StateMatches(string? presented, string expected) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));

    private static ITimeLimitedDataProtector Protector(IDataProtectionProvider protection) =>
        protection.CreateProtector(Purpose).ToTimeLimitedDataProtector();

    private static Pending? Unprotect(IDataProtectionProvider protection, string? cookie)
    {
        if (string.IsNullOrEmpty(cookie)) return null;
        try
        {
            return JsonSerializer.Deserialize<Pending>(Protector(protection).Unprotect(cookie));
        }
        catch (Exception ex) when (ex is CryptographicException or JsonException or FormatException)
        {
            // Tampered, expired or from a retired key ring: no session.
            return null;
        }
    }

    private static CookieOptions CookieOptions(AuthzSettings settings, TimeSpan? maxAge) => new()
    {
        Path = CookiePath,
        HttpOnly = true,
        SameSite = SameSiteMode.Lax,
        Secure = settings.CookieSecure,
        MaxAge = maxAge,
        IsEssential = true,
    };

    private static string CallbackUrl(JwtSettings jwt) => $"{jwt.Issuer}/authz/idp/github/callback";

    private static IResult RedirectNotAllowed() => ApiErrors.Result(400, "Redirect URI is not allowed", ErrorCodes.RedirectNotAllowed);

    private static IResult ExchangeFailed() => ApiErrors.Result(502, "GitHub code exchange failed", ErrorCodes.GitHubExchangeFailed);
}
