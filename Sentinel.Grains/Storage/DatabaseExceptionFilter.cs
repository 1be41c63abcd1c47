using Npgsql;

namespace Sentinel.Grains.Storage;

/// <summary>
/// Turns driver exceptions into ones the cluster can carry: an unreachable or slow database becomes
/// <see cref="StorageUnavailableException"/> (503 at the edge); a constraint or SQL error stays a server fault (500),
/// with its SQLSTATE and constraint name but no data values.
/// </summary>
public sealed class DatabaseExceptionFilter : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (PostgresException ex) when (ex.IsTransient || ex.SqlState.StartsWith("08", StringComparison.Ordinal) || ex.SqlState.StartsWith("57", StringComparison.Ordinal))
        {
            throw new StorageUnavailableException($"PostgreSQL unavailable ({ex.SqlState}).");
        }
        catch (PostgresException ex)
        {
            throw new InvalidOperationException($"Database error {ex.SqlState} on {ex.TableName}/{ex.ConstraintName} in {context.InterfaceMethod?.Name}.");
        }
        catch (NpgsqlException ex)
        {
            throw new StorageUnavailableException($"PostgreSQL unavailable ({ex.GetType().Name}).");
        }
    }
}
