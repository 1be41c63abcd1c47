using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OAuth;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sentinel.Testing.IdentityProviders;
using Xunit;

namespace Sentinel.Testing.Tests.IdentityProviders;

/// <summary>
/// The fixtures against ASP.NET Core's own OpenID Connect and OAuth handlers, configured as Sentinel's callbacks
/// (<c>GET /auth/callback/{provider}</c>, so <c>response_mode=query</c>) on plain-http loopback.
/// </summary>
public sealed class RelyingPartyHandlerTests
{
    /// <summary>A relying party on a free loopback port; <paramref name="configure"/> runs when options are first read.</summary>
    private static async Task<(WebApplication App, Uri BaseUrl)> StartRelyingPartyAsync(Action<AuthenticationBuilder> configure, string scheme)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var authentication = builder.Services.AddAuthentication(o =>
        {
            o.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
            o.DefaultChallengeScheme = scheme;
        }).AddCookie(o => o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest);
        configure(authentication);
        var app = builder.Build();
        app.UseAuthentication();
        app.MapGet("/login", () => Results.Challenge(new AuthenticationProperties { RedirectUri = "/me" }, [scheme]));
        app.MapGet("/me", (ClaimsPrincipal user) => user.Identity?.IsAuthenticated == true
            ? Results.Json(user.Claims.GroupBy(c => c.Type).ToDictionary(g => g.Key, g => g.First().Value))
            : Results.Unauthorized());
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new Uri($"http://127.0.0.1:{new Uri(address).Port}"));
    }

    private static void PlainHttpCookies(RemoteAuthenticationOptions options)
    {
        // Correlation cookies default to SameSite=None + Secure, which no browser keeps over plain http.
        options.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        options.CorrelationCookie.SameSite = SameSiteMode.Lax;
    }

    [Fact]
    public async Task aspnetcore_openid_connect_handler_signs_in_against_the_node_provider()
    {
        var issuer = "";
        OidcClient? client = null;
        var (app, rp) = await StartRelyingPartyAsync(auth => auth.AddOpenIdConnect("dex", o =>
        {
            o.Authority = issuer;
            o.RequireHttpsMetadata = false;
            o.ClientId = client!.ClientId;
            o.ClientSecret = client.ClientSecret;
            o.ResponseType = "code";
            o.ResponseMode = "query";
            o.UsePkce = true;
            o.CallbackPath = "/auth/callback/dex";
            o.Scope.Clear();
            o.Scope.Add("openid");
            o.Scope.Add("email");
            o.Scope.Add("profile");
            o.MapInboundClaims = false;
            PlainHttpCookies(o);
            o.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.NonceCookie.SameSite = SameSiteMode.Lax;
        }), "dex");
        await using var _ = app;
        client = new OidcClient("rp", "rp-secret", [$"{rp}auth/callback/dex"]);
        await using var provider = await OidcProviderFixture.StartAsync(new OidcProviderOptions { Clients = [client] });
        issuer = provider.Issuer;

        using var browser = BrowserlessLogin.CreateBrowser();
        using var callback = await BrowserlessLogin.SignInToRelyingPartyAsync(browser, new Uri(rp, "/login"), new Uri(provider.Issuer), "alice@example.com");

        Assert.True(callback.StatusCode == HttpStatusCode.Redirect, $"{callback.StatusCode}\n{await callback.Content.ReadAsStringAsync()}\n{provider.Output}");
        Assert.Equal("/me", callback.Headers.Location!.OriginalString);
        var me = JsonNode.Parse(await browser.GetStringAsync(new Uri(rp, "/me")))!;
        Assert.Equal("alice", me["sub"]!.GetValue<string>());
        Assert.Equal("alice@example.com", me["email"]!.GetValue<string>());
        Assert.Equal("true", me["email_verified"]!.GetValue<string>());
        // .NET 9+ pushes the authorization request (PAR) when discovery offers it, as this provider's does.
        Assert.Contains("POST /request 201", provider.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task aspnetcore_oauth_handler_configured_as_github_signs_in_against_the_fake()
    {
        await using var github = await FakeGitHub.StartAsync(new FakeGitHubOptions { DefaultLogin = "admin" });
        var (app, rp) = await StartRelyingPartyAsync(auth => auth.AddOAuth("github", o =>
        {
            o.ClientId = github.ClientId;
            o.ClientSecret = github.ClientSecret;
            o.CallbackPath = "/auth/callback/github";
            o.AuthorizationEndpoint = $"{github.OAuthBaseUrl}/login/oauth/authorize";
            o.TokenEndpoint = $"{github.OAuthBaseUrl}/login/oauth/access_token";
            o.UserInformationEndpoint = $"{github.ApiBaseUrl}/user";
            o.UsePkce = true;
            o.Scope.Add("read:user");
            o.Scope.Add("user:email");
            PlainHttpCookies(o);
            o.Events.OnCreatingTicket = async context =>
            {
                async Task<JsonElement> Get(string url)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, url);
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", context.AccessToken);
                    request.Headers.UserAgent.ParseAdd("Sentinel-Tests/1.0");
                    request.Headers.Accept.ParseAdd("application/vnd.github+json");
                    using var response = await context.Backchannel.SendAsync(request, context.HttpContext.RequestAborted);
                    response.EnsureSuccessStatusCode();
                    return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
                }
                var user = await Get(context.Options.UserInformationEndpoint);
                var emails = await Get($"{github.ApiBaseUrl}/user/emails");
                var primary = emails.EnumerateArray().First(e => e.GetProperty("primary").GetBoolean());
                context.Identity!.AddClaim(new Claim("sub", $"github|{user.GetProperty("id").GetInt64()}"));
                context.Identity.AddClaim(new Claim("login", user.GetProperty("login").GetString()!));
                context.Identity.AddClaim(new Claim("email", primary.GetProperty("email").GetString()!));
                context.Identity.AddClaim(new Claim("email_verified", primary.GetProperty("verified").GetBoolean() ? "true" : "false"));
            };
        }), "github");
        await using var _ = app;

        using var browser = BrowserlessLogin.CreateBrowser();
        using var callback = await BrowserlessLogin.SignInToRelyingPartyAsync(browser, new Uri(rp, "/login"), new Uri(github.OAuthBaseUrl), "admin");

        Assert.True(callback.StatusCode == HttpStatusCode.Redirect, $"{callback.StatusCode}\n{await callback.Content.ReadAsStringAsync()}");
        var me = JsonNode.Parse(await browser.GetStringAsync(new Uri(rp, "/me")))!;
        Assert.Equal("github|1002", me["sub"]!.GetValue<string>());
        Assert.Equal("admin@example.com", me["email"]!.GetValue<string>());
        Assert.Equal("true", me["email_verified"]!.GetValue<string>());
        Assert.Equal(
            ["GET /login/oauth/authorize", "POST /login/oauth/access_token", "GET /api/user", "GET /api/user/emails"],
            github.Requests);
    }
}
