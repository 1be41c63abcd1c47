using System.Text.Json.Serialization;

namespace Sentinel.Web.Errors;

/// <summary>The contract's error body (§1.3) plus a stable <c>code</c> (§8.1). Tests assert on <c>code</c>.</summary>
public sealed record ApiError(
    [property: JsonPropertyName("detail")] object Detail,
    [property: JsonPropertyName("code")] string Code);

/// <summary>Stable error codes. Never rename one: clients branch on them.</summary>
public static class ErrorCodes
{
    public const string NotFound = "not_found";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string BodyTooLarge = "body_too_large";
    public const string BadRequest = "bad_request";
    public const string ValidationFailed = "validation_failed";
    public const string InternalError = "internal_error";
    public const string ClusterUnavailable = "cluster_unavailable";
    public const string RateLimited = "rate_limited";
    public const string InvalidHost = "invalid_host";
    public const string CorsDisallowed = "cors_disallowed";

    // Authentication (§1.4)
    public const string MissingToken = "missing_token";
    public const string TokenTooLarge = "token_too_large";
    public const string InvalidToken = "invalid_token";
    public const string InvalidTokenType = "invalid_token_type";
    public const string MissingClaims = "token_missing_claims";
    public const string TokenRevoked = "token_revoked";
    public const string UserDeactivated = "user_deactivated";
    public const string InvalidServiceKey = "invalid_service_key";
    public const string ServiceNotAuthorized = "service_not_authorized";

    // Directory
    public const string NotWorkspaceMember = "not_workspace_member";
    public const string InsufficientRole = "insufficient_role";
    public const string UserNotFound = "user_not_found";
    public const string WorkspaceNotFound = "workspace_not_found";
    public const string SlugTaken = "slug_taken";
    public const string MembershipNotFound = "membership_not_found";
    public const string OwnerRoleRequired = "owner_role_required";
    public const string LastOwner = "last_owner";
    public const string AlreadyMember = "already_member";
    public const string GroupNotFound = "group_not_found";
    public const string GroupNameTaken = "group_name_taken";
    public const string AlreadyGroupMember = "already_group_member";
    public const string GroupMemberNotFound = "group_member_not_found";

    // Sign-in and sessions (§3.2, §8.3)
    public const string InvalidAuthorizationCode = "invalid_authorization_code";
    public const string PkceRequired = "pkce_required";
    public const string PkceFailed = "pkce_failed";
    public const string CannotIssueTokens = "cannot_issue_tokens";
    public const string InvalidRefreshToken = "invalid_refresh_token";
    public const string SessionNotFound = "session_not_found";
    public const string ProviderNotConfigured = "provider_not_configured";
    public const string NotAuthenticated = "not_authenticated";
    public const string NotAdmin = "not_admin";
    public const string CsrfHeaderMissing = "csrf_header_missing";
    public const string CsrfOriginMismatch = "csrf_origin_mismatch";
    public const string AuthenticationFailed = "authentication_failed";

    // Service context (§1.4) and authorization (§3.3, §3.7, §3.8)
    public const string MissingServiceKey = "missing_service_key";
    public const string ServiceKeyRequired = "service_key_required";
    public const string CrossWorkspace = "cross_workspace";
    public const string PermissionNotFound = "permission_not_found";
    public const string ResourceNotFound = "resource_not_found";
    public const string ResourceConflict = "resource_conflict";
    public const string OwnerNotFound = "owner_not_found";
    public const string NotOwnerOrAdmin = "not_owner_or_admin";
    public const string GranteeNotMember = "grantee_not_member";
    public const string GroupNotInWorkspace = "group_not_in_workspace";
    public const string ShareNotFound = "share_not_found";
    public const string DuplicateAction = "duplicate_action";
    public const string UnsupportedProvider = "unsupported_provider";
    public const string IdpTokenExpired = "idp_token_expired";
    public const string IdpTokenInvalid = "idp_token_invalid";
    public const string EmailNotVerified = "email_not_verified";
    public const string EmailLinkedElsewhere = "email_linked_elsewhere";
    public const string GitHubTokenInvalid = "github_token_invalid";
    public const string GitHubEmailsUnavailable = "github_emails_unavailable";
    public const string IdpUnavailable = "idp_unavailable";
    public const string UserInactive = "user_inactive";
    public const string ProxyNotSupported = "proxy_not_supported";
    public const string GitHubNotConfigured = "github_not_configured";
    public const string RedirectNotAllowed = "redirect_not_allowed";
    public const string IdpSessionMissing = "idp_session_missing";
    public const string IdpStateMismatch = "idp_state_mismatch";
    public const string GitHubExchangeFailed = "github_exchange_failed";
    public const string GitHubOAuthError = "github_oauth_error";
}

/// <summary>Writes error bodies in one place, so every endpoint answers the same shape.</summary>
public static class ApiErrors
{
    /// <summary>Seconds a client should wait when the cluster is unreachable.</summary>
    public const int ClusterRetryAfterSeconds = 5;

    public static IResult Result(int status, string detail, string code) =>
        Results.Json(new ApiError(detail, code), statusCode: status);

    /// <summary>The contract's 422 list with <c>code: validation_failed</c>.</summary>
    public static IResult Result422(IReadOnlyList<ValidationItem> items) =>
        Results.Json(new ApiError(items, ErrorCodes.ValidationFailed), statusCode: StatusCodes.Status422UnprocessableEntity);

    public static Task WriteAsync(HttpContext context, int status, object detail, string code)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new ApiError(detail, code), context.RequestAborted);
    }

    public static Task WriteClusterUnavailableAsync(HttpContext context)
    {
        context.Response.Headers.RetryAfter = ClusterRetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "Service temporarily unavailable", ErrorCodes.ClusterUnavailable);
    }

    /// <summary>The default body for a status that an endpoint or the framework set without one.</summary>
    public static (string Detail, string Code) ForStatus(int status) => status switch
    {
        404 => ("Not Found", ErrorCodes.NotFound),
        405 => ("Method Not Allowed", ErrorCodes.MethodNotAllowed),
        413 => ("Request body too large", ErrorCodes.BodyTooLarge),
        415 => ("Unsupported Media Type", "unsupported_media_type"),
        500 => ("Internal Server Error", ErrorCodes.InternalError),
        503 => ("Service temporarily unavailable", ErrorCodes.ClusterUnavailable),
        _ => (ReasonPhrases(status), "http_" + status.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    };

    private static string ReasonPhrases(int status) =>
        Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : "Error";
}
