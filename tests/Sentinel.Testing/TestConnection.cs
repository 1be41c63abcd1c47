using Npgsql;

namespace Sentinel.Testing;

/// <summary>Npgsql connection strings for the test database, from the same URL the silo reads.</summary>
public static class TestConnection
{
    public static string ConnectionString(string? database = null)
    {
        var uri = new Uri(TestEnvironment.DatabaseUrl);
        var user = uri.UserInfo.Split(':', 2);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.Port,
            Username = Uri.UnescapeDataString(user[0]),
            Password = user.Length > 1 ? Uri.UnescapeDataString(user[1]) : null,
            Database = database ?? uri.AbsolutePath.Trim('/'),
            SslMode = uri.Query.Contains("disable", StringComparison.Ordinal) ? SslMode.Disable : SslMode.Require,
        };
        return builder.ConnectionString;
    }

    /// <summary>The database URL with another database name.</summary>
    public static string UrlFor(string database)
    {
        var uri = new UriBuilder(TestEnvironment.DatabaseUrl) { Path = "/" + database };
        return uri.Uri.ToString();
    }
}
