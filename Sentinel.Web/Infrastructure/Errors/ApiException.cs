namespace Sentinel.Web.Infrastructure.Errors;

/// <summary>
/// A refusal decided at the edge while binding a request (authentication, path checks). The exception handler writes
/// it as the contract's body with its stable code; it is never logged as an error.
/// </summary>
public sealed class ApiException(int status, object detail, string code) : Exception(detail as string ?? code)
{
    public int Status { get; } = status;
    public object Detail { get; } = detail;
    public string Code { get; } = code;

    public static ApiException Unauthorized(string detail, string code) => new(StatusCodes.Status401Unauthorized, detail, code);
    public static ApiException Forbidden(string detail, string code) => new(StatusCodes.Status403Forbidden, detail, code);
}
