using System.Text.Json.Serialization;

namespace Sentinel.Web.Infrastructure.Errors;

/// <summary>The contract's error body (<c>detail</c>) plus a stable <c>code</c> from <see cref="ErrorCodes"/>. Tests assert on <c>code</c>.</summary>
public sealed record ApiError(
    [property: JsonPropertyName("detail")] object Detail,
    [property: JsonPropertyName("code")] string Code);

/// <summary>Writes error bodies in one place, so every endpoint answers the same shape.</summary>
public static class ApiErrors
{
    /// <summary>Seconds a client should wait when the cluster is unreachable.</summary>
    public const int ClusterRetryAfterSeconds = 5;

    public static IResult Result(int status, string detail, string code) =>
        Results.Json(new ApiError(detail, code), statusCode: status);

    /// <summary>The contract's 422 list with <c>code: validation_failed</c>.</summary>
    public static IResult Result422(IReadOnlyList<ValidationItem> items) =>
        Results.Json(new ApiError(items, ErrorCodes.ValidationFailed), statusCode: StatusCodes.Status422UnprocessableEntity);

    public static Task WriteAsync(HttpContext context, int status, object detail, string code)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new ApiError(detail, code), context.RequestAborted);
    }

    /// <summary>
    /// The one 503 for an unreachable cluster (fail closed): <c>Retry-After</c> of <see cref="ClusterRetryAfterSeconds"/>
    /// and the <c>cluster_unavailable</c> body. Every route that cannot reach the cluster answers with this.
    /// </summary>
    public static IResult ClusterUnavailable() => ClusterUnavailableResult.Instance;

    /// <summary><see cref="ClusterUnavailable"/> written straight to the response, for middleware.</summary>
    public static Task WriteClusterUnavailableAsync(HttpContext context) => ClusterUnavailableResult.Instance.ExecuteAsync(context);

    /// <summary>The <c>Retry-After</c> header of <see cref="ClusterUnavailable"/>, for a route that answers 503 in another form (HTML).</summary>
    public static void SetClusterRetryAfter(HttpResponse response) =>
        response.Headers.RetryAfter = ClusterRetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private sealed class ClusterUnavailableResult : IResult
    {
        public static readonly ClusterUnavailableResult Instance = new();

        public Task ExecuteAsync(HttpContext httpContext)
        {
            SetClusterRetryAfter(httpContext.Response);
            return WriteAsync(httpContext, StatusCodes.Status503ServiceUnavailable, "Service temporarily unavailable", ErrorCodes.ClusterUnavailable);
        }
    }

    /// <summary>The default body for a status that an endpoint or the framework set without one.</summary>
    public static (string Detail, string Code) ForStatus(int status) => status switch
    {
        404 => ("Not Found", ErrorCodes.NotFound),
        405 => ("Method Not Allowed", ErrorCodes.MethodNotAllowed),
        413 => ("Request body too large", ErrorCodes.BodyTooLarge),
        415 => ("Unsupported Media Type", ErrorCodes.UnsupportedMediaType),
        500 => ("Internal Server Error", ErrorCodes.InternalError),
        503 => ("Service temporarily unavailable", ErrorCodes.ClusterUnavailable),
        _ => (ReasonPhrases(status), ErrorCodes.HttpStatusPrefix + status.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    };

    private static string ReasonPhrases(int status) =>
        Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : "Error";
}
