using Microsoft.AspNetCore.Diagnostics;
using Sentinel.Web.Cluster;

namespace Sentinel.Web.Errors;

/// <summary>
/// The contract's conventions for every route, in one place (docs/errors.md): trailing slash 307, the body cap, and a JSON
/// body with a stable <c>code</c> on every error, whoever produced the status.
/// </summary>
public static partial class ConventionsMiddleware
{
    /// <summary>Body cap from the contract: 10 MiB.</summary>
    public const long MaxBodyBytes = 10_485_760;

    public static IApplicationBuilder UseSentinelConventions(this IApplicationBuilder app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = HandleExceptionAsync, StatusCodeSelector = null });
        var trailingSlash = new TrailingSlash(app.ApplicationServices.GetRequiredService<EndpointDataSource>());
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (trailingSlash.LocationFor(context) is { } location)
            {
                // 307 keeps the method and body, as the original (Starlette) does.
                context.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
                context.Response.Headers.Location = location;
                return;
            }
            if (request.ContentLength is > MaxBodyBytes)
            {
                await ApiErrors.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "Request body too large", ErrorCodes.BodyTooLarge);
                return;
            }
            Validation.NulText.CleanHeaders(request.Headers);
            if (Validation.NulText.Find(context) is { Count: > 0 } nul)
            {
                await ApiErrors.WriteAsync(context, StatusCodes.Status422UnprocessableEntity, nul, ErrorCodes.ValidationFailed);
                return;
            }

            // Sentinel's handlers write the contract's errors themselves; an endpoint from a framework library (the
            // DEBUG-only OpenAPI document) may answer an error in text, so its error bodies are replaced. Only those
            // endpoints pay for the buffering stream.
            var guard = FrameworkErrorGuard.For(context);
            try
            {
                await next(context);
            }
            finally
            {
                guard?.Restore();
            }

            var response = context.Response;
            if (guard is { Swallowed: true })
            {
                response.ContentType = null;
                response.ContentLength = null;
            }
            if (response.StatusCode >= 400 && !response.HasStarted && response.ContentLength is null && string.IsNullOrEmpty(response.ContentType))
            {
                var (detail, code) = ApiErrors.ForStatus(response.StatusCode);
                await ApiErrors.WriteAsync(context, response.StatusCode, detail, code);
            }
        });
        return app;
    }

    private static async Task HandleExceptionAsync(HttpContext context)
    {
        var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Sentinel.Web.Errors");
        switch (error)
        {
            case ApiException api:
                await ApiErrors.WriteAsync(context, api.Status, api.Detail, api.Code);
                return;
            case ClusterUnavailableException:
            case not null when GrainCalls.IsTransport(error) && !context.RequestAborted.IsCancellationRequested:
                LogClusterUnavailable(logger, error.GetType().Name, context.Request.Path);
                await ApiErrors.WriteClusterUnavailableAsync(context);
                return;
            case Sentinel.Grains.Storage.StorageRejectedValueException:
                // Defence in depth behind the edge's NUL checks: a value the database refused is the request's fault.
                await ApiErrors.WriteAsync(context, StatusCodes.Status422UnprocessableEntity,
                    new[] { new ValidationItem("value_error", ["body"], "Input contains a value that cannot be stored", null) }, ErrorCodes.ValidationFailed);
                return;
            case BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge }:
                await ApiErrors.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "Request body too large", ErrorCodes.BodyTooLarge);
                return;
            case BadHttpRequestException bad:
                await ApiErrors.WriteAsync(context, StatusCodes.Status422UnprocessableEntity, ValidationErrors.FromBadRequest(bad, context), ErrorCodes.ValidationFailed);
                return;
            default:
                LogUnhandled(logger, error, context.Request.Path);
                await ApiErrors.WriteAsync(context, StatusCodes.Status500InternalServerError, "Internal Server Error", ErrorCodes.InternalError);
                return;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster unavailable ({Reason}) for {Path}")]
    private static partial void LogClusterUnavailable(ILogger logger, string reason, PathString path);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception for {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception? exception, PathString path);
}
