using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Sentinel.Client;

/// <summary>
/// With <c>app.UseExceptionHandler()</c>, a <see cref="SentinelException"/> escaping a handler answers as the seed's SDKs do (Sentinel.Client/README.md)
/// for the Python SDK: Sentinel unreachable → 503 with <c>Retry-After</c>; a refusal → its status (a non-error status →
/// 502), with Sentinel's <c>detail</c> and <c>code</c>.
/// </summary>
internal sealed class SentinelExceptionHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not SentinelException ex || httpContext.Response.HasStarted) return false;
        var status = ex.IsTransportFailure ? StatusCodes.Status503ServiceUnavailable : ex.StatusCode is >= 400 and < 600 ? ex.StatusCode : StatusCodes.Status502BadGateway;
        await SentinelProblem.WriteAsync(httpContext.Response, status, ex.Detail, ex.Code);
        return true;
    }
}
