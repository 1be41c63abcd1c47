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
public static class ValidationErrors
{
    public static IReadOnlyList<ValidationItem> FromBadRequest(BadHttpRequestException ex)
    {
        if (ex.InnerException is JsonException json)
        {
            // Malformed JSON and wrong types both surface here; the path says where.
            var loc = new List<object> { "body" };
            if (!string.IsNullOrEmpty(json.Path) && json.Path != "$")
                loc.AddRange(json.Path.TrimStart('$', '.').Split('.', StringSplitOptions.RemoveEmptyEntries));
            return [new ValidationItem(json.Path is null or "$" ? "json_invalid" : "type_error", loc, json.Path is null or "$" ? "JSON decode error" : "Input has the wrong type", null)];
        }
        if (ex.Message.Contains("body", StringComparison.OrdinalIgnoreCase))
            return [new ValidationItem("missing", ["body"], "Field required", null)];
        return [new ValidationItem("value_error", ["query"], "Invalid request parameter", null)];
    }
}
