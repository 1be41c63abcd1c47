namespace Sentinel.Client;

/// <summary>The user an IdP token resolved to.</summary>
public sealed record AuthzUser(Guid Id, string Email, string Name);

/// <summary>The workspace an authz token was minted for.</summary>
public sealed record AuthzWorkspace(Guid Id, string Slug, Role Role);

/// <summary>A workspace the user belongs to.</summary>
public sealed record AuthzWorkspaceSummary(Guid Id, string Name, string Slug, Role Role);

/// <summary>
/// The answer of <c>POST /authz/resolve</c>. Without a workspace: <see cref="Workspaces"/> lists the user's; with one:
/// <see cref="AuthzToken"/> (<c>aud=sentinel:authz</c>) and <see cref="ExpiresIn"/> (seconds) are set.
/// </summary>
public sealed record AuthzResolution(AuthzUser User, AuthzWorkspace? Workspace, string? AuthzToken, int? ExpiresIn, IReadOnlyList<AuthzWorkspaceSummary>? Workspaces);

internal sealed record ResolveRequest(string IdpToken, string Provider, Guid? WorkspaceId);

/// <summary>Authz mode's token exchange (<c>POST /authz/resolve</c>), with the service key.</summary>
public sealed class AuthzClient
{
    private readonly SentinelHttp http;

    internal AuthzClient(SentinelHttp http) => this.http = http;

    /// <summary>
    /// Resolves an IdP token (<paramref name="provider"/>: <c>google</c>, <c>github</c>, <c>entra_id</c> or a generic
    /// provider's id) to a user, and with <paramref name="workspaceId"/> to an authz token. Not retried: each call mints a token.
    /// </summary>
    public Task<AuthzResolution> ResolveAsync(string idpToken, string provider, Guid? workspaceId = null, CancellationToken cancellationToken = default) =>
        http.SendAsync<AuthzResolution>(HttpMethod.Post, "/authz/resolve", new ResolveRequest(idpToken, provider, workspaceId), BearerUse.None, null, idempotent: false, cancellationToken);
}
