using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sentinel.Web.Json;

/// <summary>The contract's JSON: snake_case names, unknown fields ignored, datetimes as the original renders them.</summary>
public static class JsonSetup
{
    public static void Configure(JsonSerializerOptions o)
    {
        o.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        o.DictionaryKeyPolicy = null;
        o.Converters.Add(new ContractDateTimeOffsetConverter());
        o.Converters.Add(new NoNulStringConverter());
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
    }
}

/// <summary>
/// Every JSON string a request carries, refused when it holds U+0000: PostgreSQL cannot store NUL in <c>text</c> or
/// <c>jsonb</c>, so such a value would otherwise reach the database and fail there as a 500, and bad input is never a 500. Being the converter
/// for <see cref="string"/>, it covers every property, list item and dictionary key of every body type, so no route can
/// forget the check. The refusal is a <see cref="JsonException"/>, which the framework reports as a bad request and the
/// conventions answer as the contract's 422 with <c>loc</c> at the field.
/// </summary>
public sealed class NoNulStringConverter : JsonConverter<string>
{
    public override bool HandleNull => false;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String ? Checked(reader.GetString()!) : throw new JsonException();

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Checked(reader.GetString()!);

    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WritePropertyName(value);

    private static string Checked(string value) => value.Contains('\0') ? throw new NulCharacterException() : value;
}

/// <summary>A JSON string held U+0000 (see <see cref="NoNulStringConverter"/>).</summary>
public sealed class NulCharacterException() : JsonException(NulCharacterException.Text)
{
    public const string Text = "String should not contain the NUL character (U+0000)";
}

/// <summary>ISO-8601 with offset; UTC as <c>Z</c>; microseconds only when non-zero (the contract's datetime form).</summary>
public sealed class ContractDateTimeOffsetConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        DateTimeOffset.Parse(reader.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Format(value));

    public static string Format(DateTimeOffset value)
    {
        var utc = value.ToUniversalTime();
        var micros = utc.Ticks % TimeSpan.TicksPerSecond / 10;
        return micros == 0
            ? utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : utc.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
    }
}
