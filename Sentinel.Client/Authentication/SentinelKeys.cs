using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Sentinel.Client;

/// <summary>
/// Sentinel's discovery document and JWKS (and, in authz mode, the IdP's), each behind an IdentityModel
/// <see cref="ConfigurationManager{T}"/>: refreshed every <see cref="SentinelOptions.KeyRefreshInterval"/>, and sooner
/// (at most every <see cref="SentinelOptions.UnknownKeyRefreshInterval"/>) when a token names a key it lacks.
/// </summary>
internal sealed class SentinelKeys
{
    private readonly Lazy<ConfigurationManager<OpenIdConnectConfiguration>> sentinel;
    private readonly Lazy<ConfigurationManager<OpenIdConnectConfiguration>> idp;

    public SentinelKeys(IOptions<SentinelOptions> options, IHttpClientFactory factory)
    {
        var settings = options.Value;
        sentinel = new(() => Create(settings.Origin + "/.well-known/openid-configuration", settings, factory));
        idp = new(() => Create(settings.IdpMetadataAddress ?? throw new InvalidOperationException("Sentinel:IdpMetadataAddress is not configured."), settings, factory));
    }

    public ConfigurationManager<OpenIdConnectConfiguration> Sentinel => sentinel.Value;

    public ConfigurationManager<OpenIdConnectConfiguration> Idp => idp.Value;

    private static ConfigurationManager<OpenIdConnectConfiguration> Create(string address, SentinelOptions settings, IHttpClientFactory factory) =>
        new(address, new OpenIdConnectConfigurationRetriever(),
            new HttpDocumentRetriever(factory.CreateClient(SentinelHttp.MetadataClient)) { RequireHttps = settings.RequireHttpsMetadata })
        {
            AutomaticRefreshInterval = settings.KeyRefreshInterval,
            RefreshInterval = settings.UnknownKeyRefreshInterval,
        };
}
