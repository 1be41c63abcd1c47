using Microsoft.Extensions.DependencyInjection;

namespace Sentinel.Grains.Data;

/// <summary>Registers the stores the grains take through their constructors.</summary>
public static class StoreRegistration
{
    /// <summary>
    /// Adds every grain feature's store as a singleton. Stores hold no state of their own, only the registered
    /// <see cref="Npgsql.NpgsqlDataSource"/>, which the host must register too.
    /// </summary>
    public static IServiceCollection AddSentinelStores(this IServiceCollection services)
    {
        services.AddSingleton<ClientApps.ClientAppStore>();
        services.AddSingleton<Cors.CorsOriginStore>();
        services.AddSingleton<ServiceApps.ServiceAppStore>();
        services.AddSingleton<Admin.AdminQueryStore>();
        services.AddSingleton<Admin.AdminDirectoryQueryStore>();
        services.AddSingleton<Admin.AdminUserStore>();
        services.AddSingleton<Admin.AdminImportStore>();
        services.AddSingleton<Directory.UserStore>();
        services.AddSingleton<Directory.IdentityStore>();
        services.AddSingleton<Directory.DirectoryQueryStore>();
        services.AddSingleton<Directory.WorkspaceDirectoryStore>();
        services.AddSingleton<Health.ReadinessStore>();
        services.AddSingleton<Authorization.AuthorizationStore>();
        services.AddSingleton<Authorization.AuthorizationLookupStore>();
        services.AddSingleton<Authorization.ServiceActionStore>();
        return services;
    }
}
