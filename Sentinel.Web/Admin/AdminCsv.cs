using System.Globalization;
using System.Text;

namespace Sentinel.Web.Admin;

/// <summary>RFC 4180 reading and writing for the admin import and exports.</summary>
public static class AdminCsv
{
    /// <summary>Splits CSV text into records of fields: quoted fields may hold commas, quotes (doubled) and line breaks.</summary>
    public static IEnumerable<IReadOnlyList<string>> Read(string text)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        var any = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
                continue;
            }
            switch (c)
            {
                case '"' when field.Length == 0:
                    quoted = true;
                    any = true;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    any = true;
                    break;
                case '\r' or '\n':
                    if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
                    if (any || field.Length > 0)
                    {
                        fields.Add(field.ToString());
                        yield return fields;
                    }
                    fields = [];
                    field.Clear();
                    any = false;
                    break;
                default:
                    field.Append(c);
                    any = true;
                    break;
            }
        }
        if (any || field.Length > 0)
        {
            fields.Add(field.ToString());
            yield return fields;
        }
    }

    /// <summary>One CSV field. Text that a spreadsheet would run as a formula gets a leading <c>'</c> (the original exported formulas as they were).</summary>
    public static string Text(string? value)
    {
        if (value is null) return "None";
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r') value = "'" + value;
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    /// <summary>Python's rendering of a bool, as the original's CSV writer produced it.</summary>
    public static string Bool(bool value) => value ? "True" : "False";

    /// <summary>ISO-8601 with <c>+00:00</c> (the contract's CSV form), microseconds only when non-zero.</summary>
    public static string Time(DateTimeOffset value)
    {
        var utc = value.ToUniversalTime();
        var micros = utc.Ticks % TimeSpan.TicksPerSecond / 10;
        return utc.ToString(micros == 0 ? "yyyy-MM-dd'T'HH:mm:ss" : "yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "+00:00";
    }

    public static string Id(Guid? value) => value?.ToString() ?? "None";

    public static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);
}
