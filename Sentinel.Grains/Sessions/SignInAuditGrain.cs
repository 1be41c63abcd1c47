using Orleans.Concurrency;

namespace Sentinel.Grains.Sessions;

[StatelessWorker]
internal sealed class SignInAuditGrain : Grain, ISignInAuditGrain
{
    public Task RecordAsync(string action, Guid userId, IReadOnlyDictionary<string, string?> detail, CancellationToken cancellationToken) =>
        ActivitySinks.Resolve(ServiceProvider).WriteAsync(action, userId, detail, cancellationToken);
}
