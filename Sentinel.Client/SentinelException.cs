namespace Sentinel.Client;

/// <summary>
/// A call to Sentinel failed: Sentinel refused it (<see cref="StatusCode"/>, <see cref="Detail"/> and <see cref="Code"/>
/// from its JSON error body: <c>detail</c> and <c>code</c>), or it could not be reached (<see cref="IsTransportFailure"/>; status 503).
/// </summary>
public sealed class SentinelException : Exception
{
    public SentinelException(int statusCode, string detail, string? code, bool isTransportFailure = false, Exception? innerException = null)
        : base($"Sentinel answered {statusCode}: {detail}" + (code is null ? "" : $" ({code})"), innerException)
    {
        StatusCode = statusCode;
        Detail = detail;
        Code = code;
        IsTransportFailure = isTransportFailure;
    }

    /// <summary>The HTTP status Sentinel answered; 503 when it could not be reached.</summary>
    public int StatusCode { get; }

    /// <summary>The error's <c>detail</c> (the messages of a 422 list, joined by "; ").</summary>
    public string Detail { get; }

    /// <summary>The stable snake_case <c>code</c>, when Sentinel sent one; <c>sentinel_unavailable</c> for a transport failure.</summary>
    public string? Code { get; }

    /// <summary>True when Sentinel was not reached or did not answer in time (connection refused, timeout, DNS).</summary>
    public bool IsTransportFailure { get; }

    internal static SentinelException Unavailable(Exception inner) =>
        new(503, "Sentinel is unavailable", "sentinel_unavailable", isTransportFailure: true, inner);
}
