using System.Text.RegularExpressions;
using Sentinel.Grains.ServiceApps;
using Sentinel.Web.Errors;
using Sentinel.Web.Validation;

namespace Sentinel.Web.Authz;

/// <summary>
/// The field rules of the roles, permissions and authz schemas (docs/authorization.md), reported in the contract's 422
/// shape with the original's <c>type</c> and <c>msg</c>, at nested locations such as <c>["body","checks",3,"action"]</c>.
/// </summary>
public static partial class ContractRules
{
    /// <summary>Service and resource-type names in bodies (<c>SVC</c>).</summary>
    [GeneratedRegex("^[a-z][a-z0-9_.-]*$")]
    public static partial Regex ServiceName();

    /// <summary>RBAC action names.</summary>
    [GeneratedRegex("^[a-z][a-z0-9_.:-]*$")]
    public static partial Regex ActionName();

    [GeneratedRegex("^(view|edit)$")]
    public static partial Regex ViewOrEdit();

    [GeneratedRegex("^(private|workspace)$")]
    public static partial Regex Visibility();

    [GeneratedRegex("^(user|group)$")]
    public static partial Regex GranteeType();

    public const int MaxNameLength = 255;

    /// <summary>Required, at most 255 characters, and <see cref="ServiceName"/>.</summary>
    public static RequestValidator Svc(this RequestValidator v, object[] loc, string? value)
    {
        if (value is null) return v.Add(Missing(loc));
        if (value.Length > MaxNameLength)
            return v.Add(new ValidationItem("string_too_long", loc, $"String should have at most {MaxNameLength} characters", value,
                new Dictionary<string, object?> { ["max_length"] = MaxNameLength }));
        return v.Matches(loc, value, ServiceName());
    }

    /// <summary>Required (unless <paramref name="required"/> is false) and matching <paramref name="pattern"/>.</summary>
    public static RequestValidator Matches(this RequestValidator v, object[] loc, string? value, Regex pattern, bool required = true)
    {
        if (value is null) return required ? v.Add(Missing(loc)) : v;
        if (!pattern.IsMatch(value))
            v.Add(new ValidationItem("string_pattern_mismatch", loc, $"String should match pattern '{pattern}'", value,
                new Dictionary<string, object?> { ["pattern"] = pattern.ToString() }));
        return v;
    }

    /// <summary>A UUID given as a string; <see cref="Guid.Empty"/> when absent or malformed (and reported).</summary>
    public static Guid Uuid(this RequestValidator v, object[] loc, string? value, bool required = true)
    {
        if (value is null)
        {
            if (required) v.Add(Missing(loc));
            return Guid.Empty;
        }
        if (Guid.TryParse(value, out var id)) return id;
        v.Add(new ValidationItem("uuid_parsing", loc, "Input should be a valid UUID", value));
        return Guid.Empty;
    }

    /// <summary>A required list of at most <paramref name="max"/> items (pydantic's <c>too_long</c>).</summary>
    public static RequestValidator List<T>(this RequestValidator v, object[] loc, IReadOnlyCollection<T>? value, int? max = null)
    {
        if (value is null) return v.Add(Missing(loc));
        if (max is { } m && value.Count > m)
            v.Add(new ValidationItem("too_long", loc, $"List should have at most {m} items after validation, not {value.Count}", null,
                new Dictionary<string, object?> { ["field_type"] = "List", ["max_length"] = m, ["actual_length"] = value.Count }));
        return v;
    }

    public static RequestValidator Required(this RequestValidator v, object[] loc, object? value) => value is null ? v.Add(Missing(loc)) : v;

    public static object[] Body(params object[] path) => ["body", .. path];

    /// <summary>403 unless the request's <paramref name="serviceName"/> is the key's own service.</summary>
    public static IResult? Scope(ServiceKeyIdentity key, string serviceName) =>
        key.ServiceName == serviceName
            ? null
            : ApiErrors.Result(403, $"Service key is not authorized for service '{serviceName}'", ErrorCodes.ServiceNotAuthorized);

    private static ValidationItem Missing(object[] loc) => new("missing", loc, "Field required", null);
}
