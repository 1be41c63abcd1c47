using System.Collections.Concurrent;

namespace Sentinel.Web.Tests.Sessions;

/// <summary>
/// A silo-side grain call filter that, once armed for one grain and method, lets the call run to completion (state
/// written) and then loses its reply, as a connection dropped on the way back would. Inert unless armed.
/// </summary>
public sealed class DroppedReplies : IIncomingGrainCallFilter
{
    private static readonly ConcurrentDictionary<(Guid Key, string Method), int> Armed = new();
    private static readonly ConcurrentDictionary<(Guid Key, string Method), int> Calls = new();

    /// <summary>The next <paramref name="count"/> replies of <paramref name="method"/> on the grain keyed <paramref name="key"/> are lost.</summary>
    public static void Arm(Guid key, string method, int count = 1) => Armed[(key, method)] = count;

    /// <summary>How many calls of <paramref name="method"/> reached that grain.</summary>
    public static int CallsTo(Guid key, string method) => Calls.GetValueOrDefault((key, method));

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (!context.TargetId.TryGetGuidKey(out var key, out _))
        {
            await context.Invoke();
            return;
        }
        var id = (key, context.MethodName);
        Calls.AddOrUpdate(id, 1, (_, n) => n + 1);
        await context.Invoke();
        if (Armed.TryGetValue(id, out var left) && left > 0 && Armed.TryUpdate(id, left - 1, left))
            throw new TimeoutException("test: the reply was lost in transit");
    }
}
