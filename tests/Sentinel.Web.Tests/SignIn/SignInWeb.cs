using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;
using Npgsql;
using Sentinel.Grains.AuthCodes;
using Sentinel.Grains.Directory;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Web.Tests.SignIn;

/// <summary>
/// The real edge and grains in memory with a provider (<c>dex</c>) configured. Its discovery URL is never fetched by
/// these tests: codes are issued straight into the auth-code grain, as a callback would. The provider leg itself is
/// covered end to end against the real OpenID Connect provider in the integration tests.
/// </summary>
public class SignInWeb : IAsyncLifetime
{
    public SignInWeb() : this(graceSeconds: 0) { }

    protected SignInWeb(int graceSeconds)
    {
        App = new SentinelWebApplication
        {
            Settings = new()
            {
                ["DEX_CLIENT_ID"] = "sentinel-test",
                ["DEX_CLIENT_SECRET"] = "sentinel-test-secret",
                ["DEX_SERVER_METADATA_URL"] = "http://127.0.0.1:9/.well-known/openid-configuration",
                ["REFRESH_REUSE_GRACE_SECONDS"] = graceSeconds.ToString(CultureInfo.InvariantCulture),
                ["MAX_SESSIONS_PER_USER"] = "3",
                ["ADMIN_URL"] = "http://localhost:9004",
            },
        };
    }

    public SentinelWebApplication App { get; }

    public Task InitializeAsync() => ((IAsyncLifetime)App).InitializeAsync();

    public Task DisposeAsync() => ((IAsyncLifetime)App).DisposeAsync();
}

/// <summary>The same, with a reuse grace window of 5 seconds.</summary>
public sealed class GraceSignInWeb : SignInWeb
{
    public GraceSignInWeb() : base(graceSeconds: 5) { }
}

[CollectionDefinition(Name)]
public sealed class SignInCollection : ICollectionFixture<SignInWeb>
{
    public const string Name = "signin-web";
}

[CollectionDefinition(Name)]
public sealed class GraceCollection : ICollectionFixture<GraceSignInWeb>
{
    public const string Name = "signin-web-grace";
}

public sealed record TokenPair(string Access, string Refresh)
{
    public static async Task<TokenPair> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        var body = JsonDocument.Parse(text).RootElement;
        return new TokenPair(body.GetProperty("access_token").GetString()!, body.GetProperty("refresh_token").GetString()!);
    }

    public JsonWebToken AccessJwt => new(Access);
    public JsonWebToken RefreshJwt => new(Refresh);
}

/// <summary>Users, workspaces, client apps and codes for sign-in tests, through the real grains and the test database.</summary>
public sealed class SignInScenario(SentinelWebApplication app)
{
    public Scenario S { get; } = new(app);
    public HttpClient Http => S.Http;
    public IGrainFactory Grains => app.Cluster.GrainFactory;

    public static string NewVerifier() => WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    public static string ChallengeOf(string verifier) => WebEncoders.Base64UrlEncode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

    public static async Task<Guid> ClientAppAsync(params string[] redirectUris) => await ClientAppAsync(true, redirectUris);

    public static async Task<Guid> ClientAppAsync(bool active, params string[] redirectUris)
    {
        var id = Guid.NewGuid();
        await using var db = NpgsqlDataSource.Create(TestConnection.ConnectionString());
        await using var cmd = db.CreateCommand("INSERT INTO client_apps (id, name, redirect_uris, is_active) VALUES (@id, @name, @uris, @active)");
        cmd.Parameters.AddWithValue("id", id);
        cmd.Parameters.AddWithValue("name", "App " + id.ToString("N")[..6]);
        cmd.Parameters.AddWithValue("uris", redirectUris);
        cmd.Parameters.AddWithValue("active", active);
        await cmd.ExecuteNonQueryAsync();
        return id;
    }

    /// <summary>A user who owns a fresh workspace.</summary>
    public async Task<(UserProfile User, Guid Workspace)> OwnerAsync()
    {
        var user = await S.UserAsync();
        return (user, await S.WorkspaceAsync(user));
    }

    /// <summary>What <c>/auth/callback</c> does after the provider: a code bound to the challenge of <paramref name="verifier"/>.</summary>
    public async Task<string> CodeAsync(Guid userId, string verifier, string provider = "dex", bool withChallenge = true, Guid? clientAppId = null)
    {
        var code = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var grant = new AuthCodeGrant(userId, provider, clientAppId, clientAppId is null ? null : "Test app", withChallenge ? ChallengeOf(verifier) : null, "S256",
            DateTimeOffset.UtcNow.AddMinutes(5));
        Assert.True(await Grains.GetGrain<IAuthCodeGrain>(AuthCodeKeys.For(code)).IssueAsync(grant));
        return code;
    }

    public Task<HttpResponseMessage> TokenAsync(string code, Guid workspaceId, string verifier) =>
        Http.PostAsJsonAsync("/auth/token", new { code, workspace_id = workspaceId, code_verifier = verifier });

    /// <summary>Signs in (code, then token) and returns the pair.</summary>
    public async Task<TokenPair> SignInAsync(Guid userId, Guid workspaceId, Guid? clientAppId = null)
    {
        var verifier = NewVerifier();
        var code = await CodeAsync(userId, verifier, clientAppId: clientAppId);
        using var response = await TokenAsync(code, workspaceId, verifier);
        return await TokenPair.ReadAsync(response);
    }

    public Task<HttpResponseMessage> RefreshAsync(string refreshToken) =>
        Http.PostAsJsonAsync("/auth/refresh", new { refresh_token = refreshToken });

    public Task<HttpResponseMessage> GetAsync(string path, string? bearer) => S.SendAsync(HttpMethod.Get, path, bearer);
}
