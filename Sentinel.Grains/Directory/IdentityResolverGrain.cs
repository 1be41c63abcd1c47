using Orleans.Concurrency;

namespace Sentinel.Grains.Directory;

/// <summary>Stateless: the rules run in one transaction in <see cref="IdentityStore"/>, which settles races through the tables' unique constraints.</summary>
[StatelessWorker]
internal sealed class IdentityResolverGrain(IdentityStore store) : Grain, IIdentityResolverGrain
{
    public Task<IdentityResolution> ResolveAsync(ExternalIdentity identity, UnknownIdentityPolicy policy, bool grantAdmin, string? activity, string? ip, CancellationToken cancellationToken) =>
        identity.EmailVerified
            ? store.ResolveAsync(identity, policy, grantAdmin, activity, ip, cancellationToken)
            : Task.FromResult(IdentityStore.Refuse(IdentityRefusal.EmailNotVerified));
}
