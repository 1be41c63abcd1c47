namespace Sentinel.Web.Tokens;

/// <summary><c>/.well-known/jwks.json</c> and the minimal OpenID discovery document (docs/key-rotation.md). Never rate-limited.</summary>
public static class TokenEndpoints
{
    public static IEndpointRouteBuilder MapTokenEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/.well-known/jwks.json", Jwks);
        app.MapGet("/.well-known/openid-configuration", Discovery);
        return app;
    }

    public static IResult Jwks(SigningKeys keys, HttpContext context)
    {
        // Short enough that a promoted key is learnt within minutes; the next key is published ahead anyway.
        context.Response.Headers.CacheControl = "public, max-age=300";
        return Results.Json(keys.Jwks);
    }

    public static IResult Discovery(JwtSettings settings, HttpContext context)
    {
        context.Response.Headers.CacheControl = "public, max-age=300";
        return Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = settings.Issuer,
            ["jwks_uri"] = settings.Issuer + "/.well-known/jwks.json",
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            ["token_endpoint"] = settings.Issuer + "/auth/token",
            ["response_types_supported"] = new[] { "code" },
            ["subject_types_supported"] = new[] { "public" },
            ["code_challenge_methods_supported"] = new[] { "S256" },
        });
    }
}
