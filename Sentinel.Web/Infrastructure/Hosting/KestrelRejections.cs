using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Sentinel.Web.Infrastructure.Errors;

namespace Sentinel.Web.Infrastructure.Hosting;

/// <summary>
/// The contract's JSON body (<c>detail</c> + <c>code</c>) on the errors Kestrel answers itself, before any
/// middleware runs: 431 (headers too large), 414 (request line too long) and the 400s of a request it cannot parse
/// (a malformed <c>Host</c> or <c>Content-Length</c>, <c>%00</c> in the path, an absolute-form target that disagrees
/// with <c>Host</c>). Kestrel has no hook for those responses (aspnet/KestrelHttpServer#2947), so a connection
/// middleware, on both listeners, rewrites them on their way out.
/// <para>
/// The rule it relies on: when Kestrel rejects a request it answers with a head of its own — status 4xx/5xx,
/// <c>Content-Length: 0</c>, <c>Connection: close</c>, no <c>Content-Type</c>, no body — flushed on its own (every
/// earlier response ended with a flush), and then closes the connection, so that head is the last thing written.
/// Sentinel's own errors always carry a JSON <c>Content-Type</c> (<see cref="ConventionsMiddleware"/>), so they never
/// look like one. The middleware therefore passes every flush through unchanged, except one that is exactly such a
/// head: that one is held, and written with a JSON body when the connection ends. If anything is written after it,
/// it was not the last response after all and goes out unchanged. This holds for keep-alive and pipelined requests.
/// </para>
/// <para>
/// The reason (bad host or bad Content-Length) is not in the head; it comes from Kestrel's own bad-request log event
/// for the connection (category <c>Microsoft.AspNetCore.Server.Kestrel.BadRequests</c>, logged before the response is
/// produced), captured by <see cref="Log"/>. Without it the body still has the status's generic detail and code.
/// </para>
/// </summary>
public static class KestrelRejections
{
    public const string BadRequestsCategory = "Microsoft.AspNetCore.Server.Kestrel.BadRequests";

    /// <summary>Kestrel's rejection message per open connection id; removed when the connection ends.</summary>
    private static readonly ConcurrentDictionary<string, string> Reasons = new();

    /// <summary>Rewrites Kestrel's own error responses on <paramref name="listen"/> (see the type's summary).</summary>
    public static void UseJsonRejections(this ListenOptions listen) => listen.Use(next => async connection =>
    {
        var transport = connection.Transport;
        var writer = new Writer(transport.Output, connection.ConnectionId);
        connection.Transport = new Pipe(transport.Input, writer);
        try
        {
            await next(connection);
        }
        finally
        {
            connection.Transport = transport;
            await writer.EndAsync();
            Reasons.TryRemove(connection.ConnectionId, out _);
        }
    });

    /// <summary>Lets <see cref="Log"/> see Kestrel's bad-request events (Debug), without changing any other provider's levels.</summary>
    public static ILoggingBuilder AddKestrelRejectionReasons(this ILoggingBuilder logging)
    {
        logging.AddProvider(new Log());
        logging.AddFilter<Log>(BadRequestsCategory, LogLevel.Debug);
        return logging;
    }

    /// <summary>The JSON error for a status Kestrel answered, given its rejection message when known.</summary>
    public static (string Detail, string Code) Describe(int status, string? reason)
    {
        if (reason is not null)
        {
            if (reason.Contains("Host header", StringComparison.OrdinalIgnoreCase))
                return ("Invalid host header", ErrorCodes.InvalidHost);
            if (reason.Contains("content length", StringComparison.OrdinalIgnoreCase) || reason.Contains("Content-Length", StringComparison.OrdinalIgnoreCase))
                return ("Invalid Content-Length header", ErrorCodes.InvalidContentLength);
        }
        return status switch
        {
            400 => ("Bad Request", ErrorCodes.BadRequest),
            408 => ("Request Timeout", ErrorCodes.RequestTimeout),
            411 => ("Length Required", ErrorCodes.LengthRequired),
            413 => ("Request body too large", ErrorCodes.BodyTooLarge),
            414 => ("URI Too Long", ErrorCodes.UriTooLong),
            431 => ("Request Header Fields Too Large", ErrorCodes.RequestHeadersTooLarge),
            _ => ApiErrors.ForStatus(status),
        };
    }

