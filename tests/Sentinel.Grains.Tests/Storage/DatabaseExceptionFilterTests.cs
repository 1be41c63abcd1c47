using Npgsql;
using Sentinel.Grains.Storage;
using Xunit;

namespace Sentinel.Grains.Tests.Storage;

public sealed class DatabaseExceptionFilterTests
{
    [Fact]
    public void driver_failure_wrapped_by_grain_storage_becomes_storage_unavailable()
    {
        // What a session write during a PostgreSQL restart throws: the storage provider's exception around the driver's.
        var wrapped = new OrleansException("Error writing state", new NpgsqlException("Failed to connect to 127.0.0.1:9001"));

        var translated = DatabaseExceptionFilter.Translate(wrapped, "RefreshAsync");

        Assert.IsType<StorageUnavailableException>(translated);
        Assert.Null(translated!.InnerException);
    }

    [Fact]
    public void admin_shutdown_of_postgres_becomes_storage_unavailable()
    {
        var shutdown = new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", "57P01");

        Assert.IsType<StorageUnavailableException>(DatabaseExceptionFilter.Translate(new OrleansException("write", shutdown), null));
    }

    [Fact]
    public void constraint_violation_stays_a_server_fault_without_the_driver_type()
    {
        var unique = new PostgresException("duplicate key value", "ERROR", "ERROR", "23505");

        var translated = DatabaseExceptionFilter.Translate(unique, "CreateAsync");

        Assert.IsType<InvalidOperationException>(translated);
        Assert.Contains("23505", translated!.Message, StringComparison.Ordinal);
        Assert.Null(translated.InnerException);
    }

    [Fact]
    public void exception_without_a_driver_failure_is_left_alone()
    {
        Assert.Null(DatabaseExceptionFilter.Translate(new InvalidOperationException("grain refused"), null));
    }
}
