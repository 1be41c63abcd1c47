namespace Sentinel.Grains.Directory;

/// <summary>An identity asserted by an identity provider after its own checks.</summary>
/// <param name="Provider">Provider id: <c>google</c>, <c>github</c>, <c>entra_id</c> or a generic OIDC id.</param>
/// <param name="Subject">The provider's subject. GitHub subjects are stored canonically as <c>github|&lt;id&gt;</c>.</param>
/// <param name="Email">The email the provider vouches for.</param>
/// <param name="EmailVerified">Whether the provider verified it; unverified identities are refused.</param>
/// <param name="Name">Display name, already stripped of HTML.</param>
/// <param name="AvatarUrl">http(s) avatar or null.</param>
/// <param name="ProviderData">Small JSON of provider claims worth keeping (no tokens), or null.</param>
[GenerateSerializer, Immutable, Alias("sentinel.ExternalIdentity")]
public sealed record ExternalIdentity(
    [property: Id(0)] string Provider,
    [property: Id(1)] string Subject,
    [property: Id(2)] string Email,
    [property: Id(3)] bool EmailVerified,
    [property: Id(4)] string Name,
    [property: Id(5)] string? AvatarUrl,
    [property: Id(6)] string? ProviderData);

/// <summary>How a sign-in may treat an identity it has not seen before.</summary>
public enum UnknownIdentityPolicy
{
    /// <summary>Create the user (proxy-mode and authz-mode sign-in).</summary>
    Create,
    /// <summary>Create only when the caller grants admin (ADMIN_EMAILS); otherwise refuse before writing anything (admin login).</summary>
    CreateOnlyIfAdmin,
}

/// <summary>Why an identity was not resolved to a user.</summary>
public enum IdentityRefusal
{
    /// <summary>The provider did not verify the email.</summary>
    EmailNotVerified,
    /// <summary>The email belongs to a user who already signs in with another provider; never linked by email (no cross-provider linking).</summary>
    EmailLinkedElsewhere,
    /// <summary>Unknown identity and the policy forbids creating it (admin login by a non-admin).</summary>
    NotEligible,
}

/// <summary>The user an identity resolved to, or why not.</summary>
[GenerateSerializer, Immutable, Alias("sentinel.IdentityResolution")]
public sealed record IdentityResolution(
    [property: Id(0)] UserProfile? User,
    [property: Id(1)] bool Created,
    [property: Id(2)] bool Linked,
    [property: Id(3)] IdentityRefusal? Refusal);

/// <summary>
/// Resolves a provider identity to a user: by (provider, subject); else a verified email claims a
/// pre-provisioned user that has no social account yet; a user with one is never attached to another provider by
/// email; else a new user. Emails compare case-insensitively. Use key 0.
/// </summary>
public interface IIdentityResolverGrain : IGrainWithIntegerKey
{
    /// <summary>Resolves, creating or linking as the rules allow, and writes <paramref name="activity"/> (e.g. <c>user_login</c>) with the IP.</summary>
    /// <param name="identity">What the provider asserted.</param>
    /// <param name="policy">Whether an unknown identity may be created.</param>
    /// <param name="grantAdmin">Set <c>is_admin</c> when this resolution creates or links the user (ADMIN_EMAILS).</param>
    /// <param name="activity">Activity action to record on success, or null for none.</param>
    /// <param name="ip">Client IP for the activity detail.</param>
    /// <param name="cancellationToken">Bounds the call.</param>
    Task<IdentityResolution> ResolveAsync(ExternalIdentity identity, UnknownIdentityPolicy policy, bool grantAdmin, string? activity, string? ip, CancellationToken cancellationToken = default);
}
