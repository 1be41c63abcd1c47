using Sentinel.Configuration;

namespace Sentinel.Web.Infrastructure.Forwarding;

public static class ForwardingSetup
{
    /// <summary>
    /// Binds <see cref="ForwardingOptions"/> (<c>BEHIND_PROXY</c>, <c>TRUSTED_PROXY_COUNT</c>), validates them at start-up and
    /// registers the one <see cref="ClientAddressResolver"/>. Safe to call more than once.
    /// </summary>
    /// <summary>Registers <see cref="ForwardingOptions"/> on the settings binder (validated with every other setting at start).</summary>
    internal static IServiceCollection AddForwardingSettings(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<ForwardingOptions>(configuration, ForwardingOptions.Bind).ValidateWith<ForwardingOptions, ForwardingOptionsValidator>();
        return services;
    }

    public static IServiceCollection AddClientAddressResolver(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(ClientAddressResolver))) return services;
        services.AddForwardingSettings(configuration);
        services.AddSingleton<ClientAddressResolver>();
        return services;
    }
}
