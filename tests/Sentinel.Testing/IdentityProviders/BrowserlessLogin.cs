using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;

namespace Sentinel.Testing.IdentityProviders;

/// <summary>
/// What the identity provider sends the browser back to the relying party with: a redirect (query or fragment), or,
/// for <c>response_mode=form_post</c>, an auto-submitting form (<see cref="FormPost"/> is then set).
/// </summary>
public sealed record ProviderReturn(Uri Url, IReadOnlyDictionary<string, string>? FormPost = null)
{
    public bool IsFormPost => FormPost is not null;

    /// <summary>The response parameters, from the form, the query, or the fragment (implicit flow), in that order.</summary>
    public IReadOnlyDictionary<string, string> Parameters
    {
        get
        {
            if (FormPost is not null) return FormPost;
            var fragment = Url.Fragment.TrimStart('#');
            var source = fragment.Length > 0 ? QueryHelpers.ParseQuery("?" + fragment) : QueryHelpers.ParseQuery(Url.Query);
            return source.ToDictionary(p => p.Key, p => p.Value.ToString());
        }
    }

    public string? Code => Parameters.GetValueOrDefault("code");
    public string? State => Parameters.GetValueOrDefault("state");
    public string? IdToken => Parameters.GetValueOrDefault("id_token");
    public string? Error => Parameters.GetValueOrDefault("error");

    /// <summary>The request the browser would now make to the relying party.</summary>
    public HttpRequestMessage ToRequest() => FormPost is null
        ? new HttpRequestMessage(HttpMethod.Get, Url)
        : new HttpRequestMessage(HttpMethod.Post, Url) { Content = new FormUrlEncodedContent(FormPost) };
}

/// <summary>
/// Drives an OpenID Connect / OAuth sign-in the way a browser would, without a browser: follows redirects from the
/// relying party to the provider, fills in the local provider's login form (<c>login=&lt;email&gt;</c>; consent is
/// automatic there), and stops at the provider's answer to the relying party.
/// The <see cref="HttpClient"/> must not follow redirects itself and must keep cookies: use <see cref="CreateBrowser"/>.
/// A provider session (cookie) survives between calls with the same client, as in a browser: the second sign-in then
/// shows no form. Use a fresh browser, or <c>prompt=login</c>, to sign in as someone else.
/// The provider and relying party are told apart by origin (scheme, host, port), so they must not share one.
/// </summary>
public static partial class BrowserlessLogin
{
    private const int MaxSteps = 25;

