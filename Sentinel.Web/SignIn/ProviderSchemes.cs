using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OAuth;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Sentinel.Web.SignIn;

/// <summary>
/// One authentication scheme per configured provider and flow: <c>signin.{id}</c> answers at
/// <c>/auth/callback/{id}</c>, <c>admin.{id}</c> at <c>/auth/admin/callback/{id}</c>. OpenID Connect providers (Google,
/// Entra ID, generic ones by discovery) use ASP.NET Core's OpenID Connect handler; GitHub its OAuth handler.
/// </summary>
public static class ProviderSchemes
{
    public static string Proxy(string provider) => "signin." + provider;

    public static string Admin(string provider) => "admin." + provider;

    public static string CallbackPath(string provider, bool admin) => admin ? $"/auth/admin/callback/{provider}" : $"/auth/callback/{provider}";

    /// <summary>The provider leg (state, correlation and nonce cookies) must finish within this, as the original's session cookie.</summary>
    public static readonly TimeSpan LegTimeout = TimeSpan.FromMinutes(10);

    public static IServiceCollection AddSignInProviders(this IServiceCollection services, ProviderSettings providers, SignInSettings settings)
    {
        var auth = services.AddAuthentication();
        // What AddOpenIdConnect registers besides the handler: discovery, state protection, the backchannel.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<OpenIdConnectOptions>, OpenIdConnectPostConfigureOptions>());
        foreach (var provider in providers.Providers)
        {
            foreach (var admin in new[] { false, true })
            {
                var scheme = admin ? Admin(provider.Id) : Proxy(provider.Id);
                var callback = CallbackPath(provider.Id, admin);
                if (provider.Kind == ProviderKind.GitHub)
                    auth.AddOAuth<OAuthOptions, GitHubHandler>(scheme, provider.DisplayName, o => ConfigureGitHub(o, provider, providers, settings, callback));
                else
                    auth.AddRemoteScheme<OpenIdConnectOptions, OpenIdConnectCallbackHandler>(scheme, provider.DisplayName, o => ConfigureOpenIdConnect(o, provider, settings, callback));
            }
        }
        return services;
    }

    private static void LegCookies(RemoteAuthenticationOptions o, SignInSettings settings)
    {
        // The callback is a top-level GET (response_mode=query), which carries Lax cookies; browsers drop
        // SameSite=None cookies that are not Secure, which plain-http development would need.
        o.CorrelationCookie.SameSite = SameSiteMode.Lax;
        o.CorrelationCookie.SecurePolicy = settings.CookieSecure ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
        o.CorrelationCookie.HttpOnly = true;
        o.RemoteAuthenticationTimeout = LegTimeout;
        o.BackchannelTimeout = TimeSpan.FromSeconds(10);
        o.SaveTokens = false;
    }

    private static void ConfigureOpenIdConnect(OpenIdConnectOptions o, ProviderConfig provider, SignInSettings settings, string callback)
    {
        var metadata = new Uri(provider.MetadataUrl!);
        o.MetadataAddress = provider.MetadataUrl;
        o.RequireHttpsMetadata = metadata.Scheme == Uri.UriSchemeHttps || !(metadata.IsLoopback || settings.Debug);
        o.ClientId = provider.ClientId;
        o.ClientSecret = provider.ClientSecret;
        o.ResponseType = OpenIdConnectResponseType.Code;
        o.ResponseMode = OpenIdConnectResponseMode.Query;
        o.UsePkce = true;
        o.CallbackPath = callback;
        o.Scope.Clear();
        foreach (var scope in provider.Scopes) o.Scope.Add(scope);
        o.MapInboundClaims = false;
        o.GetClaimsFromUserInfoEndpoint = false;
        o.DisableTelemetry = true;
        o.TokenValidationParameters.NameClaimType = "name";
        LegCookies(o, settings);
        o.NonceCookie.SameSite = SameSiteMode.Lax;
        o.NonceCookie.SecurePolicy = o.CorrelationCookie.SecurePolicy;
        o.NonceCookie.HttpOnly = true;
        o.ProtocolValidator.NonceLifetime = LegTimeout;
        RemoteSignIn.RecordOutcomes(o.Events);
        // Providers send the browser back to BASE_URL, whatever host the login request came in on.
        var redirectUri = settings.BaseUrl + callback;
        o.Events.OnRedirectToIdentityProvider = context =>
        {
            context.ProtocolMessage.RedirectUri = redirectUri;
            if (context.Properties.Items.TryGetValue(SignInItems.LoginHint, out var hint) && !string.IsNullOrEmpty(hint))
                context.ProtocolMessage.LoginHint = hint;
            return Task.CompletedTask;
        };
    }

