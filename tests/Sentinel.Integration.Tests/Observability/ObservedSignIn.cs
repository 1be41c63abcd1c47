using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Sentinel.Grains.Directory;
using Sentinel.Grains.ServiceApps;
using Sentinel.Integration.Tests.SignIn;
using Sentinel.Testing;
using Sentinel.Testing.IdentityProviders;
using Xunit;

namespace Sentinel.Integration.Tests.Observability;

/// <summary>
/// Runs once, for the redaction and metrics tests: a real silo and a real web process with production logging (JSON,
/// PII redaction on, framework categories at Debug so their lines are captured too) and a refresh limit of 15 a minute (15 back to back from idle, then none until the window moves).
/// Through the local OpenID Connect provider it signs a person in twice, exchanges the codes, refreshes, replays a
/// rotated refresh token (reuse), refreshes until 429, logs out, and sends a service key and cookies. It keeps every
/// secret it saw, the processes' output, and <c>/metrics</c> before and after.
/// </summary>
public sealed class ObservedSignIn : IAsyncLifetime
{
    public const string Collection = "observed-sign-in";

    public ClusterHarness Harness { get; } = new("observe");
    public string Run { get; } = Guid.NewGuid().ToString("N")[..8];
    public OidcProviderFixture Provider { get; private set; } = null!;
    public Uri Web { get; private set; } = null!;
    public string EmailLocalPart { get; private set; } = "";
    public string EmailDomain => $"mail-{Run}.test";

    /// <summary>Every secret the flow handled, by what it is.</summary>
    public List<(string What, string Value)> Secrets { get; } = [];

    public string MetricsBefore { get; private set; } = "";
    public string MetricsAfter { get; private set; } = "";
    public string Output { get; private set; } = "";
    public HttpStatusCode ReuseStatus { get; private set; }
    public HttpStatusCode LimitedStatus { get; private set; }

    private static readonly Dictionary<string, string> Logging = new()
    {
        ["LOG_FORMAT"] = "json",
        ["LOG_PII_REDACTION"] = "true",
        ["LOG_LEVEL"] = "DEBUG",
        ["Logging__LogLevel__Default"] = "Debug",
        ["Logging__LogLevel__Microsoft.AspNetCore"] = "Debug",
        ["Logging__LogLevel__Sentinel"] = "Debug",
        ["Logging__LogLevel__Orleans"] = "Information",
    };

    public async Task InitializeAsync()
    {
        var port = TestEnvironment.FreePort();
        var baseUrl = $"http://127.0.0.1:{port}";
        var appRedirect = $"http://app-{Run}.test/callback";
        Provider = await OidcProviderFixture.StartAsync(new OidcProviderOptions
        {
            Clients = [new OidcClient("sentinel-observe", "sentinel-observe-secret-" + Run, [$"{baseUrl}/auth/callback/dex"])],
            Users = [],
        });
        Secrets.Add(("provider client secret", "sentinel-observe-secret-" + Run));
        await TestDatabase.EnsureMigratedAsync();
        await SignInCluster.ClientAppAsync(appRedirect);

        Harness.StartSilo("silo", extra: Logging);
        var env = new Dictionary<string, string>(Provider.SentinelEnvironment())
        {
            ["BASE_URL"] = baseUrl,
            ["SERVICE_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["SESSION_SECRET_KEY"] = "observe-session-secret-" + Run,
            ["RATE_LIMIT_REFRESH"] = "15/minute",
        };
        foreach (var (k, v) in Logging) env[k] = v;
        Secrets.Add(("session secret", env["SESSION_SECRET_KEY"]));
        Harness.StartWeb("web", env);
        Web = new Uri(baseUrl + "/");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await ClusterHarness.WaitUntilAsync(() => ClusterHarness.IsStatusAsync(http, new Uri(Web, "/health/ready"), HttpStatusCode.OK),
            TimeSpan.FromSeconds(120), "web ready", Harness.AllOutput);
        await using var orleans = await OrleansTestClient.ConnectAsync(Harness.ClusterId, TimeSpan.FromSeconds(60));

        // A person the provider knows, pre-provisioned with a workspace.
        EmailLocalPart = "zed.q" + Guid.NewGuid().ToString("N")[..10];
        var email = $"{EmailLocalPart}@{EmailDomain}";
        await Provider.AddUserAsync(new OidcUser(EmailLocalPart, email, true, "Zed Observed"));
        var userId = Guid.NewGuid();
        Assert.True((await orleans.Client.GetGrain<IUserGrain>(userId).CreateAsync(email, "Zed Observed", null, false)).IsOk);
        var workspaceId = Guid.NewGuid();
        Assert.True((await orleans.Client.GetGrain<IWorkspaceGrain>(workspaceId).CreateAsync("WS observed", $"ws-obs-{Run}", null, userId)).IsOk);
        var service = await orleans.Client.GetGrain<IServiceAppGrain>(Guid.NewGuid()).CreateAsync("observed", $"observed-{Run}", [], [], null);
        Assert.True(service.IsOk);
        Secrets.Add(("service key", service.Value!.ApiKey));

        foreach (var line in File.ReadAllLines(TestKeys.PrivateKeyPath).Where(l => !l.StartsWith("-----", StringComparison.Ordinal)))
            Secrets.Add(("private key material", line));
        foreach (var (what, url) in new[] { ("redis", TestEnvironment.RedisUrl), ("database", TestEnvironment.DatabaseUrl) })
            if (Uri.TryCreate(url, UriKind.Absolute, out var u) && u.UserInfo.Split(':') is [_, { Length: >= 6 } password])
                Secrets.Add(($"{what} password", Uri.UnescapeDataString(password)));

        MetricsBefore = await http.GetStringAsync(new Uri(Web, "/metrics"));

        var a = await SignInAsync(http, email, appRedirect, workspaceId);
        var b = await SignInAsync(http, email, appRedirect, workspaceId);

        using (var rotated = await Flow.RefreshAsync(http, Web, a.Refresh))
        {
            var a2 = await Flow.PairAsync(rotated);
            Secrets.Add(("rotated access token", a2.Access));
            Secrets.Add(("rotated refresh token", a2.Refresh));
            using var reuse = await Flow.RefreshAsync(http, Web, a.Refresh);
            ReuseStatus = reuse.StatusCode;
            // 15/minute: 15 back to back from idle, then 429 (fewer than 20 tries). The revoked family's token is refused (401) until the
            // limit answers 429; the loop stops at the first 429, so exactly one is counted.
            for (var i = 0; i < 20 && LimitedStatus != HttpStatusCode.TooManyRequests; i++)
            {
                using var again = await Flow.RefreshAsync(http, Web, a2.Refresh);
                LimitedStatus = again.StatusCode;
            }

            // Secrets in headers a log could pick up: a cookie, a bearer and a service key on one request.
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Web, "/users/me"));
            request.Headers.Authorization = new("Bearer", a2.Access);
            request.Headers.TryAddWithoutValidation("Cookie", $"admin_token={b.Access}; session=cookie-{Run}-value");
            request.Headers.TryAddWithoutValidation("X-Service-Key", service.Value.ApiKey);
            using var _ = await http.SendAsync(request);
            Secrets.Add(("cookie value", $"cookie-{Run}-value"));
        }
        using (var logout = await Flow.BearerAsync(http, HttpMethod.Post, new Uri(Web, "/auth/logout"), b.Access))
            Assert.Equal(HttpStatusCode.OK, logout.StatusCode);

