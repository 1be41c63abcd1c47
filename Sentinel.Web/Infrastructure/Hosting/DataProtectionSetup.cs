using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using StackExchange.Redis;

namespace Sentinel.Web.Infrastructure.Hosting;

/// <summary>One key ring for every Web replica: stored in Redis, encrypted with <c>SESSION_SECRET_KEY</c>.</summary>
public static class DataProtectionSetup
{
    public static IServiceCollection AddSharedDataProtection(this IServiceCollection services, WebSettings settings, Lazy<IConnectionMultiplexer> redis)
    {
        var ring = new SecretKeyRing(settings.SessionSecretKey);
        services.AddSingleton(ring);
        services.AddDataProtection()
            .SetApplicationName("sentinel")
            // Lazy: Web must start and listen even while Redis is down; the ring is read on first use.
            .PersistKeysToStackExchangeRedis(() => redis.Value.GetDatabase(), $"{settings.ClusterId}:data-protection-keys");
        services.Configure<KeyManagementOptions>(o => o.XmlEncryptor = new SecretKeyXmlEncryptor(ring));
        return services;
    }
}
