using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Sentinel.Grains.Directory;
using Sentinel.Web.SignIn;
using Sentinel.Web.Infrastructure.Conventions;

namespace Sentinel.Web.Authorization;

/// <summary>The verdict on an IdP token presented to <c>/authz/resolve</c>. Expected outcomes are values.</summary>
public abstract record IdpCheck
{
    /// <summary>The token is genuine, for an allowed audience, with a verified email. <c>Subject</c> is the <c>idp_sub</c>.</summary>
    public sealed record Valid(ExternalIdentity Identity) : IdpCheck;

    /// <summary>The token is refused: 400 with the contract's detail.</summary>
    public sealed record Refused(string Detail, string Code) : IdpCheck;

    /// <summary>The provider (its discovery document, keys or API) could not be reached: 502.</summary>
    public sealed record Unavailable : IdpCheck;
}

/// <summary>
/// Validates IdP tokens for authz mode (docs/authorization.md, "Authz mode"). OpenID Connect providers (Google, Entra ID, generic) are checked
/// against the JWKS of their discovery document, with <c>iss</c> equal to the discovery issuer, RS256 only, and
/// <c>aud</c> bound to the calling service's <c>allowed_idp_audiences</c> (empty: the provider's own client id).
/// Discovery documents and keys are cached per provider and refreshed hourly, or at once when a token names an
/// unknown key. GitHub's opaque tokens are accepted only when GitHub confirms they were issued to our OAuth app (a token minted for another app is refused).
/// </summary>
public sealed partial class IdpTokenValidator(ProviderSettings providers, IHttpClientFactory httpClients, TimeProvider time, ILogger<IdpTokenValidator> logger)
{
    /// <summary>The named HTTP client for provider calls (10 s timeout).</summary>
    public const string HttpClientName = "sentinel-idp";

    private readonly ConcurrentDictionary<string, ConfigurationManager<OpenIdConnectConfiguration>> managers = new(StringComparer.Ordinal);
    private readonly JsonWebTokenHandler handler = new() { MapInboundClaims = false };

    [GeneratedRegex("^[A-Za-z0-9_.\\-]{1,512}$")]
    private static partial Regex GitHubTokenShape();

    public async Task<IdpCheck> ValidateAsync(string providerId, string token, IReadOnlyList<string> allowedAudiences, CancellationToken cancellationToken)
    {
        if (providers.Find(providerId) is not { } provider)
            return new IdpCheck.Refused($"Unsupported provider: {providerId}", ErrorCodes.UnsupportedProvider);
        try
        {
            return provider.Kind == ProviderKind.GitHub
                ? await ValidateGitHubAsync(provider, token, cancellationToken)
                : await ValidateOidcAsync(provider, token, allowedAudiences.Count > 0 ? allowedAudiences : [provider.ClientId], cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or JsonException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogUnavailable(logger, provider.Id, ex.GetType().Name);
            return new IdpCheck.Unavailable();
        }
    }

    private async Task<IdpCheck> ValidateOidcAsync(ProviderConfig provider, string token, IReadOnlyList<string> audiences, CancellationToken cancellationToken)
    {
        var manager = managers.GetOrAdd(provider.Id, _ => CreateManager(provider));
        for (var attempt = 0; ; attempt++)
        {
            OpenIdConnectConfiguration configuration;
            try
            {
                configuration = await manager.GetConfigurationAsync(cancellationToken);
            }
            catch (InvalidOperationException ex)
            {
                // IdentityModel wraps every retrieval failure (network, HTTP status, unparsable document) this way.
                LogUnavailable(logger, provider.Id, ex.InnerException?.GetType().Name ?? ex.GetType().Name);
                return new IdpCheck.Unavailable();
            }

            var result = await handler.ValidateTokenAsync(token, new TokenValidationParameters
            {
                ValidIssuer = configuration.Issuer,
                ValidAudiences = audiences,
                IssuerSigningKeys = configuration.SigningKeys,
                ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
                RequireExpirationTime = true,
                RequireSignedTokens = true,
                RequireAudience = true,
                LifetimeValidator = ValidateLifetime,
            });
            if (result.IsValid && result.SecurityToken is JsonWebToken valid) return Claims(provider, valid);
            switch (result.Exception)
            {
                case SecurityTokenSignatureKeyNotFoundException when attempt == 0:
                    // The provider may have rotated its keys since the last fetch.
                    manager.RequestRefresh();
                    continue;
                case SecurityTokenExpiredException:
                    return new IdpCheck.Refused("Token expired", ErrorCodes.IdpTokenExpired);
                default:
                    LogRefused(logger, provider.Id, result.Exception?.GetType().Name ?? "none");
                    return new IdpCheck.Refused($"Invalid token: {Reason(result.Exception)}", ErrorCodes.IdpTokenInvalid);
            }
        }
    }

    /// <summary>Expiry and not-before on <see cref="TimeProvider"/>, with 30 s leeway for another party's clock.</summary>
    private bool ValidateLifetime(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters parameters)
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (expires is not { } exp) throw new SecurityTokenNoExpirationException("no exp");
        if (exp.Add(Leeway) <= now) throw new SecurityTokenExpiredException("expired") { Expires = exp };
        if (notBefore is { } nbf && nbf > now.Add(Leeway)) throw new SecurityTokenNotYetValidException("not yet valid") { NotBefore = nbf };
        return true;
    }

