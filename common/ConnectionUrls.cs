using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using StackExchange.Redis;

namespace Sentinel.Configuration;

/// <summary>
/// Turns the seed's URL-style settings (<c>REDIS_URL</c>) into client options.
/// Linked into both Sentinel.Silo and Sentinel.Web, which must not share a project beyond the contracts.
/// </summary>
internal static class RedisUrl
{
    /// <summary>
    /// Parses <c>redis://</c> or <c>rediss://[:password@]host[:port][/db]</c>, or a native StackExchange.Redis string.
    /// <paramref name="caCertPath"/> pins the CA for <c>rediss://</c>; <paramref name="verify"/> is <c>required</c> or <c>none</c>.
    /// </summary>
    public static ConfigurationOptions Parse(string value, string? caCertPath = null, string? verify = null)
    {
        ConfigurationOptions options;
        if (value.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) ||
            value.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase))
        {
            var uri = new Uri(value);
            options = new ConfigurationOptions { Ssl = uri.Scheme.Equals("rediss", StringComparison.OrdinalIgnoreCase) };
            options.EndPoints.Add(uri.Host, uri.IsDefaultPort || uri.Port <= 0 ? 6379 : uri.Port);
            if (!string.IsNullOrEmpty(uri.UserInfo))
            {
                var parts = uri.UserInfo.Split(':', 2);
                var user = Uri.UnescapeDataString(parts[0]);
                var password = parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : null;
                if (!string.IsNullOrEmpty(user)) options.User = user;
                if (!string.IsNullOrEmpty(password)) options.Password = password;
            }
            var path = uri.AbsolutePath.Trim('/');
            if (int.TryParse(path, out var db)) options.DefaultDatabase = db;
            if (options.Ssl) options.SslHost = uri.Host;
        }
        else
        {
            options = ConfigurationOptions.Parse(value);
        }

        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 5000;
        options.SyncTimeout = 5000;
        options.AsyncTimeout = 5000;
        options.ConnectRetry = 3;

        if (options.Ssl)
        {
            var required = string.Equals(verify, "required", StringComparison.OrdinalIgnoreCase);
            X509Certificate2? ca = null;
            if (!string.IsNullOrWhiteSpace(caCertPath) && File.Exists(caCertPath))
                ca = X509CertificateLoader.LoadCertificateFromFile(caCertPath);
            options.CertificateValidation += (_, certificate, _, errors) =>
                ValidateServerCertificate(certificate, errors, ca, required);
        }
        return options;
    }

    /// <summary>True when the URL carries a password (the seed's startup check).</summary>
    public static bool HasPassword(ConfigurationOptions options) => !string.IsNullOrEmpty(options.Password);

    private static bool ValidateServerCertificate(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2? ca, bool required)
    {
        if (!required) return true; // REDIS_TLS_VERIFY=none: encrypted but unauthenticated, as the seed allows in dev.
        if (errors == SslPolicyErrors.None) return true;
        if (certificate is null || ca is null) return false;
        if ((errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(new X509Certificate2(certificate));
    }
}
