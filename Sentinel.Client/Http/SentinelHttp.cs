using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Sentinel.Client;

/// <summary>Which bearer a call sends beside the service key: none, the user's access token, or an authz token.</summary>
internal enum BearerUse
{
    /// <summary>Key-only routes: registration and ACL management.</summary>
    None,

    /// <summary>Dual and strict routes: the given bearer, else the current request's Sentinel token.</summary>
    Caller,
}

/// <summary>One request to Sentinel: service key, optional bearer, JSON both ways, errors as <see cref="SentinelException"/>.</summary>
internal sealed class SentinelHttp(HttpClient http, IOptionsMonitor<SentinelOptions> options, IHttpContextAccessor accessor)
{
    /// <summary>Named client for the discovery document and JWKS (timeouts and retries, no service key).</summary>
    public const string MetadataClient = "Sentinel.Metadata";

    /// <summary>Marks a request safe to retry (a read, or an upsert that returns the same row).</summary>
    public static readonly HttpRequestOptionsKey<bool> Idempotent = new("Sentinel.Idempotent");

    public SentinelOptions Options => options.CurrentValue;

    public string ServiceName => Options.ServiceName
        ?? throw new InvalidOperationException("Sentinel:ServiceName is not configured.");

    public async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, BearerUse bearerUse, string? bearer, bool idempotent, CancellationToken cancellationToken)
    {
        using var response = await SendCoreAsync(method, path, body, bearerUse, bearer, idempotent, cancellationToken);
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(SentinelJson.Options, cancellationToken)
                ?? throw new JsonException("null body");
        }
        catch (JsonException ex)
        {
            throw new SentinelException(502, "Sentinel sent a response this client cannot read", "invalid_response", innerException: ex);
        }
    }

    public async Task SendAsync(HttpMethod method, string path, object? body, BearerUse bearerUse, string? bearer, bool idempotent, CancellationToken cancellationToken)
    {
        using var response = await SendCoreAsync(method, path, body, bearerUse, bearer, idempotent, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendCoreAsync(HttpMethod method, string path, object? body, BearerUse bearerUse, string? bearer, bool idempotent, CancellationToken cancellationToken)
    {
        var settings = Options;
        if (string.IsNullOrEmpty(settings.ServiceKey)) throw new InvalidOperationException("Sentinel:ServiceKey is not configured.");
        using var request = new HttpRequestMessage(method, new Uri(settings.Origin + path, UriKind.Absolute));
        request.Headers.Add(SentinelDefaults.ServiceKeyHeader, settings.ServiceKey);
        if (bearerUse == BearerUse.Caller && (bearer ?? accessor.HttpContext?.GetSentinelUser()?.Token) is { Length: > 0 } token)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null) request.Content = JsonContent.Create(body, body.GetType(), options: SentinelJson.Options);
        request.Options.Set(Idempotent, idempotent);

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        }
        catch (Exception ex) when (IsTransportFailure(ex, cancellationToken))
        {
            throw SentinelException.Unavailable(ex);
        }
        if (response.IsSuccessStatusCode) return response;
        using (response) throw await ErrorAsync(response, cancellationToken);
    }

    public static bool IsTransportFailure(Exception ex, CancellationToken cancellationToken) =>
        ex is HttpRequestException or TimeoutRejectedException or BrokenCircuitException
        || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    /// <summary>The contract's error body (<c>detail</c> string or 422 list, and <c>code</c>) as an exception.</summary>
    public static async Task<SentinelException> ErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        string detail = response.ReasonPhrase ?? $"HTTP {status}";
        string? code = null;
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            using var json = JsonDocument.Parse(text);
            if (json.RootElement.ValueKind == JsonValueKind.Object)
            {
                if (json.RootElement.TryGetProperty("detail", out var d))
                {
                    detail = d.ValueKind switch
                    {
                        JsonValueKind.String => d.GetString()!,
                        JsonValueKind.Array => string.Join("; ", d.EnumerateArray()
                            .Select(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("msg", out var m) ? m.GetString() : e.ToString())),
                        _ => d.ToString(),
                    };
                }
                if (json.RootElement.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String) code = c.GetString();
            }
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's page): the status and reason phrase are all there is.
        }
        return new SentinelException(status, detail, code);
    }
}
