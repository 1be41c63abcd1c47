namespace Sentinel.Grains;

/// <summary>
/// The outcome of a grain call that may refuse: a value, or a refusal with its reason, one enum per feature
/// (<c>DirectoryError</c>, <c>ServiceAppError</c>, <c>AuthorizationError</c>, <c>ServiceCallRefusal</c>). Expected
/// refusals are values, not exceptions: a refused change wrote nothing. A flat record rather than nested subtypes,
/// because Orleans serializes generic nested hierarchies poorly; the edge maps each error to its HTTP status and code
/// (docs/errors.md).
/// </summary>
/// <typeparam name="T">The value of a call that succeeded.</typeparam>
/// <typeparam name="TError">The feature's refusal reasons.</typeparam>
[GenerateSerializer, Immutable, Alias("sentinel.Result`2")]
public sealed record Result<T, TError>(
    [property: Id(0)] T? Value,
    [property: Id(1)] TError? Error,
    [property: Id(2)] string? Detail = null)
    where TError : struct, Enum
{
    /// <summary>True when the call succeeded.</summary>
    public bool IsOk => Error is null;

    /// <summary>The call succeeded with <paramref name="value"/>.</summary>
    public static Result<T, TError> Ok(T value) => new(value, null);

    /// <summary>The call was refused; nothing was written. <paramref name="detail"/> names the offending item, if any.</summary>
    public static Result<T, TError> Refused(TError error, string? detail = null) => new(default, error, detail);
}
