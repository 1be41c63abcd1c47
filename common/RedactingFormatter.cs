using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Sentinel.Observability;

/// <summary>Options of <see cref="RedactingFormatter"/>.</summary>
internal sealed class RedactingFormatterOptions : ConsoleFormatterOptions
{
    /// <summary>One JSON object per line (true, the default) or readable single lines.</summary>
    public bool Json { get; set; } = true;

    /// <summary><c>LOG_PII_REDACTION</c>: keep only an email's domain; redact tokens, keys, secrets, cookies, authorization. Default: true.</summary>
    public bool Redact { get; set; } = true;
}

/// <summary>
/// Linked into both Sentinel.Web and Sentinel.Silo, so both processes write the same redacted JSON lines.
/// The last line of defence for logs: Sentinel's own messages carry ids, never emails or tokens, but framework and
/// library messages might. Every message and every state value passes through <see cref="Redact"/>.
/// </summary>
internal sealed partial class RedactingFormatter(IOptionsMonitor<RedactingFormatterOptions> options) : ConsoleFormatter(Name)
{
    public new const string Name = "sentinel";

    [GeneratedRegex(@"[A-Za-z0-9._%+\-]+@([A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)")]
    private static partial Regex Email();

    [GeneratedRegex(@"eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*")]
    private static partial Regex Jwt();

    [GeneratedRegex(@"sk_[A-Za-z0-9_\-]{8,}")]
    private static partial Regex ServiceKey();

    [GeneratedRegex(@"(?i)(bearer|basic)\s+[A-Za-z0-9._~+/=\-]+")]
    private static partial Regex AuthorizationValue();

    [GeneratedRegex(@"(?i)((?:code|code_verifier|state|token|access_token|refresh_token|id_token|client_secret|password|secret)=)[^&\s""]+")]
    private static partial Regex SecretParameter();

    [GeneratedRegex(@"(?i)^(authorization|cookie|set-cookie|x-service-key|.*token.*|.*secret.*|.*password.*|code|code_verifier|api_?key)$")]
    private static partial Regex SensitiveName();

    public static string Redact(string value)
    {
        if (value.Length == 0) return value;
        value = Jwt().Replace(value, "[redacted-jwt]");
        value = ServiceKey().Replace(value, "sk_[redacted]");
        value = AuthorizationValue().Replace(value, "$1 [redacted]");
        value = SecretParameter().Replace(value, "$1[redacted]");
        return Email().Replace(value, "***@$1");
    }

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var o = options.CurrentValue;
        var message = logEntry.Formatter?.Invoke(logEntry.State, logEntry.Exception) ?? "";
        string Clean(string v) => o.Redact ? Redact(v) : v;

        if (!o.Json)
        {
            textWriter.Write($"{DateTimeOffset.UtcNow:HH:mm:ss} {Short(logEntry.LogLevel)} {logEntry.Category}: {Clean(message)}");
            if (logEntry.Exception is { } ex) textWriter.Write($" [{ex.GetType().Name}: {Clean(ex.Message)}]");
            textWriter.WriteLine();
            return;
        }

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("time", DateTimeOffset.UtcNow.ToString("O"));
            json.WriteString("level", logEntry.LogLevel.ToString());
            json.WriteString("category", logEntry.Category);
            if (logEntry.EventId.Name is { } eventName) json.WriteString("event", eventName);
            json.WriteString("message", Clean(message));
            if (logEntry.State is IReadOnlyList<KeyValuePair<string, object?>> state)
            {
                foreach (var (key, value) in state)
                {
                    if (key == "{OriginalFormat}" || value is null) continue;
                    var text = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "";
                    json.WriteString(key, o.Redact && SensitiveName().IsMatch(key) ? "[redacted]" : Clean(text));
                }
            }
            scopeProvider?.ForEachScope((scope, writer) =>
            {
                if (scope is IEnumerable<KeyValuePair<string, object>> pairs)
                    foreach (var (key, value) in pairs)
                        if (key is "RequestId" or "TraceId" or "SpanId") writer.WriteString(key == "RequestId" ? "request_id" : key, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
            }, json);
            if (logEntry.Exception is { } exception)
            {
                json.WriteString("exception", exception.GetType().FullName);
                json.WriteString("exception_message", Clean(exception.Message));
            }
            json.WriteEndObject();
        }
        textWriter.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static string Short(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };
}

internal static class LoggingSetup
{
    /// <summary><c>LOG_PII_REDACTION</c> (default true).</summary>
    public static bool PiiRedaction(IConfiguration c) =>
        (c["LOG_PII_REDACTION"] ?? "true").Trim().ToLowerInvariant() is not ("false" or "0" or "no" or "off");

    /// <summary><c>LOG_FORMAT</c> (<c>json</c>, the default, or <c>console</c>).</summary>
    public static string LogFormat(IConfiguration c) => (c["LOG_FORMAT"] ?? "json").Trim().ToLowerInvariant();

    /// <summary><c>LOG_FORMAT</c>, <c>LOG_LEVEL</c> (default INFO) and <c>LOG_PII_REDACTION</c> for every line this process writes.</summary>
    public static ILoggingBuilder AddSentinelLogging(this ILoggingBuilder logging, IConfiguration c)
    {
        logging.ClearProviders();
        logging.AddConsole(o => o.FormatterName = RedactingFormatter.Name);
        var json = LogFormat(c) != "console";
        var redact = PiiRedaction(c);
        logging.AddConsoleFormatter<RedactingFormatter, RedactingFormatterOptions>(o =>
        {
            o.Json = json;
            o.Redact = redact;
            o.IncludeScopes = true;
        });
        var level = (c["LOG_LEVEL"] ?? "INFO").Trim().ToUpperInvariant() switch
        {
            "DEBUG" => LogLevel.Debug,
            "WARNING" or "WARN" => LogLevel.Warning,
            "ERROR" => LogLevel.Error,
            "CRITICAL" => LogLevel.Critical,
            "TRACE" => LogLevel.Trace,
            _ => LogLevel.Information,
        };
        logging.SetMinimumLevel(level);
        // Framework chatter stays at warnings unless asked for.
        logging.AddFilter("Microsoft", level > LogLevel.Warning ? level : LogLevel.Warning);
        logging.AddFilter("Orleans", level > LogLevel.Warning ? level : LogLevel.Warning);
        logging.AddFilter("System.Net.Http", LogLevel.Warning);
        return logging;
    }
}
