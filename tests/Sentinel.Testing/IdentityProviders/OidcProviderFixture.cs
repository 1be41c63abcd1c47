using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Xunit;

namespace Sentinel.Testing.IdentityProviders;

/// <summary>A user of the local OpenID Connect provider. <see cref="Sub"/> is the ID token's <c>sub</c>.</summary>
public sealed record OidcUser(
    [property: JsonPropertyName("sub")] string Sub,
    [property: JsonPropertyName("email")] string Email,
    [property: JsonPropertyName("email_verified")] bool EmailVerified,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("picture"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Picture = null)
{
    public static OidcUser Alice { get; } = new("alice", "alice@example.com", true, "Alice Example");
    public static OidcUser Bob { get; } = new("bob", "bob@example.com", true, "Bob Example");
    public static OidcUser Admin { get; } = new("admin", "admin@example.com", true, "Admin Example");

    /// <summary>Signs in fine, but <c>email_verified</c> is false: Sentinel must refuse her.</summary>
    public static OidcUser Mallory { get; } = new("mallory", "mallory@example.com", false, "Mallory Unverified");

    public static IReadOnlyList<OidcUser> Defaults { get; } = [Alice, Bob, Admin, Mallory];
}

/// <summary>
/// A confidential client of the local provider. Both <c>client_secret_basic</c> and <c>client_secret_post</c> work.
/// <see cref="ResponseTypes"/> defaults to <c>code</c> and <c>id_token</c> (the implicit flow, for browser-side
/// authz-mode demos); redirect URIs are matched exactly.
/// </summary>
public sealed record OidcClient(string ClientId, string ClientSecret, IReadOnlyList<string> RedirectUris, IReadOnlyList<string>? ResponseTypes = null)
{
    /// <summary>The default client: its redirect URI needs no listener, since <see cref="BrowserlessLogin"/> stops there.</summary>
    public static OidcClient Test { get; } = new("test-client", "test-client-secret", ["http://127.0.0.1/test-rp/callback"]);
}

public sealed class OidcProviderOptions
{
    public IList<OidcClient> Clients { get; init; } = [OidcClient.Test];
    public IList<OidcUser> Users { get; init; } = [.. OidcUser.Defaults];

    /// <summary>Signing in with an email that is not among <see cref="Users"/> creates a verified user on the fly.</summary>
    public bool AllowUnknownUsers { get; init; }

    /// <summary><c>POST /test/id-token</c> and <c>/test/users</c>; on by default for tests.</summary>
    public bool TestEndpoints { get; init; } = true;

    /// <summary>Overrides the issuer (default <c>http://127.0.0.1:&lt;port&gt;</c>).</summary>
    public string? Issuer { get; init; }

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// The real OpenID Connect provider of <c>tests/fixtures/oidc-provider</c> (panva/oidc-provider on Node.js), as a
/// child process on a free loopback port. Runs <c>npm ci</c> once if its <c>node_modules</c> is missing or stale.
/// Use it as an xunit class fixture (default options), or <c>await using var op = await OidcProviderFixture.StartAsync(options)</c>.
/// The process is stopped on dispose, and also exits by itself if the test process dies (its stdin closes).
/// </summary>
public class OidcProviderFixture : IAsyncLifetime, IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly OidcProviderOptions options;
    private readonly StringBuilder output = new();
    private Process? process;
    private HttpClient? http;
    private JsonObject? discovery;

    public OidcProviderFixture() : this(new OidcProviderOptions()) { }

    /// <summary>For a class fixture with other options: derive, and pass them from the derived public constructor.</summary>
    protected OidcProviderFixture(OidcProviderOptions options) => this.options = options;

    public static async Task<OidcProviderFixture> StartAsync(OidcProviderOptions? options = null, CancellationToken cancellationToken = default)
    {
        var fixture = new OidcProviderFixture(options ?? new OidcProviderOptions());
        try
        {
            await fixture.StartInstanceAsync(cancellationToken);
        }
        catch
        {
            await fixture.DisposeAsync();
            throw;
        }
        return fixture;
    }

    public static string AppDirectory => Path.Combine(TestEnvironment.RepoRoot, "tests", "fixtures", "oidc-provider");

    public OidcProviderOptions Options => options;

    /// <summary>The issuer, e.g. <c>http://127.0.0.1:41234</c> (no trailing slash).</summary>
    public string Issuer { get; private set; } = "";

    public int Port { get; private set; }

    /// <summary>The discovery document, for <c>DEX_SERVER_METADATA_URL</c> / <c>OIDC_&lt;ID&gt;_METADATA_URL</c>.</summary>
    public string MetadataUrl => $"{Issuer}/.well-known/openid-configuration";

    public string AuthorizationEndpoint => Endpoint("authorization_endpoint");
    public string TokenEndpoint => Endpoint("token_endpoint");
    public string JwksUri => Endpoint("jwks_uri");
    public string UserinfoEndpoint => Endpoint("userinfo_endpoint");

    /// <summary>The discovery document as fetched at start.</summary>
    public JsonObject Discovery => discovery ?? throw new InvalidOperationException("The provider is not started.");

    public int? ProcessId => process?.Id;

    /// <summary>stdout and stderr of the node process, one line per request: for failure messages.</summary>
    public string Output
    {
        get { lock (output) return output.ToString(); }
    }

    /// <summary>
    /// The environment Sentinel needs to use this provider as the generic provider <paramref name="providerId"/>
    /// (<c>OIDC_PROVIDERS</c>), with the first configured client unless <paramref name="client"/> is given.
    /// </summary>
    public Dictionary<string, string> SentinelEnvironment(string providerId = "dex", OidcClient? client = null)
    {
        client ??= options.Clients[0];
        if (providerId == "dex")
        {
            return new()
            {
                ["DEX_CLIENT_ID"] = client.ClientId,
                ["DEX_CLIENT_SECRET"] = client.ClientSecret,
                ["DEX_SERVER_METADATA_URL"] = MetadataUrl,
            };
        }
        var id = providerId.ToUpperInvariant().Replace('-', '_');
        return new()
        {
            ["OIDC_PROVIDERS"] = providerId,
            [$"OIDC_{id}_METADATA_URL"] = MetadataUrl,
            [$"OIDC_{id}_CLIENT_ID"] = client.ClientId,
            [$"OIDC_{id}_CLIENT_SECRET"] = client.ClientSecret,
        };
    }

    private async Task StartInstanceAsync(CancellationToken cancellationToken)
    {
        if (process is not null) throw new InvalidOperationException("Already started.");
        await EnsureNodeModulesAsync(cancellationToken);

        var info = new ProcessStartInfo("node", ["server.mjs"])
        {
            WorkingDirectory = AppDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Nothing inherited may reshape it: a developer's shell may have DEX_* or OIDC_* set.
        foreach (var key in info.Environment.Keys.ToList())
        {
            if (key.StartsWith("OIDC_", StringComparison.Ordinal) || key.StartsWith("DEX_", StringComparison.Ordinal) || key == "BASE_URL")
                info.Environment.Remove(key);
        }
        info.Environment["OIDC_PORT"] = "0"; // the server binds first and reports its port: no race for a free port
        info.Environment["OIDC_CLIENTS"] = JsonSerializer.Serialize(options.Clients.Select(ClientMetadata));
        info.Environment["OIDC_USERS"] = JsonSerializer.Serialize(options.Users);
        info.Environment["OIDC_EXIT_ON_STDIN_CLOSE"] = "1";
        if (options.AllowUnknownUsers) info.Environment["OIDC_ALLOW_UNKNOWN_USERS"] = "1";
        if (options.TestEndpoints) info.Environment["OIDC_TEST_ENDPOINTS"] = "1";
        if (options.Issuer is not null) info.Environment["OIDC_ISSUER"] = options.Issuer;

        var listening = new TaskCompletionSource<(int Port, string Issuer)>(TaskCreationOptions.RunContinuationsAsynchronously);
        process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            Append(e.Data);
            if (e.Data is { } line && line.StartsWith("oidc-provider listening on ", StringComparison.Ordinal))
            {
                // "oidc-provider listening on http://127.0.0.1:PORT issuer=ISSUER"
                var parts = line["oidc-provider listening on ".Length..].Split(" issuer=", 2);
                listening.TrySetResult((new Uri(parts[0]).Port, parts[1]));
            }
        };
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"The OIDC provider exited during start-up:\n{Output}"));
        try
        {
            if (!process.Start()) throw new InvalidOperationException("Could not start node.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("`node` was not found: install Node.js 20.18 or later (22 LTS preferred).", e);
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.StartTimeout);
        try
        {
            (Port, Issuer) = await listening.Task.WaitAsync(timeout.Token);
            http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            discovery = await WaitForDiscoveryAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The OIDC provider did not answer within {options.StartTimeout}:\n{Output}");
        }
    }

    private async Task<JsonObject> WaitForDiscoveryAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                using var response = await http!.GetAsync(MetadataUrl, cancellationToken);
                if (response.IsSuccessStatusCode)
                    return JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!.AsObject();
            }
            catch (HttpRequestException)
            {
            }
            if (process!.HasExited) throw new InvalidOperationException($"The OIDC provider exited:\n{Output}");
            await Task.Delay(100, cancellationToken);
        }
    }

    private static Dictionary<string, object> ClientMetadata(OidcClient client) => new()
    {
        ["client_id"] = client.ClientId,
        ["client_secret"] = client.ClientSecret,
        ["redirect_uris"] = client.RedirectUris,
        ["response_types"] = client.ResponseTypes ?? ["code", "id_token"],
    };

    private string Endpoint(string name) =>
        Discovery[name]?.GetValue<string>() ?? throw new InvalidOperationException($"The discovery document has no {name}.");

    /// <summary>
    /// An ID token for <paramref name="email"/> with <c>aud</c> = <paramref name="audience"/>, signed with the
    /// provider's own key (so it verifies against its JWKS), <c>iss</c> = <see cref="Issuer"/>; for <c>/authz/resolve</c>.
    /// <paramref name="lifetime"/> may be negative (an expired token); <paramref name="extraClaims"/> are merged last and
    /// can override anything (<c>email_verified</c>, <c>iss</c>, ...); <paramref name="untrustedKey"/> signs with a key
    /// that is not in the JWKS (same <c>kid</c>), for signature-failure tests.
    /// </summary>
    public async Task<string> MintIdTokenAsync(
        string email,
        string audience,
        TimeSpan? lifetime = null,
        IReadOnlyDictionary<string, object?>? extraClaims = null,
        string? nonce = null,
        bool untrustedKey = false,
        CancellationToken cancellationToken = default)
    {
        var body = new Dictionary<string, object?> { ["email"] = email, ["aud"] = audience };
        if (lifetime is { } l) body["expires_in"] = (long)l.TotalSeconds;
        if (extraClaims is not null) body["claims"] = extraClaims;
        if (nonce is not null) body["nonce"] = nonce;
        if (untrustedKey) body["untrusted_key"] = true;
        using var response = await Http.PostAsJsonAsync($"{Issuer}/test/id-token", body, Json, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"POST /test/id-token: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!["id_token"]!.GetValue<string>();
    }

    /// <summary>Adds (or replaces, by email) a user while the provider runs.</summary>
    public async Task AddUserAsync(OidcUser user, CancellationToken cancellationToken = default)
    {
        using var response = await Http.PostAsJsonAsync($"{Issuer}/test/users", user, cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"POST /test/users: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
    }

    /// <summary>The provider's JWKS document (JSON), e.g. for <c>new JsonWebKeySet(json)</c>.</summary>
    public async Task<string> GetJwksAsync(CancellationToken cancellationToken = default) =>
        await Http.GetStringAsync(JwksUri, cancellationToken);

    /// <summary>An authorization request URL of this provider (code flow unless told otherwise).</summary>
    public Uri AuthorizeUrl(
        OidcClient client,
        string redirectUri,
        string? state = null,
        string? codeChallenge = null,
        string? nonce = null,
        string scope = "openid email profile",
        string responseType = "code",
        string? loginHint = null,
        string? prompt = null)
    {
        var query = new List<KeyValuePair<string, string?>>
        {
            new("client_id", client.ClientId),
            new("response_type", responseType),
            new("scope", scope),
            new("redirect_uri", redirectUri),
        };
        if (state is not null) query.Add(new("state", state));
        if (codeChallenge is not null)
        {
            query.Add(new("code_challenge", codeChallenge));
            query.Add(new("code_challenge_method", "S256"));
        }
        if (nonce is not null) query.Add(new("nonce", nonce));
        if (loginHint is not null) query.Add(new("login_hint", loginHint));
        if (prompt is not null) query.Add(new("prompt", prompt));
        return new Uri(Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(AuthorizationEndpoint, query));
    }

    /// <summary>
    /// Follows <paramref name="authorizeUrl"/> (on this provider, or on a relying party that redirects here) and signs
    /// in as <paramref name="login"/> (an email or a <c>sub</c>); returns the provider's redirect back to the relying party.
    /// </summary>
    public Task<Uri> SignInAsync(HttpClient browser, Uri authorizeUrl, string login, CancellationToken cancellationToken = default) =>
        BrowserlessLogin.SignInAsync(browser, authorizeUrl, new Uri(Issuer), login, cancellationToken);

    private HttpClient Http => http ?? throw new InvalidOperationException("The provider is not started.");

    private void Append(string? line)
    {
        if (line is null) return;
        lock (output) output.AppendLine(line);
    }

    /// <summary>npm ci when node_modules is missing or stale, through <c>scripts/node-modules.sh</c> (locked across processes).</summary>
    public static Task EnsureNodeModulesAsync(CancellationToken cancellationToken = default) =>
        TestEnvironment.EnsureNodeModulesAsync(AppDirectory);

    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        http?.Dispose();
        http = null;
        if (process is null) return;
        try
        {
            if (!process.HasExited)
            {
                using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)])) term?.WaitForExit();
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                try { await process.WaitForExitAsync(cts.Token); }
                catch (OperationCanceledException) { process.Kill(entireProcessTree: true); }
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }
        process.Dispose();
        process = null;
    }

    Task IAsyncLifetime.InitializeAsync() => StartInstanceAsync(CancellationToken.None);

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();
}