    private static readonly TimeSpan Leeway = TimeSpan.FromSeconds(30);

    internal static IdpCheck Claims(ProviderConfig provider, JsonWebToken jwt)
    {
        var email = jwt.TryGetPayloadValue<string>("email", out var e) ? e.Trim() : "";
        if (email.Length == 0 || string.IsNullOrEmpty(jwt.Subject))
            return new IdpCheck.Refused("Invalid token: missing sub or email claim", ErrorCodes.IdpTokenInvalid);
        var verified = Flag(jwt, "email_verified") switch
        {
            { } value => value,
            // Entra ID (single tenant, issuer already pinned to it) often omits email_verified; its email is
            // trusted unless Entra says the domain owner was not verified (xms_edov = false).
            null when provider.Id == "entra_id" => Flag(jwt, "xms_edov") != false,
            null => false,
        };
        if (!verified) return new IdpCheck.Refused("Email not verified", ErrorCodes.EmailNotVerified);
        var name = jwt.TryGetPayloadValue<string>("name", out var n) ? SafeText.Clean(n) ?? "" : "";
        var picture = jwt.TryGetPayloadValue<string>("picture", out var p) ? SafeText.HttpUrl(p) : null;
        return new IdpCheck.Valid(new ExternalIdentity(provider.Id, jwt.Subject, email, true, name, picture, null));
    }

    /// <summary>A boolean claim given as a JSON boolean or as the string "true"/"false"; null when absent or neither.</summary>
    private static bool? Flag(JsonWebToken jwt, string claim)
    {
        if (jwt.TryGetPayloadValue<bool>(claim, out var b)) return b;
        if (jwt.TryGetPayloadValue<string>(claim, out var s) && bool.TryParse(s, out var parsed)) return parsed;
        return null;
    }

    private static string Reason(Exception? ex) => ex switch
    {
        SecurityTokenInvalidAudienceException => "audience is not allowed for this service",
        SecurityTokenInvalidIssuerException => "issuer does not match the provider",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "signature verification failed",
        SecurityTokenInvalidAlgorithmException => "algorithm is not allowed",
        SecurityTokenNoExpirationException => "token has no expiry",
        SecurityTokenNotYetValidException => "token is not yet valid",
        SecurityTokenMalformedException or ArgumentException => "malformed token",
        _ => "validation failed",
    };

    private ConfigurationManager<OpenIdConnectConfiguration> CreateManager(ProviderConfig provider)
    {
        var metadata = provider.MetadataUrl ?? throw new InvalidOperationException($"Provider {provider.Id} has no metadata URL.");
        // Plain HTTP only for a provider on this machine (the local test provider); anything else must be HTTPS.
        var loopback = Uri.TryCreate(metadata, UriKind.Absolute, out var uri) && uri.IsLoopback;
        var retriever = new HttpDocumentRetriever(httpClients.CreateClient(HttpClientName)) { RequireHttps = !loopback };
        return new ConfigurationManager<OpenIdConnectConfiguration>(metadata, new OpenIdConnectConfigurationRetriever(), retriever)
        {
            AutomaticRefreshInterval = TimeSpan.FromHours(1),
            RefreshInterval = TimeSpan.FromMinutes(1),
        };
    }

