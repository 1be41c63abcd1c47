using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Sentinel.Grains.Activity;

namespace Sentinel.Grains.Sessions;

/// <summary>Where session grains write activity rows. PostgreSQL in the silo; tests may register a recorder instead.</summary>
public interface ISessionActivitySink
{
    Task WriteAsync(string action, Guid userId, object? detail, CancellationToken cancellationToken);
}

internal sealed class PostgresActivitySink(NpgsqlDataSource database) : ISessionActivitySink
{
    public async Task WriteAsync(string action, Guid userId, object? detail, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await ActivityLog.WriteAsync(connection, null, action, userId, "user", userId, null, detail, cancellationToken);
    }
}

internal static class ActivitySinks
{
    /// <summary>The registered sink, else PostgreSQL: the silo registers nothing extra.</summary>
    public static ISessionActivitySink Resolve(IServiceProvider services) =>
        services.GetService<ISessionActivitySink>() ?? new PostgresActivitySink(services.GetRequiredService<NpgsqlDataSource>());
}
