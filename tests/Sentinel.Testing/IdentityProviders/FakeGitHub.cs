using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Xunit;

namespace Sentinel.Testing.IdentityProviders;

public sealed record GitHubEmail(string Email, bool Primary, bool Verified, string? Visibility = "private");

/// <summary>A GitHub account. <see cref="Name"/> may be null, as on GitHub (Sentinel then uses the login).</summary>
public sealed record GitHubUser(long Id, string Login, string? Name, IReadOnlyList<GitHubEmail> Emails, string? AvatarUrl = null)
{
    public static GitHubUser Alice { get; } = new(1001, "alice", "Alice Example", [new("alice@example.com", true, true)]);
    public static GitHubUser Admin { get; } = new(1002, "admin", "Admin Example", [new("admin@example.com", true, true)]);

    /// <summary>Primary email unverified; a verified secondary one must not be used instead.</summary>
    public static GitHubUser Mallory { get; } = new(1003, "mallory", "Mallory Unverified",
        [new("mallory@example.com", true, false), new("mallory@other.example", false, true)]);

    /// <summary>No display name: Sentinel falls back to the login.</summary>
    public static GitHubUser Nameless { get; } = new(1004, "nameless", null, [new("nameless@example.com", true, true)]);

    public static IReadOnlyList<GitHubUser> Defaults { get; } = [Alice, Admin, Mallory, Nameless];
}

public sealed class FakeGitHubOptions
{
    public string ClientId { get; init; } = "github-test-client";
    public string ClientSecret { get; init; } = "github-test-secret";
    public IList<GitHubUser> Users { get; init; } = [.. GitHubUser.Defaults];

    /// <summary>Who signs in when the authorize request has no <c>login</c> parameter (default: the first user).</summary>
    public string? DefaultLogin { get; set; }

    /// <summary>Like api.github.com, answer 403 to API requests without a User-Agent header.</summary>
    public bool RequireUserAgent { get; init; } = true;
}

/// <summary>
/// A small stand-in for GitHub's OAuth app flow (OAuth 2, not OpenID Connect) and the two API calls Sentinel makes,
/// in-process on a free loopback port:
/// <list type="bullet">
/// <item><c>GET {OAuthBaseUrl}/login/oauth/authorize</c>: redirects straight back with <c>code</c> and <c>state</c>;
/// the user is the <c>login</c> query parameter (GitHub's own "suggested login"), else <see cref="DefaultLogin"/>;
/// <c>deny=1</c> answers <c>error=access_denied</c>. Unknown <c>client_id</c>: 404 page. Optional PKCE (S256).</item>
/// <item><c>POST {OAuthBaseUrl}/login/oauth/access_token</c>: form or JSON body (or query); client credentials in the
/// body or Basic auth; JSON when <c>Accept: application/json</c>, else form-encoded. Errors are HTTP 200 with
/// <c>error</c> (<c>bad_verification_code</c>, <c>incorrect_client_credentials</c>, <c>redirect_uri_mismatch</c>), as GitHub does.</item>
/// <item><c>GET {ApiBaseUrl}/user</c> and <c>/user/emails</c> with <c>Authorization: Bearer|token</c>; 401
/// <c>Bad credentials</c>; <c>/user/emails</c> needs scope <c>user:email</c> or <c>user</c> (else 404, as GitHub).</item>
/// </list>
/// Point Sentinel at it with <see cref="SentinelEnvironment"/>.
/// </summary>
public class FakeGitHub : IAsyncLifetime, IAsyncDisposable
{
    private readonly FakeGitHubOptions options;
    private readonly ConcurrentDictionary<string, GitHubUser> users = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, PendingCode> codes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IssuedToken> tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> requests = new();
    private WebApplication? app;

    private sealed record PendingCode(string Login, string? RedirectUri, string Scope, string? CodeChallenge, DateTimeOffset Expires);

    private sealed record IssuedToken(string Login, string Scope, string ClientId);

    public FakeGitHub() : this(new FakeGitHubOptions()) { }

    /// <summary>For a class fixture with other options: derive, and pass them from the derived public constructor.</summary>
    protected FakeGitHub(FakeGitHubOptions options)
    {
        this.options = options;
        foreach (var user in options.Users) users[user.Login] = user;
        DefaultLogin = options.DefaultLogin ?? options.Users.FirstOrDefault()?.Login;
    }

    public static async Task<FakeGitHub> StartAsync(FakeGitHubOptions? options = null, CancellationToken cancellationToken = default)
    {
        var fake = new FakeGitHub(options ?? new FakeGitHubOptions());
        await fake.StartInstanceAsync(cancellationToken);
        return fake;
    }

