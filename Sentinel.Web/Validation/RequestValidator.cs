using System.Net;
using System.Text.RegularExpressions;
using Sentinel.Web.Errors;

namespace Sentinel.Web.Validation;

/// <summary>
/// Collects field errors in the contract's 422 shape (the original's pydantic list) and answers them all at once
/// with <c>code: validation_failed</c>.
/// </summary>
public sealed partial class RequestValidator
{
    private readonly List<ValidationItem> items = [];

    public bool Failed => items.Count > 0;

    public IResult Result() => ApiErrors.Result422(items);

    /// <summary>Adds an item built elsewhere (nested locations such as <c>["body","checks",3,"action"]</c>).</summary>
    public RequestValidator Add(ValidationItem item)
    {
        items.Add(item);
        return this;
    }

    /// <summary>A required body field that was absent or null.</summary>
    public RequestValidator Required(string field, object? value, string where = "body")
    {
        if (value is null) items.Add(new ValidationItem("missing", [where, field], "Field required", null));
        return this;
    }

    public RequestValidator Length(string field, string? value, int min, int? max, string where = "body")
    {
        if (value is null) return this;
        if (value.Length < min)
            items.Add(new ValidationItem("string_too_short", [where, field], $"String should have at least {min} character{(min == 1 ? "" : "s")}", value,
                new Dictionary<string, object?> { ["min_length"] = min }));
        else if (max is { } m && value.Length > m)
            items.Add(new ValidationItem("string_too_long", [where, field], $"String should have at most {m} characters", value,
                new Dictionary<string, object?> { ["max_length"] = m }));
        return this;
    }

    public RequestValidator Pattern(string field, string? value, Regex pattern, string where = "body")
    {
        if (value is not null && !pattern.IsMatch(value))
            items.Add(new ValidationItem("string_pattern_mismatch", [where, field], $"String should match pattern '{pattern}'", value,
                new Dictionary<string, object?> { ["pattern"] = pattern.ToString() }));
        return this;
    }

    public RequestValidator OneOf(string field, string? value, IReadOnlyList<string> allowed, string where = "body")
    {
        if (value is not null && !allowed.Contains(value))
        {
            var expected = allowed.Count == 1 ? $"'{allowed[0]}'" : string.Join(", ", allowed.Take(allowed.Count - 1).Select(a => $"'{a}'")) + $" or '{allowed[^1]}'";
            items.Add(new ValidationItem("literal_error", [where, field], $"Input should be {expected}", value,
                new Dictionary<string, object?> { ["expected"] = expected }));
        }
        return this;
    }

    public RequestValidator Email(string field, string? value, string where = "body")
    {
        if (value is not null && !Emails.IsValid(value))
            items.Add(new ValidationItem("value_error", [where, field], "value is not a valid email address: The email address is not valid.", value,
                new Dictionary<string, object?> { ["reason"] = "The email address is not valid." }));
        return this;
    }

    public RequestValidator Range(string field, int? value, int min, int max, string where = "query")
    {
        if (value is null) return this;
        if (value < min)
            items.Add(new ValidationItem("greater_than_equal", [where, field], $"Input should be greater than or equal to {min}", value, new Dictionary<string, object?> { ["ge"] = min }));
        else if (value > max)
            items.Add(new ValidationItem("less_than_equal", [where, field], $"Input should be less than or equal to {max}", value, new Dictionary<string, object?> { ["le"] = max }));
        return this;
    }
}

/// <summary>Text rules of the contract: display text is HTML-stripped and trimmed after length validation.</summary>
public static partial class SafeText
{
    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tags();

    public static string? Clean(string? value) => value is null ? null : WebUtility.HtmlDecode(Tags().Replace(value, "")).Replace("<", "").Replace(">", "").Trim();

    /// <summary>Only http and https avatars are kept; anything else counts as absent.</summary>
    public static string? HttpUrl(string? value) =>
        value is not null && Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && value.Length <= 2048
            ? value
            : null;
}

/// <summary>Email normalisation: trimmed, compared case-insensitively; stored as given.</summary>
public static partial class Emails
{
    [GeneratedRegex(@"^[^@\s<>()\[\],;:""]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")]
    private static partial Regex Shape();

    public static bool IsValid(string value) => value.Length <= 320 && Shape().IsMatch(value.Trim());

    public static string Normalize(string value) => value.Trim();
}
