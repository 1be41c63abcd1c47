using Npgsql;

namespace Sentinel.Grains.Data;

/// <summary>Row reading shared by the stores, so each store method is its SQL, its parameters and its row mapping.</summary>
internal static class Commands
{
    /// <summary>The first row mapped by <paramref name="read"/>, or the default when the command returns no row.</summary>
    public static async Task<T?> ReadFirstAsync<T>(this NpgsqlCommand cmd, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? read(reader) : default;
    }

    /// <summary>Every row, mapped by <paramref name="read"/>, in the order the command returns them.</summary>
    public static async Task<List<T>> ReadAllAsync<T>(this NpgsqlCommand cmd, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        var result = new List<T>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) result.Add(read(reader));
        return result;
    }
}
