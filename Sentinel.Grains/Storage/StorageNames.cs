namespace Sentinel.Grains.Storage;

/// <summary>Names of the grain storage providers. The silo registers one ADO.NET provider per name; tests use memory storage under the same names.</summary>
public static class StorageNames
{
    /// <summary>Per-user sessions and revocation state (<c>IUserSessionGrain</c>).</summary>
    public const string Sessions = "sessions";

    /// <summary>Rate-limiter state, written behind.</summary>
    public const string RateLimits = "ratelimits";

    /// <summary>Short-lived single-use state such as auth codes.</summary>
    public const string Ephemeral = "ephemeral";

    /// <summary>All provider names, for registration loops.</summary>
    public static readonly IReadOnlyList<string> All = [Sessions, RateLimits, Ephemeral];
}