    /// <summary>A head that only Kestrel writes: see the type's summary for the rule. Returns its status, or 0.</summary>
    internal static int RejectionStatus(ReadOnlySpan<byte> batch)
    {
        if (batch.Length < 16 || !batch.StartsWith("HTTP/1.1 "u8) || batch[12] != (byte)' ') return 0;
        var end = batch.IndexOf("\r\n\r\n"u8);
        if (end < 0 || end + 4 != batch.Length) return 0;
        var head = Encoding.ASCII.GetString(batch[..(end + 2)]);
        if (!int.TryParse(head.AsSpan(9, 3), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var status) || status < 400)
            return 0;
        return head.Contains("\r\nContent-Length: 0\r\n", StringComparison.OrdinalIgnoreCase)
            && head.Contains("\r\nConnection: close\r\n", StringComparison.OrdinalIgnoreCase)
            && !head.Contains("\r\nContent-Type:", StringComparison.OrdinalIgnoreCase)
            ? status
            : 0;
    }

    /// <summary>The held head with the JSON body: its own headers except the length, then type, length and body.</summary>
    internal static byte[] Rewrite(ReadOnlySpan<byte> head, int status, string? reason)
    {
        var (detail, code) = Describe(status, reason);
        var body = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new ApiError(detail, code));
        var text = Encoding.ASCII.GetString(head[..^2]);
        var lines = text.Split("\r\n").Where(l => l.Length > 0 && !l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        var rewritten = string.Join("\r\n", lines)
            + "\r\nContent-Type: application/json; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nCache-Control: no-store"
            + "\r\nContent-Length: " + body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\r\n\r\n";
        return [.. Encoding.ASCII.GetBytes(rewritten), .. body];
    }

    private sealed class Pipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;
        public PipeWriter Output { get; } = output;
    }

    /// <summary>Kestrel's output for one connection: each flush is passed on, except a rejection head, which is held.</summary>
    private sealed class Writer(PipeWriter inner, string connectionId) : PipeWriter
    {
        private readonly ArrayBufferWriter<byte> batch = new(4096);
        private byte[]? held;
        private int heldStatus;
        private bool completed;
        private Exception? completion;

        public override bool CanGetUnflushedBytes => true;
        public override long UnflushedBytes => batch.WrittenCount;
        public override Memory<byte> GetMemory(int sizeHint = 0) => batch.GetMemory(sizeHint);
        public override Span<byte> GetSpan(int sizeHint = 0) => batch.GetSpan(sizeHint);
        public override void Advance(int bytes) => batch.Advance(bytes);
        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null)
        {
            completed = true;
            completion = exception;
        }

        public override async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            if (batch.WrittenCount == 0) return await inner.FlushAsync(cancellationToken);
            if (held is null && RejectionStatus(batch.WrittenSpan) is > 0 and var status)
            {
                held = batch.WrittenSpan.ToArray();
                heldStatus = status;
                batch.ResetWrittenCount();
                return new FlushResult(isCanceled: false, isCompleted: false);
            }
            Release();
            inner.Write(batch.WrittenSpan);
            batch.ResetWrittenCount();
            return await inner.FlushAsync(cancellationToken);
        }

        /// <summary>A held head turned out not to be the last response: it goes out as written.</summary>
        private void Release()
        {
            if (held is null) return;
            inner.Write(held);
            held = null;
        }

        /// <summary>The connection is over: the held head (if any) is the rejection, and gets its body.</summary>
        public async Task EndAsync()
        {
            try
            {
                if (held is not null)
                {
                    Reasons.TryGetValue(connectionId, out var reason);
                    inner.Write(Rewrite(held, heldStatus, reason));
                    held = null;
                }
                if (batch.WrittenCount > 0)
                {
                    inner.Write(batch.WrittenSpan);
                    batch.ResetWrittenCount();
                }
                await inner.FlushAsync();
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException)
            {
                // The peer is gone; nothing left to tell it.
            }
            if (completed) await inner.CompleteAsync(completion);
        }
    }

    /// <summary>Records Kestrel's bad-request events (event 17, <c>ConnectionBadRequest</c>) by connection id.</summary>
    [ProviderAlias("SentinelKestrelRejections")]
    public sealed class Log : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) =>
            categoryName == BadRequestsCategory ? new Recorder() : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

        public void Dispose() { }

        private sealed class Recorder : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (exception is not Microsoft.AspNetCore.Http.BadHttpRequestException || state is not IReadOnlyList<KeyValuePair<string, object?>> values) return;
                foreach (var (key, value) in values)
                {
                    if (key == "ConnectionId" && value is string id)
                    {
                        Reasons[id] = exception.Message;
                        return;
                    }
                }
            }
        }
    }
}
