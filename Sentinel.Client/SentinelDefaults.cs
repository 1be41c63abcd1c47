namespace Sentinel.Client;

/// <summary>Names and values the library uses.</summary>
public static class SentinelDefaults
{
    /// <summary>The authentication scheme <c>AddSentinel</c> registers and makes the default: <c>Sentinel</c>.</summary>
    public const string AuthenticationScheme = "Sentinel";

    /// <summary>The JwtBearer scheme behind <see cref="AuthenticationScheme"/> in proxy mode.</summary>
    public const string BearerScheme = "Sentinel.Bearer";

    /// <summary>The scheme behind <see cref="AuthenticationScheme"/> in authz mode.</summary>
    public const string AuthzScheme = "Sentinel.Authz";

    /// <summary>The header carrying the Sentinel authz token in authz mode.</summary>
    public const string AuthzTokenHeader = "X-Authz-Token";

    /// <summary>The header carrying the service key.</summary>
    public const string ServiceKeyHeader = "X-Service-Key";

    /// <summary>Audience of access tokens.</summary>
    public const string AccessAudience = "sentinel:access";

    /// <summary>Audience of authz tokens.</summary>
    public const string AuthzAudience = "sentinel:authz";
}
