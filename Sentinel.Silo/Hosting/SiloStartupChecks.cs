using Sentinel.Configuration;

namespace Sentinel.Silo.Hosting;

/// <summary>The seed's production checklist, for what only the silo connects to.</summary>
public static class SiloStartupChecks
{
    public static IReadOnlyList<string> Run(SiloSettings s, IConfiguration c)
    {
        var failures = new List<string>();
        if (!DatabaseUrl.IsTls(DatabaseUrl.Parse(s.DatabaseUrl, s.DatabaseCaCert)))
            failures.Add("DATABASE_URL does not require TLS; use sslmode=require or verify-full.");
        var redis = RedisUrl.Parse(s.RedisUrl);
        if (!RedisUrl.HasPassword(redis)) failures.Add("REDIS_URL has no password.");
        if (!redis.Ssl) failures.Add("REDIS_URL is not rediss:// (Redis without TLS).");
        else if (!string.Equals(s.RedisTlsVerify, "required", StringComparison.OrdinalIgnoreCase))
            failures.Add("REDIS_URL uses rediss:// without REDIS_TLS_VERIFY=required.");
        if (!Sentinel.Observability.LoggingSetup.PiiRedaction(c)) failures.Add("LOG_PII_REDACTION is false.");
        if (Sentinel.Observability.LoggingSetup.LogFormat(c) is not ("json" or "console")) failures.Add("LOG_FORMAT must be json or console.");
        return failures;
    }
}
