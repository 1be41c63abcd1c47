using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Sentinel.Client;

/// <summary>
/// Proxy mode: JwtBearer set up from Sentinel's discovery document. Issuer = <c>BaseUrl</c> verbatim, audience
/// <c>sentinel:access</c>, RS256 only, the key chosen by <c>kid</c> (every token carries one: a token without a known kid is refused, and an
/// unknown kid makes the app fetch the JWKS again, which is how a key rotation reaches it without a restart).
/// </summary>
internal sealed class SentinelJwtBearerSetup(IOptions<SentinelOptions> sentinel, SentinelKeys keys) : IConfigureNamedOptions<JwtBearerOptions>
{
    private static readonly string[] RequiredClaims = ["sub", "wid", "wrole"];

    public void Configure(JwtBearerOptions options) => Configure(Microsoft.Extensions.Options.Options.DefaultName, options);

    public void Configure(string? name, JwtBearerOptions options)
    {
        if (name != SentinelDefaults.BearerScheme) return;
        var settings = sentinel.Value;
        options.Authority = settings.Origin;
        options.MetadataAddress = settings.Origin + "/.well-known/openid-configuration";
        options.RequireHttpsMetadata = settings.RequireHttpsMetadata;
        options.ConfigurationManager = keys.Sentinel;
        options.RefreshOnIssuerKeyNotFound = true;
        options.AutomaticRefreshInterval = settings.KeyRefreshInterval;
        options.RefreshInterval = settings.UnknownKeyRefreshInterval;
        options.MapInboundClaims = false;
        options.Audience = SentinelDefaults.AccessAudience;
        options.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = settings.Origin,
            ValidAudience = SentinelDefaults.AccessAudience,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            ClockSkew = settings.ClockSkew,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            TryAllIssuerSigningKeys = false,
            NameClaimType = "name",
            RoleClaimType = "wrole",
        };
        options.Events = new JwtBearerEvents
        {
            OnTokenValidated = TokenValidatedAsync,
            OnChallenge = SentinelChallenge.WriteAsync,
        };
    }

    private static async Task TokenValidatedAsync(TokenValidatedContext context)
    {
        var token = (JsonWebToken)context.SecurityToken;
        // The Python SDK refuses a token lacking the claims a user is made of (401 "Invalid token claims").
        if (RequiredClaims.Any(c => !token.TryGetPayloadValue<string>(c, out var v) || string.IsNullOrEmpty(v))
            || !Guid.TryParse(token.Subject, out _) || !Guid.TryParse(token.GetPayloadValue<string>("wid"), out _))
        {
            context.Fail("Token missing required claims");
            return;
        }
        // A token of one kind is never accepted as another: the audience already says access; type must agree.
        if (token.TryGetPayloadValue<string>("type", out var type) && type != "access")
        {
            context.Fail("Invalid token type");
            return;
        }
        context.HttpContext.Items[SentinelUser.TokenItem] = token.EncodedToken;
        var failure = await SentinelRevocation.CheckAsync(context.HttpContext, token.EncodedToken);
        if (failure is not null) context.Fail(failure);
    }
}

/// <summary>The opt-in denylist check (<see cref="SentinelOptions.CheckRevocation"/>), shared by both modes.</summary>
internal static class SentinelRevocation
{
    /// <summary>Null when the token may be used; else why not (a <see cref="SentinelException"/> when Sentinel is unreachable).</summary>
    public static async Task<Exception?> CheckAsync(HttpContext context, string token)
    {
        var settings = context.RequestServices.GetRequiredService<IOptions<SentinelOptions>>().Value;
        if (!settings.CheckRevocation) return null;
        var http = context.RequestServices.GetRequiredService<SentinelHttpFactory>().Create();
        try
        {
            // GET /users/me checks the denylist and deactivation for every bearer kind (an authz token only with a valid key).
            await http.SendAsync(HttpMethod.Get, "/users/me", null, BearerUse.Caller, token, idempotent: true, context.RequestAborted);
            return null;
        }
        catch (SentinelException ex) when (!ex.IsTransportFailure && ex.StatusCode is 401 or 403 or 404)
        {
            return new SecurityTokenException(ex.Detail);
        }
        catch (SentinelException ex)
        {
            // Fail closed: a token is not taken as unrevoked on a guess.
            return ex;
        }
    }
}

/// <summary>A challenge answers 503 with <c>Retry-After</c> when the only reason was that Sentinel could not be reached.</summary>
internal static class SentinelChallenge
{
    public static async Task WriteAsync(JwtBearerChallengeContext context)
    {
        if (context.AuthenticateFailure is SentinelException ex)
        {
            context.HandleResponse();
            await SentinelProblem.WriteAsync(context.Response, ex.StatusCode, ex.Detail, ex.Code);
        }
    }
}

/// <summary>Writes the contract's error body: <c>{"detail": …, "code": …}</c>.</summary>
internal static class SentinelProblem
{
    public static async Task WriteAsync(HttpResponse response, int status, string detail, string? code)
    {
        if (response.HasStarted) return;
        response.StatusCode = status;
        if (status == StatusCodes.Status503ServiceUnavailable) response.Headers.RetryAfter = "5";
        await response.WriteAsJsonAsync(new { detail, code }, SentinelJson.Options);
    }
}
