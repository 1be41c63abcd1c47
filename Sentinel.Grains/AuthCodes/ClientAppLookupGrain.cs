using Orleans.Concurrency;
using Sentinel.Grains.ClientApps;

namespace Sentinel.Grains.AuthCodes;

/// <summary>Reads the table on every call: sign-ins are rate-limited and rare next to token checks, and an app deactivated a moment ago must not still match.</summary>
[StatelessWorker]
internal sealed class ClientAppLookupGrain(ClientAppStore store) : Grain, IClientAppLookupGrain
{
    public Task<ClientAppRef?> FindActiveForRedirectAsync(string redirectUri, Guid? clientAppId, CancellationToken cancellationToken) =>
        store.FindActiveForRedirectAsync(redirectUri, clientAppId, cancellationToken);
}
