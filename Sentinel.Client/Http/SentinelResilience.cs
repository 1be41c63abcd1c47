using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace Sentinel.Client;

/// <summary>
/// The pipeline around every call to Sentinel: a total timeout, retries of idempotent calls only (a retried share or
/// resolve could act twice), and a timeout per attempt.
/// </summary>
internal static class SentinelResilience
{
    public static IHttpClientBuilder AddSentinelResilience(this IHttpClientBuilder builder, Func<SentinelOptions, TimeSpan> attemptTimeout)
    {
        builder.ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan);
        builder.AddResilienceHandler("sentinel", (pipeline, context) =>
        {
            var options = context.ServiceProvider.GetRequiredService<IOptions<SentinelOptions>>().Value;
            var attempt = attemptTimeout(options);
            pipeline.AddTimeout(attempt * (options.MaxRetries + 1) + TimeSpan.FromSeconds(options.MaxRetries * 2));
            if (options.MaxRetries > 0)
            {
                pipeline.AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = options.MaxRetries,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = TimeSpan.FromMilliseconds(200),
                    ShouldRetryAfterHeader = true,
                    ShouldHandle = args => ValueTask.FromResult(IsIdempotent(args.Outcome.Result?.RequestMessage ?? args.Context.GetRequestMessage())
                        && HttpClientResiliencePredicates.IsTransient(args.Outcome)),
                });
            }
            pipeline.AddTimeout(attempt);
        });
        return builder;
    }

    private static bool IsIdempotent(HttpRequestMessage? request)
    {
        if (request is null) return false;
        if (request.Options.TryGetValue(SentinelHttp.Idempotent, out var marked)) return marked;
        return request.Method == HttpMethod.Get || request.Method == HttpMethod.Head;
    }
}
