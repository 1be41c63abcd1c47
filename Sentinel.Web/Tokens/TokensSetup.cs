namespace Sentinel.Web.Tokens;

/// <summary>Registers the tokens feature: RS256 keys selected by kid, and the bearer scheme.</summary>
public static class TokensSetup
{
    public static IServiceCollection AddSentinelTokens(this IServiceCollection services)
    {
        services.AddSingleton<SigningKeys>();
        services.AddSingleton<TokenService>();
        services.AddSingleton<BearerAuthenticator>();
        return services;
    }
}
