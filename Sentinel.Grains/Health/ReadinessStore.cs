using Npgsql;

namespace Sentinel.Grains.Health;

/// <summary>The readiness probe's round trip to PostgreSQL: a connection from the pool and one trivial statement.</summary>
internal sealed class ReadinessStore(NpgsqlDataSource database)
{
    /// <summary>Completes when PostgreSQL answered; throws the driver's exception when it could not.</summary>
    public async Task PingAsync(CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("SELECT 1");
        await command.ExecuteScalarAsync(cancellationToken);
    }
}
