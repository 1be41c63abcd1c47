using System.Net;
using System.Text;

namespace Sentinel.Web.SignIn;

/// <summary>The contract's HTML answer for browser-flow failures: a card with a title, a message and "Error N".</summary>
public sealed class HtmlCard(int status, string title, string message) : IResult
{
    /// <summary>Content-Security-Policy of HTML error pages: allow inline styles, nothing else.</summary>
    public const string ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; frame-ancestors 'none'";

    public int Status => status;
    public string Title => title;

    public Task ExecuteAsync(HttpContext context)
    {
        var html = $$"""
            <!doctype html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{{Encode(title)}}</title>
            <style>body{font-family:system-ui,sans-serif;background:#f5f5f7;color:#1b1b1b;display:flex;min-height:100vh;margin:0;align-items:center;justify-content:center}
            .card{background:#fff;border-radius:12px;box-shadow:0 2px 12px rgba(0,0,0,.08);padding:2rem 2.5rem;max-width:32rem}
            h1{font-size:1.25rem;margin:0 0 .75rem}p{margin:0 0 1rem;line-height:1.5}.code{color:#6b6b6b;font-size:.875rem;margin:0}</style></head>
            <body><main class="card"><h1>{{Encode(title)}}</h1><p>{{Encode(message)}}</p><p class="code">Error {{status}}</p></main></body>
            </html>
            """;
        var bytes = Encoding.UTF8.GetBytes(html);
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "text/html; charset=utf-8";
        response.ContentLength = bytes.Length;
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.CacheControl = "no-store";
        return response.Body.WriteAsync(bytes, context.RequestAborted).AsTask();
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    public static HtmlCard BadRequest(string title, string message) => new(400, title, message);
    public static HtmlCard Forbidden(string title, string message) => new(403, title, message);
    public static HtmlCard ServerError(string title, string message) => new(500, title, message);
}
