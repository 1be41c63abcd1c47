namespace Sentinel.Grains.Sessions;

/// <summary>Writes sign-in activity rows decided at the edge (e.g. <c>admin_login</c>), from any silo. Use key 0.</summary>
public interface ISignInAuditGrain : IGrainWithIntegerKey
{
    /// <summary>Writes one <c>activity_logs</c> row with the user as actor and target.</summary>
    /// <param name="action">The action, e.g. <c>admin_login</c>.</param>
    /// <param name="userId">Actor and target.</param>
    /// <param name="detail">Small string detail (no secrets, no emails).</param>
    /// <param name="cancellationToken">Bounds the call.</param>
    Task RecordAsync(string action, Guid userId, IReadOnlyDictionary<string, string?> detail, CancellationToken cancellationToken = default);
}
