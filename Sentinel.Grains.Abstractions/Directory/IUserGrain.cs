namespace Sentinel.Grains.Directory;

/// <summary>One user (keyed by user id): a cache over the <c>users</c> row; writes go through it.</summary>
public interface IUserGrain : IGrainWithGuidKey
{
    /// <summary>The user, or null when no such user exists.</summary>
    Task<UserProfile?> GetAsync(CancellationToken cancellationToken = default);

    /// <summary>Creates the user with this grain's id. Refused with <see cref="DirectoryError.EmailTaken"/> when the email is used (case-insensitive).</summary>
    Task<Result<UserProfile, DirectoryError>> CreateAsync(string email, string name, string? avatarUrl, bool isAdmin, CancellationToken cancellationToken = default);

    /// <summary>Updates name and/or avatar (null leaves a field as it is). Null result when the user does not exist.</summary>
    Task<UserProfile?> UpdateProfileAsync(string? name, string? avatarUrl, CancellationToken cancellationToken = default);

    /// <summary>Sets the admin flag.</summary>
    Task<UserProfile?> SetAdminAsync(bool isAdmin, Guid? actorId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Re-reads the row after a change written elsewhere (the admin commands update <c>is_active</c>/<c>is_admin</c> of
    /// many users in one statement), so the cache the admin cookie check reads is never stale. Null when the user is gone.
    /// </summary>
    Task<UserProfile?> ReloadAsync(CancellationToken cancellationToken = default);
}
