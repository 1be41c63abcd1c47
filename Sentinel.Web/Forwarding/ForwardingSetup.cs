using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Sentinel.Web.Forwarding;

public static class ForwardingSetup
{
    /// <summary>
    /// Binds <see cref="ForwardingOptions"/> (<c>BEHIND_PROXY</c>, <c>TRUSTED_PROXY_COUNT</c>), validates them at start-up and
    /// registers the one <see cref="ClientAddressResolver"/>. Safe to call more than once.
    /// </summary>
    public static IServiceCollection AddClientAddressResolver(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(ClientAddressResolver))) return services;
        services.AddOptions<ForwardingOptions>()
            .Configure(o => ForwardingOptions.Bind(o, configuration))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ForwardingOptions>, ForwardingOptionsValidator>());
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<ForwardingOptions>>().Value);
        services.AddSingleton<ClientAddressResolver>();
        return services;
    }
}