        // The Prometheus exporter caches a scrape briefly, and log lines are written asynchronously.
        await Task.Delay(TimeSpan.FromSeconds(2));
        MetricsAfter = await http.GetStringAsync(new Uri(Web, "/metrics"));
        Output = string.Join("\n", Harness.Processes.Select(p => p.Output));
    }

    private async Task<(string Access, string Refresh)> SignInAsync(HttpClient http, string email, string appRedirect, Guid workspaceId)
    {
        var verifier = Flow.NewVerifier();
        var state = "st-" + Guid.NewGuid().ToString("N");
        var cookies = new CookieContainer();
        using var browser = BrowserlessLogin.CreateBrowser(cookies);
        var back = await BrowserlessLogin.SignInAsync(browser, Flow.LoginUrl(Web, "dex", appRedirect, Flow.ChallengeOf(verifier), state), new Uri(Provider.Issuer), email);
        var providerQuery = QueryHelpers.ParseQuery(back.Query);
        Secrets.Add(("provider code", providerQuery["code"].ToString()));
        Secrets.Add(("provider state", providerQuery["state"].ToString()));
        foreach (Cookie cookie in cookies.GetAllCookies())
            if (cookie.Value.Length >= 16) Secrets.Add(($"cookie {cookie.Name}", cookie.Value));
        using var response = await browser.GetAsync(back);
        Assert.True(response.StatusCode == HttpStatusCode.TemporaryRedirect, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}\n{Harness.AllOutput()[^Math.Min(4000, Harness.AllOutput().Length)..]}");
        var appQuery = QueryHelpers.ParseQuery(response.Headers.Location!.Query);
        var code = appQuery["code"].ToString();
        Secrets.Add(("auth code", code));
        Secrets.Add(("app state", state));
        Secrets.Add(("code verifier", verifier));

        using var workspaces = await http.GetAsync(new Uri(Web, $"/auth/workspaces?code={Uri.EscapeDataString(code)}"));
        Assert.Equal(HttpStatusCode.OK, workspaces.StatusCode);
        using var token = await http.PostAsJsonAsync(new Uri(Web, "/auth/token"), new { code, workspace_id = workspaceId, code_verifier = verifier });
        var pair = await Flow.PairAsync(token);
        Secrets.Add(("access token", pair.Access));
        Secrets.Add(("refresh token", pair.Refresh));
        return pair;
    }

    public async Task DisposeAsync()
    {
        await Harness.DisposeAsync();
        if (Provider is not null) await Provider.DisposeAsync();
    }

    /// <summary>The value of one Prometheus series (summed over series whose labels include <paramref name="labels"/>); 0 when absent.</summary>
    public static double Sample(string scrape, string name, params (string Key, string Value)[] labels)
    {
        double total = 0;
        foreach (var line in scrape.Split('\n'))
        {
            if (line.StartsWith('#') || line.Length == 0) continue;
            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var space = line.LastIndexOf(' ');
            var metric = brace >= 0 ? line[..brace] : line[..space];
            if (metric != name) continue;
            var labelText = brace >= 0 ? line[(brace + 1)..line.LastIndexOf('}')] : "";
            if (labels.All(l => labelText.Contains($"{l.Key}=\"{l.Value}\"", StringComparison.Ordinal)))
                total += double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
        }
        return total;
    }

    /// <summary>Lines that are not one JSON object.</summary>
    public IEnumerable<string> NonJsonLines()
    {
        foreach (var line in Output.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0))
        {
            bool ok;
            try
            {
                ok = JsonDocument.Parse(line).RootElement.ValueKind == JsonValueKind.Object;
            }
            catch (JsonException)
            {
                ok = false;
            }
            if (!ok) yield return line;
        }
    }
}

[CollectionDefinition(ObservedSignIn.Collection)]
public sealed class ObservedSignInCollection : ICollectionFixture<ObservedSignIn>;