    public string ClientId => options.ClientId;
    public string ClientSecret => options.ClientSecret;

    /// <summary>Who signs in when the authorize request names nobody; settable between tests.</summary>
    public string? DefaultLogin { get; set; }

    /// <summary><c>GITHUB_OAUTH_BASE_URL</c>, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string OAuthBaseUrl { get; private set; } = "";

    /// <summary><c>GITHUB_API_BASE_URL</c>: the same server under <c>/api</c>.</summary>
    public string ApiBaseUrl => OAuthBaseUrl + "/api";

    /// <summary>"METHOD path" of every request served, in order (no query strings, no secrets).</summary>
    public IReadOnlyList<string> Requests => [.. requests];

    public Dictionary<string, string> SentinelEnvironment() => new()
    {
        ["GITHUB_CLIENT_ID"] = ClientId,
        ["GITHUB_CLIENT_SECRET"] = ClientSecret,
        ["GITHUB_OAUTH_BASE_URL"] = OAuthBaseUrl,
        ["GITHUB_API_BASE_URL"] = ApiBaseUrl,
    };

    public void AddUser(GitHubUser user) => users[user.Login] = user;

    /// <summary>
    /// An access token for <paramref name="login"/> without the browser dance (for <c>/authz/resolve</c> tests). By default
    /// it belongs to this fake's OAuth app; <paramref name="clientId"/> mints one for another app (tests that a token of another GitHub app is refused): the API
    /// accepts it, but <c>POST /applications/{our client id}/token</c> does not.
    /// </summary>
    public string IssueAccessToken(string login, string scope = "read:user user:email", string? clientId = null)
    {
        if (!users.ContainsKey(login)) throw new ArgumentException($"Unknown GitHub user {login}.", nameof(login));
        var token = "gho_" + RandomToken();
        tokens[token] = new IssuedToken(login, scope, clientId ?? options.ClientId);
        return token;
    }

    public void RevokeAccessToken(string token) => tokens.TryRemove(token, out _);

    private async Task StartInstanceAsync(CancellationToken cancellationToken)
    {
        if (app is not null) throw new InvalidOperationException("Already started.");
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(FakeGitHub).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        app = builder.Build();
        app.Use(async (context, next) =>
        {
            requests.Enqueue($"{context.Request.Method} {context.Request.Path}");
            await next(context);
        });
        app.MapGet("/login/oauth/authorize", (Func<HttpContext, IResult>)Authorize);
        app.MapPost("/login/oauth/access_token", (Func<HttpContext, Task<IResult>>)AccessToken);
        app.MapGet("/api/user", (Func<HttpContext, IResult>)User);
        app.MapGet("/api/user/emails", (Func<HttpContext, IResult>)Emails);
        app.MapPost("/api/applications/{client_id}/token", (Func<HttpContext, string, Task<IResult>>)CheckToken);
        await app.StartAsync(cancellationToken);

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        OAuthBaseUrl = $"http://127.0.0.1:{new Uri(address).Port}";
    }

