using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;
using Sentinel.Testing;

namespace Sentinel.Client.Tests;

/// <summary>A request as it left the client: what the contract says about it is asserted on this.</summary>
public sealed record RecordedRequest(HttpMethod Method, Uri Uri, IReadOnlyDictionary<string, string> Headers, string? Body)
{
    public string PathAndQuery => Uri.PathAndQuery;

    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;

    public JsonNode? Json => Body is null ? null : JsonNode.Parse(Body);
}

/// <summary>
/// The primary handler of every Sentinel client in a unit test: records each request and answers from a function.
/// It also serves a discovery document and a JWKS for the test key at <see cref="BaseUrl"/> unless told otherwise.
/// </summary>
public sealed class StubSentinel : HttpMessageHandler
{
    public const string BaseUrl = "http://sentinel.test";
    public const string Key = "sk_test_key_0123456789";
    public const string Service = "docs-svc";

    private readonly ConcurrentQueue<RecordedRequest> requests = new();

    public Func<RecordedRequest, Task<HttpResponseMessage>> Respond { get; set; } = _ => Task.FromResult(Json(200, "{}"));

    /// <summary>Requests to Sentinel's API, without the discovery document and JWKS fetches.</summary>
    public IReadOnlyList<RecordedRequest> Requests => requests.Where(r => !r.Uri.AbsolutePath.StartsWith("/.well-known/", StringComparison.Ordinal)).ToArray();

    public IReadOnlyList<RecordedRequest> AllRequests => requests.ToArray();

    /// <summary>The JWKS served; the test key by default.</summary>
    public JsonObject Jwks { get; set; } = JwksOf(TestKeys.Rsa);

    /// <summary>Other documents served by absolute URL (an IdP's discovery and JWKS).</summary>
    public Dictionary<string, Func<string>> Documents { get; } = new(StringComparer.Ordinal);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var headers = request.Headers.ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        if (request.Content?.Headers.ContentType is { } type) headers["Content-Type"] = type.ToString();
        var recorded = new RecordedRequest(request.Method, request.RequestUri!, headers, body);
        requests.Enqueue(recorded);
        var url = request.RequestUri!.ToString();
        if (Documents.TryGetValue(url, out var document)) return Json(200, document());
        if (url == BaseUrl + "/.well-known/openid-configuration")
            return Json(200, new JsonObject { ["issuer"] = BaseUrl, ["jwks_uri"] = BaseUrl + "/.well-known/jwks.json", ["id_token_signing_alg_values_supported"] = new JsonArray("RS256") }.ToJsonString());
        if (url == BaseUrl + "/.well-known/jwks.json") return Json(200, Jwks.ToJsonString());
        // A real handler gives up when the caller's token (a timeout) fires; so does the stub.
        var response = await Respond(recorded).WaitAsync(cancellationToken);
        response.RequestMessage = request;
        return response;
    }

    public static HttpResponseMessage Json(int status, string json) =>
        new((HttpStatusCode)status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    public static JsonObject JwksOf(params System.Security.Cryptography.RSA[] keys)
    {
        var array = new JsonArray();
        foreach (var rsa in keys)
        {
            var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.ExportParameters(false)));
            array.Add(new JsonObject
            {
                ["kty"] = "RSA", ["use"] = "sig", ["alg"] = "RS256", ["kid"] = TestKeys.ThumbprintOf(rsa), ["n"] = jwk.N, ["e"] = jwk.E,
            });
        }
        return new JsonObject { ["keys"] = array };
    }
}
