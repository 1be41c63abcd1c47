using Npgsql;

namespace Sentinel.Silo.Hosting;

/// <summary>Accepts the seed's URL form (<c>postgresql[+asyncpg]://user:pw@host:port/db?ssl=require</c>) or a native Npgsql string.</summary>
internal static class DatabaseUrl
{
    public static NpgsqlConnectionStringBuilder Parse(string value, string? caCertPath = null)
    {
        var builder = new NpgsqlConnectionStringBuilder();
        if (value.Contains("://", StringComparison.Ordinal))
        {
            var uri = new Uri(value.Replace("postgresql+asyncpg://", "postgresql://", StringComparison.OrdinalIgnoreCase));
            if (uri.Scheme is not ("postgresql" or "postgres"))
                throw new FormatException("DATABASE_URL must use the postgresql:// scheme.");
            builder.Host = uri.Host;
            builder.Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port;
            builder.Database = Uri.UnescapeDataString(uri.AbsolutePath.Trim('/'));
            if (!string.IsNullOrEmpty(uri.UserInfo))
            {
                var parts = uri.UserInfo.Split(':', 2);
                builder.Username = Uri.UnescapeDataString(parts[0]);
                if (parts.Length > 1) builder.Password = Uri.UnescapeDataString(parts[1]);
            }
            foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var kv = pair.Split('=', 2);
                var key = Uri.UnescapeDataString(kv[0]).ToLowerInvariant();
                var v = kv.Length > 1 ? Uri.UnescapeDataString(kv[1]) : "";
                switch (key)
                {
                    case "ssl" or "sslmode":
                        builder.SslMode = v.ToLowerInvariant() switch
                        {
                            "disable" or "false" => SslMode.Disable,
                            "allow" => SslMode.Allow,
                            "prefer" => SslMode.Prefer,
                            "require" or "true" => SslMode.Require,
                            "verify-ca" => SslMode.VerifyCA,
                            "verify-full" => SslMode.VerifyFull,
                            _ => throw new FormatException($"DATABASE_URL has an unknown sslmode '{v}'."),
                        };
                        break;
                    case "sslrootcert":
                        builder.RootCertificate = v;
                        break;
                }
            }
        }
        else
        {
            builder.ConnectionString = value;
        }

        if (string.IsNullOrEmpty(builder.RootCertificate) && !string.IsNullOrWhiteSpace(caCertPath) && File.Exists(caCertPath))
            builder.RootCertificate = caCertPath;
        builder.ApplicationName ??= "sentinel-silo";
        builder.MaxPoolSize = Math.Max(builder.MaxPoolSize, 50);
        return builder;
    }

    /// <summary>True when the connection refuses to run without TLS.</summary>
    public static bool IsTls(NpgsqlConnectionStringBuilder builder) =>
        builder.SslMode is SslMode.Require or SslMode.VerifyCA or SslMode.VerifyFull;
}
