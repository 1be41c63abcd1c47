using Microsoft.Extensions.Primitives;
using Sentinel.Web.Errors;

namespace Sentinel.Web.Validation;

/// <summary>
/// U+0000 at the edge, for every route at once (never a 500 for bad input). PostgreSQL refuses NUL in
/// <c>text</c>, so a query or path value holding one is refused here as the contract's 422, with <c>loc</c> at the
/// parameter; JSON bodies are checked by <see cref="Json.NoNulStringConverter"/>. Header values are only ever recorded
/// (User-Agent and the request id on sessions and logs), so a NUL in them is replaced by U+FFFD instead of failing a
/// sign-in; a credential header changed that way no longer verifies.
/// </summary>
public static class NulText
{
    public const string Message = Json.NulCharacterException.Text;

    /// <summary>The 422 items for NULs in the query string and route values; empty when there are none.</summary>
    public static List<ValidationItem> Find(HttpContext context)
    {
        var items = new List<ValidationItem>();
        foreach (var (name, values) in context.Request.Query)
        {
            if (name.Contains('\0')) items.Add(Item("query", name, name));
            else if (HasNul(values)) items.Add(Item("query", name, values.ToString()));
        }
        foreach (var (name, value) in context.Request.RouteValues)
        {
            if (value is string text && text.Contains('\0')) items.Add(Item("path", name, text));
        }
        return items;
    }

    /// <summary>Replaces U+0000 in request header values with U+FFFD.</summary>
    public static void CleanHeaders(IHeaderDictionary headers)
    {
        List<string>? dirty = null;
        foreach (var (name, values) in headers)
        {
            if (HasNul(values)) (dirty ??= []).Add(name);
        }
        if (dirty is null) return;
        foreach (var name in dirty)
            headers[name] = new StringValues(headers[name].Select(v => v?.Replace('\0', '\uFFFD')).ToArray());
    }

    private static bool HasNul(StringValues values)
    {
        foreach (var v in values)
        {
            if (v is not null && v.Contains('\0')) return true;
        }
        return false;
    }

    private static ValidationItem Item(string where, string name, string input) =>
        new("string_nul_character", [where, name], Message, input);
}
