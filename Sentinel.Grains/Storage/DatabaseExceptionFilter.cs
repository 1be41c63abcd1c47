using Npgsql;

namespace Sentinel.Grains.Storage;

/// <summary>
/// Turns driver exceptions into ones the cluster can carry: an unreachable or slow database becomes
/// <see cref="StorageUnavailableException"/> (503 at the edge); a value PostgreSQL refuses (SQLSTATE class 22, such as
/// U+0000 in text) becomes <see cref="StorageRejectedValueException"/> (422 at the edge); a constraint or SQL error stays a server fault (500),
/// with its SQLSTATE and constraint name but no data values. The driver's exception is looked for in the whole chain:
/// grain storage wraps it (a write during a PostgreSQL restart), and a client without Npgsql's types could not even
/// deserialize the wrapped one.
/// </summary>
public sealed class DatabaseExceptionFilter : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (Exception ex) when (Translate(ex, context.InterfaceMethod?.Name) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>What to throw instead of <paramref name="ex"/>, or null when no driver exception is in its chain.</summary>
    public static Exception? Translate(Exception ex, string? method)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException pg when pg.IsTransient || pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState.StartsWith("57", StringComparison.Ordinal):
                    return new StorageUnavailableException($"PostgreSQL unavailable ({pg.SqlState}).");
                // Class 22 is a value PostgreSQL cannot take (U+0000 in text is 22021, in jsonb 22P05): bad input, a 422.
                case PostgresException pg when pg.SqlState.StartsWith("22", StringComparison.Ordinal):
                    return new StorageRejectedValueException($"Database refused a value ({pg.SqlState}) in {method}.");
                case PostgresException pg:
                    return new InvalidOperationException($"Database error {pg.SqlState} on {pg.TableName}/{pg.ConstraintName} in {method}.");
                case NpgsqlException:
                    return new StorageUnavailableException($"PostgreSQL unavailable ({e.GetType().Name}).");
            }
        }
        return null;
    }
}
