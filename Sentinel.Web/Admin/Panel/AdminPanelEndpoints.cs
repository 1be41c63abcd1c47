using System.Net;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Sentinel.Web.Tokens;
using Sentinel.Web.SignIn;
using Sentinel.Web.Infrastructure.Conventions;

namespace Sentinel.Web.Admin.Panel;

/// <summary>
/// The admin panel on ADMIN_PORT (same process): a small no-build single-page app (plain HTML, ES modules and CSS
/// embedded from <c>AdminPanel/wwwroot</c>) that calls <c>/admin/*</c> and <c>/auth/admin/*</c> on its own origin.
/// Whether <c>/</c> answers with the app shell or the sign-in page is decided here, from the <c>admin_token</c> cookie,
/// so the first paint after the identity provider's redirect never shows the signed-out screen.
/// </summary>
public static class AdminPanelEndpoints
{
    private static readonly PanelAssets Assets = PanelAssets.Load();

    public static IEndpointRouteBuilder MapAdminPanelEndpoints(this IEndpointRouteBuilder app, int adminPort)
    {
        if (adminPort <= 0) return app;
        var host = $"*:{adminPort}";
        app.MapGet("/", IndexAsync).RequireHost(host).ExcludeFromDescription();
        app.MapGet("/login", SignIn).RequireHost(host).ExcludeFromDescription();
        app.MapGet("/assets/{*path}", Asset).RequireHost(host).ExcludeFromDescription();
        return app;
    }

    /// <summary>The shell when the cookie holds a verifiable admin token; otherwise the sign-in page. The shell still asks <c>/auth/admin/me</c>, which re-reads the user.</summary>
    public static async Task<IResult> IndexAsync(HttpContext context, TokenService tokens, ProviderSettings providers)
    {
        if (context.Request.Cookies[AdminCookieAuthenticator.CookieName] is { Length: > 0 } raw
            && await tokens.VerifyAsync(raw, TokenKind.Admin) is TokenCheck.Valid)
            return new PanelPage(Assets.Shell);
        return new PanelPage(SignInPage(providers, null));
    }

    public static IResult SignIn(HttpContext context, ProviderSettings providers) =>
        new PanelPage(SignInPage(providers, context.Request.Query["error"].ToString()));

    public static IResult Asset(string path)
    {
        if (!Assets.Files.TryGetValue(path, out var file)) return Infrastructure.Errors.ApiErrors.Result(404, "Not Found", ErrorCodes.NotFound);
        return new AssetResult(file);
    }

    /// <summary>Known <c>?error=</c> values from the admin callback, in words a person understands; anything else gets a generic line.</summary>
    internal static string? ErrorMessage(string? error) => error switch
    {
        null or "" => null,
        ErrorCodes.NotAdmin => "That account is not an administrator of this Sentinel. Ask an existing administrator to grant access, or sign in with another account.",
        ErrorCodes.EmailNotVerified => "The identity provider did not confirm that this email address is verified, so Sentinel cannot sign you in with it.",
        "access_denied" => "Sign-in was cancelled at the identity provider. You can try again.",
        "signed_out" => "You are signed out.",
        "session_expired" => "Your session has ended. Please sign in again.",
        _ => "Sign-in did not complete. Please try again.",
    };

    internal static string SignInPage(ProviderSettings providers, string? error)
    {
        var items = new StringBuilder();
        foreach (var p in providers.Providers)
        {
            items.Append(CultureInfoInvariant($"<li><a class=\"button primary\" href=\"/auth/admin/login/{WebUtility.UrlEncode(p.Id)}\">Sign in with {WebUtility.HtmlEncode(p.DisplayName)}</a></li>"));
        }
        var list = items.Length > 0
            ? $"<ul class=\"providers\" aria-label=\"Identity providers\">{items}</ul>"
            : "<p class=\"empty\">No identity provider is configured. Set GOOGLE_CLIENT_ID, GITHUB_CLIENT_ID, ENTRA_CLIENT_ID or OIDC_PROVIDERS and restart Sentinel.</p>";
        var message = ErrorMessage(error) is { } m
            ? $"<p class=\"alert error\" role=\"alert\">{WebUtility.HtmlEncode(m)}</p>"
            : "";
        return $"""
            <!doctype html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Sign in · Sentinel admin</title><link rel="stylesheet" href="/assets/panel.css"></head>
            <body class="signin-body">
            <main id="main" class="signin-card" data-screen="signin">
            <h1>Sentinel admin</h1>
            <p>Sign in with an administrator account to manage users, workspaces and apps.</p>
            {message}
            {list}
            </main>
            </body>
            </html>
            """;
    }

    private static string CultureInfoInvariant(FormattableString s) => FormattableString.Invariant(s);

    private sealed class PanelPage(string html) : IResult
    {
        public Task ExecuteAsync(HttpContext context)
        {
            var bytes = Encoding.UTF8.GetBytes(html);
            var response = context.Response;
            response.ContentType = "text/html; charset=utf-8";
            response.ContentLength = bytes.Length;
            response.Headers.ContentSecurityPolicy = SecurityHeaders.PanelCsp;
            // Which page "/" is depends on the cookie: never cache it.
            response.Headers.CacheControl = "no-store";
            return response.Body.WriteAsync(bytes, context.RequestAborted).AsTask();
        }
    }

    private sealed class AssetResult(PanelAsset file) : IResult
    {
        public Task ExecuteAsync(HttpContext context)
        {
            var response = context.Response;
            response.Headers.ETag = file.ETag;
            response.Headers.CacheControl = "no-cache";
            if (context.Request.Headers.IfNoneMatch == file.ETag)
            {
                response.StatusCode = StatusCodes.Status304NotModified;
                return Task.CompletedTask;
            }
            response.ContentType = file.ContentType;
            response.ContentLength = file.Content.Length;
            return response.Body.WriteAsync(file.Content, context.RequestAborted).AsTask();
        }
    }
}

internal sealed record PanelAsset(byte[] Content, string ContentType, string ETag);

/// <summary>The panel's files, embedded under the logical name <c>panel/&lt;path&gt;</c> (see Sentinel.Web.csproj).</summary>
internal sealed class PanelAssets
{
    private const string Prefix = "panel/";

    public required IReadOnlyDictionary<string, PanelAsset> Files { get; init; }
    public required string Shell { get; init; }

    public static PanelAssets Load()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var files = new Dictionary<string, PanelAsset>(StringComparer.Ordinal);
        string? shell = null;
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var bytes = buffer.ToArray();
            var path = name[Prefix.Length..];
            if (path == "index.html")
            {
                shell = Encoding.UTF8.GetString(bytes);
                continue;
            }
            var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..16] + "\"";
            files[path] = new PanelAsset(bytes, ContentType(path), etag);
        }
        return new PanelAssets { Files = files, Shell = shell ?? throw new InvalidOperationException("The admin panel's index.html is not embedded.") };
    }

    private static string ContentType(string path) => Path.GetExtension(path) switch
    {
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        ".ico" => "image/x-icon",
        _ => "application/octet-stream",
    };
}
