using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sentinel.Web.Errors;

/// <summary>One entry of the contract's 422 list: <c>{"type","loc":[…],"msg","input","ctx"?}</c>.</summary>
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

    /// <summary><c>$.actions[2].description</c> as <c>["actions", 2, "description"]</c>; <c>$['a.b']</c> as <c>["a.b"]</c>.</summary>
    public static IEnumerable<object> JsonPathParts(string? path)
    {
        if (string.IsNullOrEmpty(path)) yield break;
        var i = path.StartsWith('$') ? 1 : 0;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = path.IndexOfAny(['.', '['], i + 1);
                if (end < 0) end = path.Length;
                if (end > i + 1) yield return path[(i + 1)..end];
                i = end;
            }
            else if (path.AsSpan(i).StartsWith("['"))
            {
                var end = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                if (end < 0) { yield return path[(i + 2)..]; yield break; }
                yield return path[(i + 2)..end];
                i = end + 2;
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i + 1);
                if (end < 0) yield break;
                var index = path[(i + 1)..end];
                yield return int.TryParse(index, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : index;
                i = end + 1;
            }
            else i++;
        }
    }

    public static IReadOnlyList<ValidationItem> FromBadRequest(BadHttpRequestException ex, HttpContext context)
    {
        if (ex.InnerException is JsonException json)
        {
            // Malformed JSON, wrong types and NUL in a string all surface here; the path says where.
            var loc = new List<object> { "body" };
            loc.AddRange(JsonPathParts(json.Path));
            if (json is Json.NulCharacterException)
                return [new ValidationItem("string_nul_character", loc, Json.NulCharacterException.Text, null)];
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
