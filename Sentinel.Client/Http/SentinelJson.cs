using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sentinel.Client;

/// <summary>The wire format: snake_case names and enum values (<c>service_name</c>, <c>"workspace"</c>), nulls left out.</summary>
internal static class SentinelJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
    };
}