    private async Task<IdpCheck> ValidateGitHubAsync(ProviderConfig provider, string token, CancellationToken cancellationToken)
    {
        var invalid = new IdpCheck.Refused("Invalid GitHub token", ErrorCodes.GitHubTokenInvalid);
        if (!GitHubTokenShape().IsMatch(token)) return invalid;
        var api = providers.GitHubApiBaseUrl;
        var http = httpClients.CreateClient(HttpClientName);

        // Only tokens issued to our OAuth app pass: GitHub answers 200 only for a token issued to this client id (404 otherwise), checked with our secret.
        using (var check = GitHubRequest(HttpMethod.Post, $"{api}/applications/{Uri.EscapeDataString(provider.ClientId)}/token", null))
        {
            check.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{provider.ClientId}:{provider.ClientSecret}")));
            check.Content = JsonContent.Create(new Dictionary<string, string> { ["access_token"] = token });
            using var response = await http.SendAsync(check, cancellationToken);
            if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.UnprocessableEntity) return invalid;
            if (!response.IsSuccessStatusCode)
            {
                LogUnavailable(logger, provider.Id, $"token check {(int)response.StatusCode}");
                return new IdpCheck.Unavailable();
            }
            using var app = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            var clientId = app.RootElement.TryGetProperty("app", out var a) && a.TryGetProperty("client_id", out var c) ? c.GetString() : null;
            if (clientId != provider.ClientId) return invalid;
        }

        JsonElement profile;
        using (var request = GitHubRequest(HttpMethod.Get, $"{api}/user", token))
        using (var response = await http.SendAsync(request, cancellationToken))
        {
            if (response.StatusCode != HttpStatusCode.OK) return invalid;
            profile = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken)).RootElement.Clone();
        }
        JsonElement emails;
        using (var request = GitHubRequest(HttpMethod.Get, $"{api}/user/emails", token))
        using (var response = await http.SendAsync(request, cancellationToken))
        {
            if (response.StatusCode != HttpStatusCode.OK) return new IdpCheck.Refused("Could not fetch GitHub emails", ErrorCodes.GitHubEmailsUnavailable);
            emails = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken)).RootElement.Clone();
        }

        if (!profile.TryGetProperty("id", out var idElement) || idElement.ValueKind != JsonValueKind.Number) return invalid;
        var primary = emails.ValueKind == JsonValueKind.Array
            ? emails.EnumerateArray().FirstOrDefault(e => IsTrue(e, "primary") && IsTrue(e, "verified"))
            : default;
        if (primary.ValueKind != JsonValueKind.Object || primary.GetProperty("email").GetString() is not { Length: > 0 } email)
            return new IdpCheck.Refused("Email not verified", ErrorCodes.EmailNotVerified);
        var login = Text(profile, "login") ?? "";
        var name = SafeText.Clean(Text(profile, "name") is { Length: > 0 } n ? n : login) ?? "";
        return new IdpCheck.Valid(new ExternalIdentity("github", "github|" + idElement.GetRawText(), email, true, name, SafeText.HttpUrl(Text(profile, "avatar_url")), null));

        static bool IsTrue(JsonElement e, string property) => e.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.True;
        static string? Text(JsonElement e, string property) => e.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    }

    internal static HttpRequestMessage GitHubRequest(HttpMethod method, string url, string? token)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.UserAgent.ParseAdd("Sentinel");
        request.Headers.Accept.ParseAdd("application/vnd.github+json");
        request.Headers.Add("X-GitHub-Api-Version", "2022-11-28");
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Identity provider {Provider} unavailable: {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string provider, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "IdP token for {Provider} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string provider, string reason);
}
