using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sentinel.Web.Errors;

/// <summary>One entry of the contract's 422 list (§1.3): <c>{"type","loc":[…],"msg","input","ctx"?}</c>.</summary>
public sealed record ValidationItem(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("loc")] IReadOnlyList<object> Loc,
    [property: JsonPropertyName("msg")] string Msg,
    [property: JsonPropertyName("input")] object? Input,
    [property: JsonPropertyName("ctx"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, object?>? Ctx = null);

/// <summary>Builds the 422 list from framework binding failures.</summary>
public static partial class ValidationErrors
{
    [System.Text.RegularExpressions.GeneratedRegex("parameter \"(\\S+) (\\w+)\" from \"(.*)\"")]
    private static partial System.Text.RegularExpressions.Regex BindFailure();

    public static IReadOnlyList<ValidationItem> FromBadRequest(BadHttpRequestException ex, HttpContext context)
    {
        if (ex.InnerException is JsonException json)
        {
            // Malformed JSON and wrong types both surface here; the path says where.
            var loc = new List<object> { "body" };
            if (!string.IsNullOrEmpty(json.Path) && json.Path != "$")
                loc.AddRange(json.Path.TrimStart('$', '.').Split('.', StringSplitOptions.RemoveEmptyEntries));
            return [new ValidationItem(json.Path is null or "$" ? "json_invalid" : "type_error", loc, json.Path is null or "$" ? "JSON decode error" : "Input has the wrong type", null)];
        }
        var bind = BindFailure().Match(ex.Message);
        if (bind.Success)
        {
            // 'Failed to bind parameter "Guid workspace_id" from "abc".' Route values are path, the rest query.
            var (type, name, input) = (bind.Groups[1].Value, bind.Groups[2].Value, bind.Groups[3].Value);
            var where = context.Request.RouteValues.ContainsKey(name) ? "path" : "query";
            // "int?" and "Nullable<int>" as well as "Int32".
            var integer = type.Contains("int", StringComparison.OrdinalIgnoreCase);
            return type.Contains("Guid", StringComparison.Ordinal)
                ? [new ValidationItem("uuid_parsing", [where, name], "Input should be a valid UUID", input)]
                : [new ValidationItem(integer ? "int_parsing" : "value_error", [where, name],
                    integer ? "Input should be a valid integer, unable to parse string as an integer" : "Input is not valid", input)];
        }
        if (ex.Message.Contains("body", StringComparison.OrdinalIgnoreCase))
            return [new ValidationItem("missing", ["body"], "Field required", null)];
        return [new ValidationItem("value_error", ["query"], "Invalid request parameter", null)];
    }
}
