using Microsoft.AspNetCore.Routing.Template;

namespace Sentinel.Web.Errors;

/// <summary>
/// The trailing-slash 307 to the slash-less path, kept on the origin (docs/hostile-input.md). It answers only when a route exists for the path without
/// its trailing slashes, matched against the endpoint table (templates and host restrictions; any method, because the
/// original's Starlette <c>redirect_slashes</c> also redirects a path whose route takes another method). Its
/// <c>Location</c> is that path, URI-escaped, and must begin with exactly one <c>/</c>: a browser reads <c>//host</c> and
/// <c>/\host</c> as another origin, so such a target is never sent even if some route template could match it.
/// </summary>
public sealed class TrailingSlash(EndpointDataSource endpoints)
{
    private sealed record Candidate(TemplateMatcher Matcher, IReadOnlyList<string> Hosts);

    private (IReadOnlyList<Endpoint> Source, Candidate[] Routes)? table;

    /// <summary>The <c>Location</c> for a request whose path ends in <c>/</c>, or null when no redirect applies.</summary>
    public string? LocationFor(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value;
        if (path is not { Length: > 1 } || !path.EndsWith('/')) return null;
        var trimmed = path.TrimEnd('/');
        if (!IsSingleSlashPath(trimmed) || !RouteExists(trimmed, request)) return null;
        var location = request.PathBase.Add(new PathString(trimmed)).ToUriComponent() + request.QueryString.ToUriComponent();
        return IsSingleSlashPath(location) ? location : null;
    }

    /// <summary>A same-origin path reference: one <c>/</c>, then neither <c>/</c> nor <c>\</c> (RFC 3986 §4.2, WHATWG URL treats <c>\</c> as <c>/</c>).</summary>
    public static bool IsSingleSlashPath(string value) =>
        value.Length > 0 && value[0] == '/' && (value.Length == 1 || (value[1] != '/' && value[1] != '\\'));

    private bool RouteExists(string path, HttpRequest request)
    {
        var values = new RouteValueDictionary();
        foreach (var route in Routes())
        {
            values.Clear();
            if ((route.Hosts.Count == 0 || route.Hosts.Any(h => HostMatches(h, request))) && route.Matcher.TryMatch(path, values))
                return true;
        }
        return false;
    }

    private Candidate[] Routes()
    {
        var current = endpoints.Endpoints;
        if (table is { } cached && ReferenceEquals(cached.Source, current)) return cached.Routes;
        var routes = current.OfType<RouteEndpoint>()
            .Select(e => new Candidate(
                new TemplateMatcher(new RouteTemplate(e.RoutePattern), new RouteValueDictionary(e.RoutePattern.Defaults)),
                e.Metadata.GetMetadata<IHostMetadata>()?.Hosts ?? []))
            .ToArray();
        table = (current, routes);
        return routes;
    }

    /// <summary>The host rule of <c>RequireHost</c>: <c>*</c>, <c>*.suffix</c> or a name, with an optional port (default by scheme).</summary>
    private static bool HostMatches(string spec, HttpRequest request)
    {
        var colon = spec.LastIndexOf(':');
        var (name, port) = colon > 0 && !spec.EndsWith(']') ? (spec[..colon], spec[(colon + 1)..]) : (spec, "*");
        var actualPort = request.Host.Port ?? (request.IsHttps ? 443 : 80);
        if (port != "*" && port != actualPort.ToString(System.Globalization.CultureInfo.InvariantCulture)) return false;
        var host = request.Host.Host;
        return name == "*"
            || (name.StartsWith("*.", StringComparison.Ordinal) && host.EndsWith(name[1..], StringComparison.OrdinalIgnoreCase))
            || string.Equals(name, host, StringComparison.OrdinalIgnoreCase);
    }
}
