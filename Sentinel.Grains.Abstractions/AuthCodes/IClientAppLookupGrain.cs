namespace Sentinel.Grains.AuthCodes;

/// <summary>A client app as sign-in needs it.</summary>
/// <param name="Id">The app id.</param>
/// <param name="Name">Its name.</param>
[GenerateSerializer, Immutable, Alias("sentinel.ClientAppRef")]
public sealed record ClientAppRef(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Name);

/// <summary>Reads <c>client_apps</c> for the sign-in flow, from any silo. Use key 0.</summary>
public interface IClientAppLookupGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// The active client app that lists <paramref name="redirectUri"/> exactly (case-sensitive, no normalisation).
    /// With <paramref name="clientAppId"/>, only that app qualifies; without, the oldest such app.
    /// </summary>
    Task<ClientAppRef?> FindActiveForRedirectAsync(string redirectUri, Guid? clientAppId, CancellationToken cancellationToken = default);
}
