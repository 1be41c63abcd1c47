using Sentinel.Grains.Admin;
using Sentinel.Web.Validation;

namespace Sentinel.Web.Admin;

/// <summary>The contract's admin paging: <c>page</c> ≥ 1 (1), <c>page_size</c> 1–100 (20), and the list shape.</summary>
public static class AdminPaging
{
    public const int DefaultPageSize = 20;
    public const int MaxPageSize = 100;

    /// <summary>Adds 422 items for out-of-range values and returns the effective page and size.</summary>
    public static (int Page, int PageSize) Validate(RequestValidator v, int? page, int? pageSize)
    {
        v.Range("page", page, 1, int.MaxValue).Range("page_size", pageSize, 1, MaxPageSize);
        return (page ?? 1, pageSize ?? DefaultPageSize);
    }

    /// <summary>As <see cref="Validate"/>, but answers the 422 itself: <c>Invalid</c> is set when a value is out of range.</summary>
    public static (int Page, int PageSize, IResult? Invalid) Read(int? page, int? pageSize)
    {
        var v = new RequestValidator();
        var (p, size) = Validate(v, page, pageSize);
        return v.Failed ? (0, 0, v.Result()) : (p, size, null);
    }

    /// <summary><c>{"items":[…],"total":int,"page":int,"page_size":int}</c>.</summary>
    public static IResult Json<T, TOut>(Page<T> page, Func<T, TOut> map) =>
        Results.Json(new PageResponse<TOut>(page.Items.Select(map).ToList(), page.Total, page.PageNumber, page.PageSize));

    public sealed record PageResponse<T>(IReadOnlyList<T> Items, long Total, int Page, int PageSize);
}
