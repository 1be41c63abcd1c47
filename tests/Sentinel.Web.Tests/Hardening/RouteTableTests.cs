using System.Collections;
using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Sentinel.Grains.Directory;
using Sentinel.Web.Tests.Admin;
using Sentinel.Web.Tests.Authz;
using Xunit;
using Xunit.Abstractions;

namespace Sentinel.Web.Tests.Hardening;

/// <summary>
/// "No 5xx for any input, generated from the route table" (issue 23). Every endpoint of the running app
/// (<see cref="EndpointDataSource"/>) gets hostile values in each string and non-string field of its JSON body (the
/// body type from <see cref="IAcceptsMetadata"/>, walked recursively through nested objects and lists), each query
/// parameter of its handler, and each path parameter: NUL, invalid UTF-8, a 1 MB string, wrong JSON types, nesting
/// 1,000 deep, SQL and path-traversal strings. Requests carry every credential (owner bearer, admin cookie with the
/// CSRF header, service key) so handlers run instead of stopping at 401, against the real grains and PostgreSQL.
/// Expected: never a 5xx, never a hang, and every 4xx with the JSON error body (<c>detail</c> + <c>code</c>); the HTML cards
/// of the browser sign-in flows are allowed there. A 2xx/3xx is allowed (an SQL-looking name is a fine name);
/// afterwards the app must still answer. A new route is covered without editing this test.
/// Budget: about 60 s here, at most <see cref="Budget"/> on a busy 2-core box.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class RouteTableTests(SentinelWebApplication app, ITestOutputHelper output)
{
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan PerRequest = TimeSpan.FromSeconds(30);

    private const string InvalidUtf8Marker = "__invalid_utf8__";
    private const string DeepMarker = "__deep__";
    private static readonly string Megabyte = new('A', 1024 * 1024);
    private static readonly string Deep = new string('[', 1000) + new string(']', 1000);

    /// <summary>Hostile values for a JSON leaf: (kind, value as JSON node; markers are replaced in the raw bytes).</summary>
    private static readonly (string Kind, Func<JsonNode?> Value)[] JsonInputs =
    [
        ("nul", () => JsonValue.Create("a\0b")),
        ("invalid_utf8", () => JsonValue.Create(InvalidUtf8Marker)),
        ("1mb", () => JsonValue.Create(Megabyte)),
        ("wrong_type_number", () => JsonValue.Create(12345)),
        ("wrong_type_object", () => new JsonObject { ["$gt"] = "" }),
        ("nesting_1000", () => JsonValue.Create(DeepMarker)),
        ("sql", () => JsonValue.Create("' OR 1=1; DROP TABLE users; --")),
        ("traversal", () => JsonValue.Create("../../../../etc/passwd")),
    ];

    /// <summary>Hostile values for a query or path value, already percent-encoded.</summary>
    private static readonly (string Kind, string Encoded)[] UrlInputs =
    [
        ("nul", "a%00b"),
        ("invalid_utf8", "%FF%FE%C3%28"),
        // Kestrel refuses a request line over 8 KB with 414 (KestrelRejectionTests), so the longest value a real
        // request can carry in a URL is just under that; the test server has no such limit.
        ("1mb", new string('A', 7_000)),
        ("wrong_type_number", "12345"),
        ("wrong_type_object", "%7B%22%24gt%22%3A%22%22%7D"),
        ("nesting_1000", Uri.EscapeDataString(Deep)),
        ("sql", Uri.EscapeDataString("' OR 1=1; DROP TABLE users; --")),
        ("traversal", "..%2F..%2F..%2Fetc%2Fpasswd"),
    ];

    private static readonly string[] SignInQueryNames = ["redirect_uri", "code_challenge", "code_challenge_method", "state", "code", "error"];

    private sealed record Target(string Method, string Path, string? Json, byte[]? RawBody, string Label, string Host);

    /// <summary>The caller and its data. Credentials are minted per request: a hostile request to a logout route may legitimately revoke the one it carried.</summary>
    private sealed record World(Guid WorkspaceId, UserProfile Owner, UserProfile Member, Guid GroupId, TestService Service)
    {
        public string Bearer => Scenario.Token(Owner, WorkspaceId, "owner");
        public string Cookie => AdminScenario.CookieFor(Owner);
    }

    [Fact]
    public async Task no_route_answers_a_5xx_or_a_bodiless_error_for_hostile_input()
    {
        var world = await WorldAsync();
        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        var isService = app.Services.GetRequiredService<IServiceProviderIsService>();
        var targets = new List<Target>();
        var routes = 0;
        foreach (var endpoint in endpoints)
        {
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            foreach (var method in methods.Where(m => m != "HEAD" && m != "OPTIONS"))
            {
                routes++;
                targets.AddRange(TargetsFor(endpoint, method, world, isService));
            }
        }

        var watch = Stopwatch.StartNew();
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var statuses = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        var unauthorized = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var http = app.CreateClient(new() { AllowAutoRedirect = false });
        http.Timeout = Timeout.InfiniteTimeSpan;
        await Parallel.ForEachAsync(targets, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (target, _) =>
        {
            using var request = new HttpRequestMessage(new HttpMethod(target.Method), target.Path);
            request.Headers.Host = target.Host;
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + world.Bearer);
            request.Headers.TryAddWithoutValidation("Cookie", "admin_token=" + world.Cookie);
            request.Headers.TryAddWithoutValidation("X-Requested-With", "XMLHttpRequest");
            request.Headers.TryAddWithoutValidation("X-Service-Key", world.Service.Key);
            if (target.RawBody is not null)
                request.Content = new ByteArrayContent(target.RawBody) { Headers = { ContentType = new("application/json") } };
            using var timeout = new CancellationTokenSource(PerRequest);
            try
            {
                using var response = await http.SendAsync(request, timeout.Token);
                var status = (int)response.StatusCode;
                statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
                var text = await response.Content.ReadAsStringAsync(timeout.Token);
                if (status == 401) unauthorized.Add(target.Label.Split(' ')[1] + " " + Cut(text));
                if (Problem(target, status, response.Content.Headers.ContentType?.MediaType, text) is { } problem)
                    failures.Add($"{target.Label} -> {status}: {problem}: {Cut(text)}");
            }
            catch (InvalidOperationException ex) when (ex.Message.Contains("null characters", StringComparison.Ordinal))
            {
                // %00 in a path: refused before the app, by the test server as by Kestrel (a JSON 400 there, KestrelRejectionTests).
                statuses.AddOrUpdate(400, 1, (_, n) => n + 1);
            }
            catch (OperationCanceledException)
            {
                failures.Add($"{target.Label} -> no answer within {PerRequest.TotalSeconds:0} s");
            }
        });
        watch.Stop();

        // Nothing broke: the app, the cluster and the owner's workspace still answer.
        using (var health = await http.GetAsync("/health")) Assert.Equal(200, (int)health.StatusCode);
        using (var me = new HttpRequestMessage(HttpMethod.Get, "/users/me"))
        {
            me.Headers.TryAddWithoutValidation("Authorization", "Bearer " + world.Bearer);
            using var meResponse = await http.SendAsync(me);
            Assert.True((int)meResponse.StatusCode < 500, $"/users/me after the run: {(int)meResponse.StatusCode}");
        }

        var summary = $"route-table: {routes} routes x {JsonInputs.Length} inputs = {targets.Count} requests in {watch.Elapsed.TotalSeconds:0.0} s, " +
            $"max status {statuses.Keys.DefaultIfEmpty(0).Max()} ({string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}x{s.Value}"))})";
        output.WriteLine(summary);
        foreach (var group in unauthorized.GroupBy(u => u).OrderByDescending(g => g.Count()).Take(15))
        {
            output.WriteLine($"  401 x{group.Count()}: {group.Key}");
            Console.WriteLine($"  401 x{group.Count()}: {group.Key}");
        }
        Console.WriteLine(summary);
        Assert.True(failures.IsEmpty, $"{failures.Count} of {targets.Count} requests failed:\n" + string.Join("\n", failures.OrderBy(f => f).Take(40)));
        Assert.True(watch.Elapsed < Budget, $"the run took {watch.Elapsed}, over its budget of {Budget}");
    }

    /// <summary>Why a response breaks the error conventions (docs/errors.md), or null.</summary>
    private static string? Problem(Target target, int status, string? mediaType, string text)
    {
        if (status >= 500) return "server error";
        if (status < 400) return null;
        if (mediaType == "text/html" && IsBrowserFlow(target.Path)) return null;
        if (mediaType != "application/json") return $"error body is {mediaType ?? "empty"}";
        try
        {
            var body = JsonDocument.Parse(text).RootElement;
            if (!body.TryGetProperty("detail", out var detail) || detail.ValueKind is not (JsonValueKind.String or JsonValueKind.Array)) return "no detail";
            if (!body.TryGetProperty("code", out var code) || code.ValueKind != JsonValueKind.String) return "no code";
        }
        catch (JsonException)
        {
            return "error body is not JSON";
        }
        return null;
    }

    private static bool IsBrowserFlow(string path) =>
        path.StartsWith("/auth/login/", StringComparison.Ordinal) || path.StartsWith("/auth/callback/", StringComparison.Ordinal)
        || path.StartsWith("/auth/admin/login/", StringComparison.Ordinal) || path.StartsWith("/auth/admin/callback/", StringComparison.Ordinal);

    private static string Cut(string text) => text.Length > 200 ? text[..200] + "…" : text;

    private IEnumerable<Target> TargetsFor(RouteEndpoint endpoint, string method, World world, IServiceProviderIsService isService)
    {
        var pattern = endpoint.RoutePattern;
        var routeNames = pattern.Parameters.Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var host = endpoint.Metadata.GetMetadata<IHostMetadata>()?.Hosts.FirstOrDefault() is { } spec && spec.StartsWith("*:", StringComparison.Ordinal)
            ? "localhost" + spec[1..]
            : "localhost";
        var bodyType = endpoint.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;
        var handler = endpoint.Metadata.GetMetadata<MethodInfo>();
        var query = handler is null ? [] : QueryParameters(handler.GetParameters(), routeNames, bodyType, isService).Distinct().ToList();
        if (pattern.RawText?.StartsWith("/auth", StringComparison.Ordinal) == true || PathOf(pattern, _ => null, world).StartsWith("/auth", StringComparison.Ordinal))
            query.AddRange(SignInQueryNames.Where(n => !query.Contains(n)));
        var label = $"{method} {pattern.RawText ?? PathOf(pattern, _ => null, world)}";
        var baseline = bodyType is null ? null : Baseline(bodyType, "", world, 0);
        var validPath = PathOf(pattern, _ => null, world);

        // Path values.
        foreach (var name in routeNames)
        {
            foreach (var (kind, encoded) in UrlInputs)
                yield return Make(method, PathOf(pattern, n => n.Equals(name, StringComparison.OrdinalIgnoreCase) ? encoded : null, world), baseline, $"{label} path {name}={kind}", host);
        }
        // Query values.
        foreach (var name in query)
        {
            foreach (var (kind, encoded) in UrlInputs)
                yield return Make(method, $"{validPath}?{Uri.EscapeDataString(name)}={encoded}", baseline, $"{label} query {name}={kind}", host);
        }
        // Body: each leaf, then the body as a whole.
        if (baseline is null) yield break;
        foreach (var leaf in Leaves(baseline, ""))
        {
            foreach (var (kind, value) in JsonInputs)
            {
                var body = baseline.DeepClone();
                Replace(body, leaf, value());
                yield return Make(method, validPath, body, $"{label} body {leaf}={kind}", host);
            }
        }
        yield return new Target(method, validPath, null, Encoding.UTF8.GetBytes(Deep), $"{label} body=nesting_1000", host);
        yield return new Target(method, validPath, null, [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D], $"{label} body=invalid_utf8_key", host);
        yield return new Target(method, validPath, null, Encoding.UTF8.GetBytes("{\"a\":"), $"{label} body=truncated", host);
        yield return new Target(method, validPath, null, Encoding.UTF8.GetBytes("[]"), $"{label} body=wrong_type", host);
    }

    private static Target Make(string method, string path, JsonNode? body, string label, string host)
    {
        byte[]? raw = null;
        if (body is not null)
        {
            var json = body.ToJsonString();
            json = json.Replace($"\"{DeepMarker}\"", Deep, StringComparison.Ordinal);
            raw = Encoding.UTF8.GetBytes(json);
            var marker = Encoding.UTF8.GetBytes(InvalidUtf8Marker);
            var at = raw.AsSpan().IndexOf(marker);
            if (at >= 0)
                raw = [.. raw.AsSpan(0, at), 0xFF, 0xFE, 0xC3, 0x28, .. raw.AsSpan(at + marker.Length)];
        }
        return new Target(method, path, null, raw, label, host);
    }

    /// <summary>The path with valid values, except where <paramref name="hostile"/> gives one (already encoded).</summary>
    private static string PathOf(Microsoft.AspNetCore.Routing.Patterns.RoutePattern pattern, Func<string, string?> hostile, World world)
    {
        var segments = new List<string>();
        foreach (var segment in pattern.PathSegments)
        {
            var text = new StringBuilder();
            foreach (var part in segment.Parts)
            {
                switch (part)
                {
                    case Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart literal:
                        text.Append(literal.Content);
                        break;
                    case Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart parameter:
                        text.Append(hostile(parameter.Name) ?? Uri.EscapeDataString(ValidRouteValue(parameter.Name, world)));
                        break;
                    case Microsoft.AspNetCore.Routing.Patterns.RoutePatternSeparatorPart separator:
                        text.Append(separator.Content);
                        break;
                }
            }
            segments.Add(text.ToString());
        }
        return "/" + string.Join("/", segments);
    }

    private static string ValidRouteValue(string name, World world) => name switch
    {
        "workspace_id" => world.WorkspaceId.ToString(),
        "user_id" or "member_user_id" => world.Member.Id.ToString(),
        "group_id" => world.GroupId.ToString(),
        "service_name" => world.Service.Name,
        "provider" => "google",
        "resource_type" => "doc",
        "path" => "panel.css",
        _ => Guid.NewGuid().ToString(),
    };

    /// <summary>Parameters bound from the query: simple values that are neither route values, the body, nor services.</summary>
    private static IEnumerable<string> QueryParameters(ParameterInfo[] parameters, HashSet<string> routeNames, Type? bodyType, IServiceProviderIsService isService)
    {
        foreach (var p in parameters)
        {
            if (p.GetCustomAttribute<AsParametersAttribute>() is not null)
            {
                var ctor = p.ParameterType.GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault();
                foreach (var name in QueryParameters(ctor?.GetParameters() ?? [], routeNames, bodyType, isService)) yield return name;
                continue;
            }
            if (p.GetCustomAttribute<FromQueryAttribute>() is { Name: { } named }) { yield return named; continue; }
            if (p.ParameterType == bodyType || p.Name is null || routeNames.Contains(p.Name)) continue;
            if (p.GetCustomAttributes().Any(a => a is FromHeaderAttribute or FromBodyAttribute or FromServicesAttribute or FromRouteAttribute)) continue;
            var type = Nullable.GetUnderlyingType(p.ParameterType) ?? p.ParameterType;
            var simple = type == typeof(string) || type.IsPrimitive || type.IsEnum || type == typeof(Guid) || type == typeof(DateTimeOffset) || type == typeof(string[]);
            if (simple && !isService.IsService(p.ParameterType)) yield return p.Name;
        }
    }

    /// <summary>A plausible body for <paramref name="type"/>, so that only the value under test is hostile.</summary>
    private static JsonNode? Baseline(Type type, string name, World world, int depth)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string)) return JsonValue.Create(name switch
        {
            var n when n.Contains("email", StringComparison.Ordinal) => $"{Scenario.Unique("rt")}@example.com",
            "service_name" => world.Service.Name,
            "role" => "viewer",
            "permission" => "view",
            "visibility" => "private",
            "resource_type" => "doc",
            var n when n.Contains("url", StringComparison.Ordinal) || n.Contains("uri", StringComparison.Ordinal) => "https://app.example.com/cb",
            _ => Scenario.Unique("rt"),
        });
        if (type == typeof(Guid)) return JsonValue.Create(name switch
        {
            "workspace_id" => world.WorkspaceId,
            "user_id" or "grantee_id" or "owner_id" => world.Member.Id,
            "group_id" => world.GroupId,
            _ => Guid.NewGuid(),
        });
        if (type == typeof(bool)) return JsonValue.Create(false);
        if (type == typeof(int) || type == typeof(long)) return JsonValue.Create(1);
        if (type == typeof(double) || type == typeof(decimal)) return JsonValue.Create(1.0);
        if (type == typeof(DateTimeOffset) || type == typeof(DateTime)) return JsonValue.Create(DateTimeOffset.UtcNow);
        if (type.IsEnum) return JsonValue.Create(JsonNamingPolicy.SnakeCaseLower.ConvertName(Enum.GetNames(type)[0]));
        if (depth > 4) return null;
        if (type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type))
        {
            var item = type.IsArray ? type.GetElementType()! : type.GetGenericArguments().LastOrDefault() ?? typeof(string);
            if (type.IsGenericType && type.GetGenericArguments().Length == 2) return new JsonObject { ["key"] = Baseline(item, "value", world, depth + 1) };
            return new JsonArray(Baseline(item, Singular(name), world, depth + 1));
        }
        if (type.IsClass || type.IsValueType)
        {
            var obj = new JsonObject();
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanRead && p.GetIndexParameters().Length == 0))
            {
                if (property.GetCustomAttribute<JsonIgnoreAttribute>() is not null) continue;
                var json = property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name);
                obj[json] = Baseline(property.PropertyType, json, world, depth + 1);
            }
            return obj;
        }
        return null;
    }

    private static string Singular(string name) => name.EndsWith("ids", StringComparison.Ordinal) ? name[..^1] : name.TrimEnd('s');

    /// <summary>Every leaf (scalar, or empty container) of <paramref name="node"/> as a path like <c>actions/0/description</c>.</summary>
    private static IEnumerable<string> Leaves(JsonNode? node, string path)
    {
        switch (node)
        {
            case JsonObject obj when obj.Count > 0:
                foreach (var (key, child) in obj)
                    foreach (var leaf in Leaves(child, path.Length == 0 ? key : path + "/" + key)) yield return leaf;
                break;
            case JsonArray array when array.Count > 0:
                for (var i = 0; i < array.Count; i++)
                    foreach (var leaf in Leaves(array[i], path + "/" + i)) yield return leaf;
                break;
            default:
                if (path.Length > 0) yield return path;
                break;
        }
    }

    private static void Replace(JsonNode root, string path, JsonNode? value)
    {
        var parts = path.Split('/');
        var parent = root;
        foreach (var part in parts[..^1])
            parent = int.TryParse(part, out var i) && parent is JsonArray a ? a[i]! : parent[part]!;
        if (parent is JsonArray array) array[int.Parse(parts[^1], System.Globalization.CultureInfo.InvariantCulture)] = value;
        else parent[parts[^1]] = value;
    }

    /// <summary>A workspace of its own (owner is also an admin), a member, a group and a service app.</summary>
    private async Task<World> WorldAsync()
    {
        var services = new ServiceScenario(app);
        var created = await app.Cluster.GrainFactory.GetGrain<IUserGrain>(Guid.NewGuid()).CreateAsync($"{Scenario.Unique("rtadmin")}@example.com", "Route Table", null, isAdmin: true);
        Assert.True(created.IsOk, created.Error.ToString());
        var owner = created.Value!;
        var workspaceId = await services.S.WorkspaceAsync(owner);
        var member = await services.S.UserAsync();
        await services.S.AddMemberAsync(workspaceId, member, WorkspaceRole.Editor);
        var group = await services.Workspace(workspaceId).CreateGroupAsync(new Actor(owner.Id, "owner"), Scenario.Unique("group"), null);
        Assert.True(group.IsOk, group.Error.ToString());
        var service = await services.ServiceAsync();
        return new World(workspaceId, owner, member, group.Value!.Id, service);
    }
}
