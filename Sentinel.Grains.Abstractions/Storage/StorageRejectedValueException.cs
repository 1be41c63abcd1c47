namespace Sentinel.Grains.Storage;

/// <summary>
/// PostgreSQL refused a value a request carried (SQLSTATE class 22, "data exception": U+0000 in <c>text</c> or
/// <c>jsonb</c>, a value out of range). The input was bad, not the server, so the edge answers the contract's 422
/// <c>validation_failed</c> instead of 500. The message holds the SQLSTATE only, never the value.
/// </summary>
[GenerateSerializer, Alias("sentinel.StorageRejectedValueException")]
public sealed class StorageRejectedValueException : Exception
{
    /// <summary>Creates the exception with a non-sensitive reason.</summary>
    public StorageRejectedValueException(string message) : base(message) { }

    /// <summary>For serializers.</summary>
    public StorageRejectedValueException() { }

    /// <summary>For serializers.</summary>
    public StorageRejectedValueException(string message, Exception inner) : base(message, inner) { }
}
