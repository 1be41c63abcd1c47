using System.Text.RegularExpressions;

namespace Sentinel.Web.Providers;

/// <summary>The kind of protocol a provider speaks.</summary>
public enum ProviderKind
{
    /// <summary>OpenID Connect with a discovery document (Google, Entra ID, generic providers such as Dex, Keycloak, authentik).</summary>
    OpenIdConnect,
    /// <summary>GitHub: OAuth 2 plus its REST API for the verified primary email.</summary>
    GitHub,
}

/// <summary>One configured identity provider. The id is the <c>{provider}</c> path segment.</summary>
public sealed record ProviderConfig(
    string Id,
    ProviderKind Kind,
    string DisplayName,
    string ClientId,
    string ClientSecret,
    string? MetadataUrl,
    IReadOnlyList<string> Scopes,
    string? EntraTenantId = null);

/// <summary>
/// Identity providers from the seed's variables (<c>GOOGLE_*</c>, <c>GITHUB_*</c>, <c>ENTRA_*</c>) and the generic OpenID Connect ones (<c>OIDC_PROVIDERS</c>)
/// (<c>OIDC_PROVIDERS</c>, <c>OIDC_&lt;ID&gt;_*</c>; <c>DEX_*</c> as provider <c>dex</c>). A provider is on when its client id is set.
/// </summary>
public sealed partial class ProviderSettings
{
    /// <summary><c>GITHUB_OAUTH_BASE_URL</c>. Default: <c>https://github.com</c>.</summary>
    public string GitHubOAuthBaseUrl { get; init; } = "https://github.com";

    /// <summary><c>GITHUB_API_BASE_URL</c>. Default: <c>https://api.github.com</c>.</summary>
    public string GitHubApiBaseUrl { get; init; } = "https://api.github.com";

    /// <summary>Every configured provider, seed providers first, in a stable order.</summary>
    public IReadOnlyList<ProviderConfig> Providers { get; init; } = [];

    /// <summary>Configuration errors, reported with the others at startup.</summary>
    public IReadOnlyList<string> Errors { get; init; } = [];

    public ProviderConfig? Find(string id) => Providers.FirstOrDefault(p => p.Id == id);

    [GeneratedRegex("^[a-z0-9-]+$")]
    private static partial Regex IdPattern();

    public static ProviderSettings FromConfiguration(IConfiguration c) => Bind(new Sentinel.Configuration.SettingsReader(c));

    internal static ProviderSettings Bind(Sentinel.Configuration.SettingsReader r)
    {
        var c = r.Configuration;
        var providers = new List<ProviderConfig>();
        var errors = new List<string>();
        string? Get(string key) => c[key] is { Length: > 0 } v ? v.Trim() : null;

        if (Get("GOOGLE_CLIENT_ID") is { } googleId)
            providers.Add(new ProviderConfig("google", ProviderKind.OpenIdConnect, "Google", googleId, Get("GOOGLE_CLIENT_SECRET") ?? "",
                "https://accounts.google.com/.well-known/openid-configuration", ["openid", "email", "profile"]));
        if (Get("GITHUB_CLIENT_ID") is { } githubId)
            providers.Add(new ProviderConfig("github", ProviderKind.GitHub, "GitHub", githubId, Get("GITHUB_CLIENT_SECRET") ?? "", null, ["read:user", "user:email"]));
        if (Get("ENTRA_CLIENT_ID") is { } entraId && Get("ENTRA_TENANT_ID") is { } tenant)
            providers.Add(new ProviderConfig("entra_id", ProviderKind.OpenIdConnect, "Microsoft", entraId, Get("ENTRA_CLIENT_SECRET") ?? "",
                $"https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration", ["openid", "email", "profile"], tenant));

        var generic = (Get("OIDC_PROVIDERS") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        if (Get("DEX_CLIENT_ID") is not null && !generic.Contains("dex")) generic.Add("dex");
        foreach (var id in generic)
        {
            if (!IdPattern().IsMatch(id) || id is "google" or "github" or "entra_id")
            {
                errors.Add($"OIDC_PROVIDERS: '{id}' must match [a-z0-9-]+ and not reuse a built-in provider id.");
                continue;
            }
            var prefix = "OIDC_" + id.ToUpperInvariant().Replace('-', '_') + "_";
            var clientId = Get(prefix + "CLIENT_ID") ?? (id == "dex" ? Get("DEX_CLIENT_ID") : null);
            var secret = Get(prefix + "CLIENT_SECRET") ?? (id == "dex" ? Get("DEX_CLIENT_SECRET") : null);
            var metadata = Get(prefix + "METADATA_URL") ?? (id == "dex" ? Get("DEX_SERVER_METADATA_URL") : null);
            if (clientId is null || secret is null || metadata is null)
            {
                errors.Add($"{prefix}CLIENT_ID, {prefix}CLIENT_SECRET and {prefix}METADATA_URL are all required for provider '{id}'.");
                continue;
            }
            if (!Uri.TryCreate(metadata, UriKind.Absolute, out _)) errors.Add($"{prefix}METADATA_URL must be an absolute URL.");
            var scopes = (Get(prefix + "SCOPES") ?? "openid email profile").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            providers.Add(new ProviderConfig(id, ProviderKind.OpenIdConnect, Get(prefix + "DISPLAY_NAME") ?? id, clientId, secret, metadata, scopes));
        }

        return new ProviderSettings
        {
            GitHubOAuthBaseUrl = (Get("GITHUB_OAUTH_BASE_URL") ?? "https://github.com").TrimEnd('/'),
            GitHubApiBaseUrl = (Get("GITHUB_API_BASE_URL") ?? "https://api.github.com").TrimEnd('/'),
            Providers = providers,
            Errors = errors,
        };
    }
}

/// <summary>Reports every provider failure (<see cref="ProviderSettings.Errors"/>) with the other settings failures.</summary>
internal sealed class ProviderSettingsValidator : Microsoft.Extensions.Options.IValidateOptions<ProviderSettings>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, ProviderSettings options) =>
        options.Errors.Count == 0 ? Microsoft.Extensions.Options.ValidateOptionsResult.Success : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(options.Errors);
}