    private IResult Authorize(HttpContext context)
    {
        var query = context.Request.Query;
        if (query["client_id"] != options.ClientId)
            return Results.Content("<h1>404</h1><p>Not Found: unknown client_id</p>", "text/html", statusCode: 404);

        var redirectUri = query["redirect_uri"].ToString();
        if (string.IsNullOrEmpty(redirectUri))
            return Results.Content("<p>redirect_uri is required by this fake (GitHub falls back to the app's callback URL)</p>", "text/html", statusCode: 400);
        if (!Uri.TryCreate(redirectUri, UriKind.Absolute, out _))
            return Results.Content("<p>The redirect_uri is not valid.</p>", "text/html", statusCode: 400);

        var state = query["state"].ToString();
        string Back(params (string Key, string Value)[] parameters)
        {
            var pairs = parameters.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)).ToList();
            if (!string.IsNullOrEmpty(state)) pairs.Add(new("state", state));
            return QueryHelpers.AddQueryString(redirectUri, pairs);
        }

        if (IsTrue(query["deny"]))
            return Results.Redirect(Back(("error", "access_denied"), ("error_description", "The user has denied your application access."),
                ("error_uri", "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/#access-denied")));

        var login = query["login"].ToString();
        if (string.IsNullOrEmpty(login)) login = DefaultLogin ?? "";
        if (!users.ContainsKey(login))
            return Results.Content($"<p>No such GitHub user: {WebUtility.HtmlEncode(login)}</p>", "text/html", statusCode: 400);

        var challenge = query["code_challenge"].ToString();
        if (!string.IsNullOrEmpty(challenge) && query["code_challenge_method"] != "S256")
            return Results.Redirect(Back(("error", "invalid_request"), ("error_description", "code_challenge_method must be S256")));

        var code = RandomToken()[..20];
        var scope = string.Join(',', query["scope"].ToString().Split([' ', ','], StringSplitOptions.RemoveEmptyEntries));
        codes[code] = new PendingCode(login, redirectUri, scope, string.IsNullOrEmpty(challenge) ? null : challenge, DateTimeOffset.UtcNow.AddMinutes(10));
        return Results.Redirect(Back(("code", code)));
    }

    private async Task<IResult> AccessToken(HttpContext context)
    {
        var parameters = await ReadParametersAsync(context.Request);
        var clientId = parameters.GetValueOrDefault("client_id");
        var clientSecret = parameters.GetValueOrDefault("client_secret");
        if (context.Request.Headers.Authorization.ToString() is { } authorization
            && authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization["Basic ".Length..].Trim()));
                var colon = decoded.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0)
                {
                    clientId ??= Uri.UnescapeDataString(decoded[..colon]);
                    clientSecret ??= Uri.UnescapeDataString(decoded[(colon + 1)..]);
                }
            }
            catch (FormatException)
            {
            }
        }

        var wantsJson = context.Request.Headers.Accept.ToString().Contains("json", StringComparison.OrdinalIgnoreCase);
        IResult Answer(params (string Key, string Value)[] fields)
        {
            if (wantsJson) return Results.Json(fields.ToDictionary(f => f.Key, f => f.Value));
            var form = string.Join('&', fields.Select(f => $"{Uri.EscapeDataString(f.Key)}={Uri.EscapeDataString(f.Value)}"));
            return Results.Text(form, "application/x-www-form-urlencoded; charset=utf-8");
        }
        IResult Error(string error, string description) => Answer(("error", error), ("error_description", description),
            ("error_uri", "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/"));

        if (clientId != options.ClientId || !FixedTimeEquals(clientSecret, options.ClientSecret))
            return Error("incorrect_client_credentials", "The client_id and/or client_secret passed are incorrect.");

        var code = parameters.GetValueOrDefault("code") ?? "";
        if (!codes.TryRemove(code, out var pending) || pending.Expires < DateTimeOffset.UtcNow)
            return Error("bad_verification_code", "The code passed is incorrect or expired.");

        var redirectUri = parameters.GetValueOrDefault("redirect_uri");
        if (!string.IsNullOrEmpty(redirectUri) && redirectUri != pending.RedirectUri)
            return Error("redirect_uri_mismatch", "The redirect_uri MUST match the registered callback URL for this application.");

        if (pending.CodeChallenge is not null)
        {
            var verifier = parameters.GetValueOrDefault("code_verifier") ?? "";
            var computed = Base64UrlTextEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
            if (computed != pending.CodeChallenge)
                return Error("bad_verification_code", "The code_verifier does not match the code_challenge.");
        }

        var token = "gho_" + RandomToken();
        tokens[token] = new IssuedToken(pending.Login, pending.Scope, options.ClientId);
        return Answer(("access_token", token), ("token_type", "bearer"), ("scope", pending.Scope));
    }

    private IResult User(HttpContext context)
    {
        if (Authenticate(context, out var user, out _) is { } failure) return failure;
        var primary = user!.Emails.FirstOrDefault(e => e.Primary && e.Visibility == "public");
        return Results.Json(new Dictionary<string, object?>
        {
            ["login"] = user.Login,
            ["id"] = user.Id,
            ["node_id"] = Convert.ToBase64String(Encoding.UTF8.GetBytes($"04:User{user.Id}")),
            ["avatar_url"] = user.AvatarUrl ?? $"https://avatars.githubusercontent.com/u/{user.Id}?v=4",
            ["html_url"] = $"https://github.com/{user.Login}",
            ["type"] = "User",
            ["site_admin"] = false,
            ["name"] = user.Name,
            ["email"] = primary?.Email,
        });
    }

    private IResult Emails(HttpContext context)
    {
        if (Authenticate(context, out var user, out var token) is { } failure) return failure;
        var scopes = token!.Scope.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries);
        if (!scopes.Contains("user:email") && !scopes.Contains("user"))
            return Results.Json(new { message = "Not Found", documentation_url = "https://docs.github.com/rest/users/emails#list-email-addresses-for-the-authenticated-user", status = "404" }, statusCode: 404);
        return Results.Json(user!.Emails.Select(e => new Dictionary<string, object?>
        {
            ["email"] = e.Email,
            ["primary"] = e.Primary,
            ["verified"] = e.Verified,
            ["visibility"] = e.Primary ? e.Visibility : null,
        }));
    }

    /// <summary>
    /// GitHub's "check a token" (<c>POST /applications/{client_id}/token</c>, Basic auth with the app's id and secret,
    /// JSON <c>{"access_token"}</c>): 200 with the token's app and user when it was issued to that app, else 404.
    /// </summary>
    private async Task<IResult> CheckToken(HttpContext context, string client_id)
    {
        var notFound = Results.Json(new { message = "Not Found", documentation_url = "https://docs.github.com/rest/apps/oauth-applications#check-a-token", status = "404" }, statusCode: 404);
        var authorization = context.Request.Headers.Authorization.ToString();
        string? id = null, secret = null;
        if (authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization["Basic ".Length..].Trim()));
                var colon = decoded.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0) (id, secret) = (decoded[..colon], decoded[(colon + 1)..]);
            }
            catch (FormatException)
            {
            }
        }
        if (id != client_id || id != options.ClientId || !FixedTimeEquals(secret, options.ClientSecret)) return notFound;
        var parameters = await ReadParametersAsync(context.Request);
        if (parameters.GetValueOrDefault("access_token") is not { Length: > 0 } token)
            return Results.Json(new { message = "Invalid request.\n\n\"access_token\" wasn't supplied.", status = "422" }, statusCode: 422);
        if (!tokens.TryGetValue(token, out var issued) || issued.ClientId != client_id || !users.TryGetValue(issued.Login, out var user)) return notFound;
        return Results.Json(new Dictionary<string, object?>
        {
            ["id"] = Math.Abs(token.GetHashCode(StringComparison.Ordinal)),
            ["token"] = token,
            ["app"] = new Dictionary<string, object?> { ["client_id"] = issued.ClientId, ["name"] = "Sentinel (fake)", ["url"] = OAuthBaseUrl },
            ["scopes"] = issued.Scope.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries),
            ["user"] = new Dictionary<string, object?> { ["login"] = user.Login, ["id"] = user.Id },
        });
    }

    private IResult? Authenticate(HttpContext context, out GitHubUser? user, out IssuedToken? token)
    {
        user = null;
        token = null;
        if (options.RequireUserAgent && StringValues.IsNullOrEmpty(context.Request.Headers.UserAgent))
        {
            return Results.Text("Request forbidden by administrative rules. Please make sure your request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). Check https://developer.github.com for other possible causes.\n",
                "text/plain", statusCode: 403);
        }
        var header = context.Request.Headers.Authorization.ToString();
        var space = header.IndexOf(' ', StringComparison.Ordinal);
        var scheme = space > 0 ? header[..space] : "";
        var value = space > 0 ? header[(space + 1)..].Trim() : "";
        if ((scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase) || scheme.Equals("token", StringComparison.OrdinalIgnoreCase))
            && tokens.TryGetValue(value, out token) && users.TryGetValue(token.Login, out user))
        {
            context.Response.Headers["X-OAuth-Scopes"] = token.Scope.Replace(",", ", ", StringComparison.Ordinal);
            return null;
        }
        token = null;
        return Results.Json(new { message = "Bad credentials", documentation_url = "https://docs.github.com/rest", status = "401" }, statusCode: 401);
    }

    private static async Task<Dictionary<string, string>> ReadParametersAsync(HttpRequest request)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in request.Query) result[key] = value.ToString();
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync();
            foreach (var (key, value) in form) result[key] = value.ToString();
        }
        else if (request.ContentType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true)
        {
            using var document = await JsonDocument.ParseAsync(request.Body);
            foreach (var property in document.RootElement.EnumerateObject())
                result[property.Name] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
        }
        return result;
    }

    private static bool IsTrue(StringValues value) => value.ToString() is "1" or "true" or "yes";

    private static bool FixedTimeEquals(string? a, string b) =>
        a is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    private static string RandomToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));

    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        if (app is null) return;
        await app.StopAsync(TimeSpan.FromSeconds(5));
        await app.DisposeAsync();
        app = null;
    }

    Task IAsyncLifetime.InitializeAsync() => StartInstanceAsync(CancellationToken.None);

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();
}
