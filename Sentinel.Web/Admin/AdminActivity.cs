using Sentinel.Grains.Admin;
using Sentinel.Web.Cluster;
using Sentinel.Web.RateLimiting;

namespace Sentinel.Web.Admin;

/// <summary>Activity rows for admin actions that change nothing themselves (views, exports, an import's summary).</summary>
public static class AdminActivity
{
    /// <summary>The contract's target type for system-wide actions, with the all-zero id.</summary>
    public const string SystemTarget = "system";

    public static Task RecordAsync(GrainCalls calls, Guid adminId, string action, string? detailJson, CancellationToken aborted) =>
        calls.RunAsync(async (g, ct) =>
        {
            await g.GetGrain<IAdminUserCommandsGrain>(0).RecordAsync(action, adminId, SystemTarget, Guid.Empty, detailJson, ct);
            return true;
        }, aborted);

    /// <summary>
    /// A request refused before its per-endpoint limiter (bad input) uses no quota there; this records that the
    /// decision was deliberately skipped.
    /// </summary>
    public static void NotCounted(HttpContext context) =>
        context.Features.Set(new RateLimitVerdictFeature(RateLimitVerdict.NotLimited.Instance));
}
