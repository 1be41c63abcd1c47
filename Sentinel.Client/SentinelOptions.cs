namespace Sentinel.Client;

/// <summary>How the app's users reach it (Sentinel.Client/README.md).</summary>
public enum SentinelMode
{
    /// <summary>Users sign in through Sentinel; requests carry a Sentinel access token (<c>aud=sentinel:access</c>).</summary>
    Proxy,

    /// <summary>
    /// Users sign in with their identity provider; requests carry the IdP token as bearer and a Sentinel authz token
    /// (<c>aud=sentinel:authz</c>) in <c>X-Authz-Token</c>, bound to each other by <c>idp_sub</c>.
    /// </summary>
    Authz,
}

/// <summary>An RBAC action this service registers with Sentinel at start-up (<c>POST /roles/actions/register</c>).</summary>
/// <param name="Action">The action, matching <c>^[a-z][a-z0-9_.:-]*$</c> (for example <c>docs.edit</c>).</param>
/// <param name="Description">Shown to operators in the admin panel; null keeps the one Sentinel has.</param>
public sealed record SentinelActionDefinition(string Action, string? Description = null);

/// <summary>
/// Settings of <c>AddSentinel</c>, bound from the <c>Sentinel</c> configuration section, then from the delegate given to
/// <c>AddSentinel</c>. Defaults are stated on each property.
/// </summary>
public sealed class SentinelOptions
{
    /// <summary>The configuration section bound to these options: <c>Sentinel</c>.</summary>
    public const string SectionName = "Sentinel";

    /// <summary>Sentinel's <c>BASE_URL</c>, a bare origin such as <c>https://auth.example.com</c>: it is also the tokens' <c>iss</c>. Required.</summary>
    public string BaseUrl { get; set; } = "";

    /// <summary>This service's key (<c>sk_…</c>), sent as <c>X-Service-Key</c>. Needed by the clients and the action checks; no default.</summary>
    public string? ServiceKey { get; set; }

    /// <summary>The service name the key belongs to; the <c>service_name</c> of every ACL and action. Required with <see cref="ServiceKey"/>.</summary>
    public string? ServiceName { get; set; }

    /// <summary><see cref="SentinelMode.Proxy"/> (default) or <see cref="SentinelMode.Authz"/>.</summary>
    public SentinelMode Mode { get; set; } = SentinelMode.Proxy;

    /// <summary>Refuse metadata and keys over plain http. Default true; turn off only for local development.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>Tolerated clock difference when checking <c>exp</c> and <c>nbf</c>. Default 30 seconds.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often the discovery document and JWKS are fetched again in any case. Default 5 minutes, Sentinel's JWKS
    /// max-age: a key Sentinel pre-announces (docs/key-rotation.md, step 2) is then known before it signs anything.
    /// </summary>
    public TimeSpan KeyRefreshInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A token signed with a key the app does not know yet (a rotation) makes it fetch the JWKS again, at most this often.
    /// Default 30 seconds (the minimum IdentityModel allows is 1 second).
    /// </summary>
    public TimeSpan UnknownKeyRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Ask Sentinel on every authenticated request whether the token was revoked (logout, deactivation, revoked
    /// session), through <c>GET /users/me</c>. Costs one call per request. Default false, as in the original SDKs.
    /// </summary>
    public bool CheckRevocation { get; set; }

    /// <summary>Timeout of one attempt of a call to Sentinel. Default 5 seconds (the Python SDK's).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Timeout of one attempt of <c>POST /authz/resolve</c>. Default 10 seconds (the Python SDK's).</summary>
    public TimeSpan ResolveTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries of an idempotent call after a transport failure, a timeout, 429 or 5xx. Default 2; 0 turns retries off.</summary>
    public int MaxRetries { get; set; } = 2;

    /// <summary>Actions registered at start-up; each also gets an authorization policy of the same name. Empty by default.</summary>
    public IList<SentinelActionDefinition> Actions { get; } = [];

    /// <summary>Authz mode: the identity provider's discovery document (for its issuer and JWKS). Required in authz mode.</summary>
    public string? IdpMetadataAddress { get; set; }

    /// <summary>
    /// Authz mode: the audience the IdP token must have (your IdP client id). Default null: not checked, as in the
    /// Python SDK; the <c>idp_sub</c> binding still ties it to the authz token.
    /// </summary>
    public string? IdpAudience { get; set; }

    internal string Origin => BaseUrl.TrimEnd('/');
}