    /// <summary>An <see cref="HttpClient"/> that behaves like a browser for this purpose: cookies kept, redirects not followed.</summary>
    public static HttpClient CreateBrowser(CookieContainer? cookies = null) =>
        new(new HttpClientHandler
        {
            AllowAutoRedirect = false,
            UseCookies = true,
            CookieContainer = cookies ?? new CookieContainer(),
        })
        { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>
    /// Signs in as <paramref name="login"/> (email or <c>sub</c>) starting at <paramref name="startUrl"/>, which is
    /// either the provider's authorization URL or a relying-party URL that redirects to it (such as Sentinel's
    /// <c>/auth/login/dex?...</c>). Returns the URL the provider redirects back to (carrying <c>code</c>,
    /// <c>state</c>, <c>iss</c>, or <c>error</c>), which the caller then GETs on the relying party.
    /// Throws if the provider answers with <c>response_mode=form_post</c>: use <see cref="SignInForReturnAsync"/> then.
    /// </summary>
    public static async Task<Uri> SignInAsync(HttpClient browser, Uri startUrl, Uri provider, string login, CancellationToken cancellationToken = default)
    {
        var result = await SignInForReturnAsync(browser, startUrl, provider, login, cancellationToken);
        if (result.IsFormPost)
            throw new InvalidOperationException($"The provider answered with a form post to {result.Url}; use SignInForReturnAsync or SignInToRelyingPartyAsync.");
        return result.Url;
    }

    /// <summary>As <see cref="SignInAsync"/>, but also handles <c>form_post</c> answers.</summary>
    public static Task<ProviderReturn> SignInForReturnAsync(HttpClient browser, Uri startUrl, Uri provider, string login, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(login);
        return NavigateAsync(browser, startUrl, provider, login, cancellationToken);
    }

    /// <summary>Starts a sign-in and presses Cancel on the login page: the provider answers <c>error=access_denied</c>.</summary>
    public static Task<ProviderReturn> CancelAsync(HttpClient browser, Uri startUrl, Uri provider, CancellationToken cancellationToken = default) =>
        NavigateAsync(browser, startUrl, provider, login: null, cancellationToken);

    /// <summary>
    /// Signs in and delivers the provider's answer to the relying party (GET, or POST for form_post), returning the
    /// relying party's response unfollowed: for Sentinel, the 307 to the app's <c>redirect_uri</c> with its code.
    /// </summary>
    public static async Task<HttpResponseMessage> SignInToRelyingPartyAsync(HttpClient browser, Uri startUrl, Uri provider, string login, CancellationToken cancellationToken = default)
    {
        var result = await SignInForReturnAsync(browser, startUrl, provider, login, cancellationToken);
        using var request = result.ToRequest();
        return await browser.SendAsync(request, cancellationToken);
    }

    private static async Task<ProviderReturn> NavigateAsync(HttpClient browser, Uri startUrl, Uri provider, string? login, CancellationToken cancellationToken)
    {
        var url = startUrl;
        var method = HttpMethod.Get;
        IReadOnlyDictionary<string, string>? form = null;
        var onProvider = false;
        var trail = new List<string>();

        for (var step = 0; step < MaxSteps; step++)
        {
            var here = SameOrigin(url, provider);
            if (onProvider && !here) return new ProviderReturn(url);
            onProvider |= here;

            using var request = new HttpRequestMessage(method, url);
            if (form is not null) request.Content = new FormUrlEncodedContent(form);
            using var response = await browser.SendAsync(request, cancellationToken);
            var status = (int)response.StatusCode;
            trail.Add($"{method} {url} -> {status}");

            if (status is 301 or 302 or 303 or 307 or 308)
            {
                var location = response.Headers.Location
                    ?? throw new InvalidOperationException($"A {status} without Location.\n{string.Join('\n', trail)}");
                url = location.IsAbsoluteUri ? location : new Uri(url, location);
                if (status is 301 or 302 or 303)
                {
                    method = HttpMethod.Get;
                    form = null;
                }
                continue;
            }

            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!here)
                throw new InvalidOperationException($"The relying party answered {status} before the provider was reached.\n{string.Join('\n', trail)}\n{Excerpt(body)}");

            var forms = ParseForms(body, url);
            // response_mode=form_post: an auto-submitting form aimed at the relying party.
            if (forms.FirstOrDefault(f => !SameOrigin(f.Action, provider)) is { } post)
                return new ProviderReturn(post.Action, post.Fields);

            if (login is null)
            {
                var abort = forms.FirstOrDefault(f => f.Action.AbsolutePath.EndsWith("/abort", StringComparison.Ordinal))
                    ?? throw new InvalidOperationException($"No Cancel form on the provider's page ({status}).\n{string.Join('\n', trail)}\n{Excerpt(body)}");
                (url, method, form) = (abort.Action, HttpMethod.Post, abort.Fields);
                continue;
            }

            var loginForm = forms.FirstOrDefault(f => f.Fields.ContainsKey("login"));
            if (loginForm is not null && status == 200)
            {
                var fields = new Dictionary<string, string>(loginForm.Fields) { ["login"] = login };
                (url, method, form) = (loginForm.Action, HttpMethod.Post, fields);
                continue;
            }

            // Any other page with a single form (a consent page of another provider): submit it as it stands.
            if (forms.Count == 1 && status == 200)
            {
                (url, method, form) = (forms[0].Action, HttpMethod.Post, forms[0].Fields);
                continue;
            }

            throw new InvalidOperationException($"The provider answered {status} with no form to submit.\n{string.Join('\n', trail)}\n{Excerpt(body)}");
        }

        throw new InvalidOperationException($"No answer to the relying party after {MaxSteps} steps.\n{string.Join('\n', trail)}");
    }

    private static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase)
        && a.Port == b.Port;

    private sealed record HtmlForm(Uri Action, Dictionary<string, string> Fields);

    private static List<HtmlForm> ParseForms(string html, Uri page)
    {
        var forms = new List<HtmlForm>();
        foreach (Match match in FormRegex().Matches(html))
        {
            var attributes = match.Groups["attrs"].Value;
            var method = Attribute(attributes, "method") ?? "get";
            if (!method.Equals("post", StringComparison.OrdinalIgnoreCase)) continue;
            var action = Attribute(attributes, "action");
            var target = string.IsNullOrEmpty(action) ? page : new Uri(page, action);
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match input in InputRegex().Matches(match.Groups["body"].Value))
            {
                var name = Attribute(input.Groups["attrs"].Value, "name");
                if (name is null || fields.ContainsKey(name)) continue;
                var type = Attribute(input.Groups["attrs"].Value, "type") ?? "text";
                if (type is "submit" or "button" or "image") continue;
                fields[name] = Attribute(input.Groups["attrs"].Value, "value") ?? "";
            }
            forms.Add(new HtmlForm(target, fields));
        }
        return forms;
    }

    private static string? Attribute(string attributes, string name)
    {
        foreach (Match m in AttributeRegex().Matches(attributes))
        {
            if (m.Groups["name"].Value.Equals(name, StringComparison.OrdinalIgnoreCase))
                return WebUtility.HtmlDecode(m.Groups["dq"].Success ? m.Groups["dq"].Value : m.Groups["sq"].Success ? m.Groups["sq"].Value : m.Groups["bare"].Value);
        }
        return null;
    }

    private static string Excerpt(string body) => body.Length <= 2000 ? body : body[..2000] + "…";

    [GeneratedRegex(@"<form\b(?<attrs>[^>]*)>(?<body>.*?)</form>", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex FormRegex();

    [GeneratedRegex(@"<input\b(?<attrs>[^>]*)/?>", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex InputRegex();

    [GeneratedRegex(@"(?<name>[a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*(?:""(?<dq>[^""]*)""|'(?<sq>[^']*)'|(?<bare>[^\s""'>]+))", RegexOptions.Singleline)]
    private static partial Regex AttributeRegex();
}