    private static void ConfigureGitHub(OAuthOptions o, ProviderConfig provider, ProviderSettings providers, SignInSettings settings, string callback)
    {
        o.ClientId = provider.ClientId;
        o.ClientSecret = provider.ClientSecret;
        o.CallbackPath = callback;
        o.AuthorizationEndpoint = providers.GitHubOAuthBaseUrl + "/login/oauth/authorize";
        o.TokenEndpoint = providers.GitHubOAuthBaseUrl + "/login/oauth/access_token";
        o.UserInformationEndpoint = providers.GitHubApiBaseUrl + "/user";
        o.UsePkce = true;
        o.Scope.Clear();
        foreach (var scope in provider.Scopes) o.Scope.Add(scope);
        LegCookies(o, settings);
        RemoteSignIn.RecordOutcomes(o.Events);
        var emailsEndpoint = providers.GitHubApiBaseUrl + "/user/emails";
        o.Events.OnCreatingTicket = async context =>
        {
            using var user = await GetJsonAsync(context, context.Options.UserInformationEndpoint);
            using var emails = await GetJsonAsync(context, emailsEndpoint);
            var root = user.RootElement;
            var identity = context.Identity!;
            var id = root.GetProperty("id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture);
            identity.AddClaim(new Claim(ExternalClaims.Subject, "github|" + id));
            var login = root.TryGetProperty("login", out var l) && l.ValueKind == JsonValueKind.String ? l.GetString() : null;
            if (login is not null) identity.AddClaim(new Claim(ExternalClaims.Login, login));
            if (root.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(n.GetString()))
                identity.AddClaim(new Claim(ExternalClaims.Name, n.GetString()!));
            if (root.TryGetProperty("avatar_url", out var a) && a.ValueKind == JsonValueKind.String)
                identity.AddClaim(new Claim(ExternalClaims.Picture, a.GetString()!));
            // Only the primary address counts, and only if GitHub verified it: a verified secondary one is not used instead.
            foreach (var entry in emails.RootElement.EnumerateArray())
            {
                if (!entry.TryGetProperty("primary", out var primary) || primary.ValueKind != JsonValueKind.True) continue;
                identity.AddClaim(new Claim(ExternalClaims.Email, entry.GetProperty("email").GetString() ?? ""));
                var verified = entry.TryGetProperty("verified", out var v) && v.ValueKind == JsonValueKind.True;
                identity.AddClaim(new Claim(ExternalClaims.EmailVerified, verified ? "true" : "false"));
                break;
            }
        };
    }

    private static async Task<JsonDocument> GetJsonAsync(OAuthCreatingTicketContext context, string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", context.AccessToken);
        request.Headers.Accept.ParseAdd("application/vnd.github+json");
        // GitHub refuses API requests without a User-Agent.
        request.Headers.UserAgent.ParseAdd("Sentinel/1.0");
        using var response = await context.Backchannel.SendAsync(request, context.HttpContext.RequestAborted);
        response.EnsureSuccessStatusCode();
        return await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(context.HttpContext.RequestAborted), cancellationToken: context.HttpContext.RequestAborted);
    }
}

/// <summary>The OpenID Connect handler, answering callbacks only when a Sentinel endpoint drives it.</summary>
internal sealed class OpenIdConnectCallbackHandler(IOptionsMonitor<OpenIdConnectOptions> options, ILoggerFactory logger, HtmlEncoder htmlEncoder, UrlEncoder encoder)
    : OpenIdConnectHandler(options, logger, htmlEncoder, encoder)
{
    public override Task<bool> ShouldHandleRequestAsync() => RemoteSignIn.IsDriven(Context) ? base.ShouldHandleRequestAsync() : Task.FromResult(false);
}

/// <summary>
/// The OAuth handler for GitHub: answers callbacks only when a Sentinel endpoint drives it, and sends GitHub the
/// redirect URI under <c>BASE_URL</c> rather than the request's host.
/// </summary>
internal sealed class GitHubHandler(IOptionsMonitor<OAuthOptions> options, ILoggerFactory logger, UrlEncoder encoder, SignInSettings settings)
    : OAuthHandler<OAuthOptions>(options, logger, encoder)
{
    public override Task<bool> ShouldHandleRequestAsync() => RemoteSignIn.IsDriven(Context) ? base.ShouldHandleRequestAsync() : Task.FromResult(false);

    private string RedirectUri => settings.BaseUrl + Options.CallbackPath;

    protected override string BuildChallengeUrl(AuthenticationProperties properties, string redirectUri) =>
        base.BuildChallengeUrl(properties, RedirectUri);

    protected override Task<OAuthTokenResponse> ExchangeCodeAsync(OAuthCodeExchangeContext context) =>
        base.ExchangeCodeAsync(new OAuthCodeExchangeContext(context.Properties, context.Code, RedirectUri));
}

/// <summary>Keys of the protected properties the login step stores for the callback.</summary>
public static class SignInItems
{
    public const string RedirectUri = "sentinel.redirect_uri";
    public const string CodeChallenge = "sentinel.code_challenge";
    public const string CodeChallengeMethod = "sentinel.code_challenge_method";
    public const string AppState = "sentinel.state";
    public const string ClientAppId = "sentinel.client_app_id";
    public const string LoginHint = "sentinel.login_hint";
}

/// <summary>Claim names as the providers send them (inbound mapping is off).</summary>
public static class ExternalClaims
{
    public const string Subject = "sub";
    public const string Email = "email";
    public const string EmailVerified = "email_verified";
    public const string Name = "name";
    public const string Picture = "picture";
    public const string Login = "login";
    public const string TenantId = "tid";
    public const string EntraEmailDomainOwnerVerified = "xms_edov";
}
