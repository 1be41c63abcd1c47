using System.Reflection;

namespace Sentinel.Errors;

/// <summary>One row of the error table: a stable code, the statuses it is answered with, and what it means.</summary>
/// <param name="Code">The snake_case <c>code</c> of the JSON error body.</param>
/// <param name="Statuses">The first is the usual status; more than one only where the contract answers the same meaning
/// with another status on one route (for example 400 instead of 404 on invite).</param>
/// <param name="Meaning">One sentence: the one situation this code stands for.</param>
internal sealed record ErrorCodeEntry(string Code, IReadOnlyList<int> Statuses, string Meaning);

/// <summary>Marks an <see cref="ErrorCodes"/> constant with its statuses and meaning (the table's other two columns).</summary>
[AttributeUsage(AttributeTargets.Field)]
internal sealed class ErrorAttribute(string meaning, params int[] statuses) : Attribute
{
    public string Meaning { get; } = meaning;
    public IReadOnlyList<int> Statuses { get; } = statuses;
}

/// <summary>
/// The table of error codes, and its only source: every error body Sentinel writes (Web and the silo's dashboard gate)
/// takes its <c>code</c> from a constant here, each constant states its status and meaning, and one code stands for one
/// meaning. <c>docs/errors.md</c> lists the same table; a test keeps the two equal and refuses a code written as a bare
/// string elsewhere. Never rename a code: clients branch on them.
/// </summary>
internal static class ErrorCodes
{
    // Conventions every route shares.
    [Error("No route or resource at this path.", 404)] public const string NotFound = "not_found";
    [Error("The route exists but not for this HTTP method.", 405)] public const string MethodNotAllowed = "method_not_allowed";
    [Error("The request body is over the 10 MiB cap.", 413)] public const string BodyTooLarge = "body_too_large";
    [Error("The request body's media type is not one the route reads.", 415)] public const string UnsupportedMediaType = "unsupported_media_type";
    [Error("The request was refused for a reason no more specific code names.", 400)] public const string BadRequest = "bad_request";
    [Error("The input failed validation (wrong type, malformed JSON, missing or out-of-range field); detail is the list of failures.", 422)] public const string ValidationFailed = "validation_failed";
    [Error("An unexpected failure inside Sentinel; the log has the cause.", 500)] public const string InternalError = "internal_error";
    [Error("The Orleans cluster could not be reached; retry after the Retry-After seconds.", 503)] public const string ClusterUnavailable = "cluster_unavailable";
    [Error("A rate-limit tier refused the request; retry after the Retry-After seconds.", 429)] public const string RateLimited = "rate_limited";
    [Error("The Host header is malformed or not in ALLOWED_HOSTS.", 400)] public const string InvalidHost = "invalid_host";
    [Error("A CORS preflight from an origin that is not allowed.", 400)] public const string CorsDisallowed = "cors_disallowed";
    [Error("/metrics was asked from an address outside METRICS_ALLOWED_NETWORKS.", 403)] public const string MetricsForbidden = "metrics_forbidden";

    // Refusals the HTTP server (Kestrel) makes before Sentinel's code runs.
    [Error("The Content-Length header is malformed or contradicts the body.", 400)] public const string InvalidContentLength = "invalid_content_length";
    [Error("The client took too long to send the request.", 408)] public const string RequestTimeout = "request_timeout";
    [Error("A body was sent without a length the server needs.", 411)] public const string LengthRequired = "length_required";
    [Error("The request target is longer than the server accepts.", 414)] public const string UriTooLong = "uri_too_long";
    [Error("The request headers are larger than the server accepts.", 431)] public const string RequestHeadersTooLarge = "request_headers_too_large";

    // Authentication of the caller (bearer token, admin cookie, service key).
    [Error("No bearer token (or admin cookie) was sent.", 401)] public const string MissingToken = "missing_token";
    [Error("The token is longer than 8192 characters.", 401)] public const string TokenTooLarge = "token_too_large";
    [Error("The token failed signature, key id, audience, issuer, expiry or claim checks.", 401)] public const string InvalidToken = "invalid_token";
    [Error("The token verified but is another kind than the route takes (its type claim).", 401)] public const string InvalidTokenType = "invalid_token_type";
    [Error("The token verified but lacks a claim the route needs.", 401)] public const string MissingClaims = "token_missing_claims";
    [Error("The token, its session or all of the user's tokens were revoked.", 401)] public const string TokenRevoked = "token_revoked";
    [Error("The token's user was deactivated.", 401)] public const string UserDeactivated = "user_deactivated";
    [Error("The X-Service-Key is not a registered, active service key.", 401)] public const string InvalidServiceKey = "invalid_service_key";
    [Error("The service app is not authorized for the service or workspace it names.", 403)] public const string ServiceNotAuthorized = "service_not_authorized";
    [Error("No session: the route needs a signed-in user (admin cookie).", 401)] public const string NotAuthenticated = "not_authenticated";
    [Error("The signed-in user is not (or no longer) an active Sentinel admin.", 403)] public const string NotAdmin = "not_admin";
    [Error("A cookie-authenticated write without the CSRF header.", 403)] public const string CsrfHeaderMissing = "csrf_header_missing";
    [Error("A cookie-authenticated write from an Origin other than the admin panel's.", 403)] public const string CsrfOriginMismatch = "csrf_origin_mismatch";
    [Error("Neither a service key nor a registered browser origin identifies the calling app.", 401)] public const string MissingServiceKey = "missing_service_key";
    [Error("The route needs an X-Service-Key; a registered origin alone is not enough.", 401)] public const string ServiceKeyRequired = "service_key_required";

    // Directory: users, workspaces, members, groups.
    [Error("The caller (the token's workspace) is not a member of the workspace in the path.", 403)] public const string NotWorkspaceMember = "not_workspace_member";
    [Error("The user named in the request is not a member of the workspace.", 400)] public const string UserNotMember = "user_not_member";
    [Error("The caller's workspace role ranks below what the action needs.", 403)] public const string InsufficientRole = "insufficient_role";
    [Error("No such user (400 where the contract answers an invite of an unknown user so).", 404, 400)] public const string UserNotFound = "user_not_found";
    [Error("A user with this email already exists.", 409)] public const string EmailTaken = "email_taken";
    [Error("No such workspace.", 404)] public const string WorkspaceNotFound = "workspace_not_found";
    [Error("A workspace with this slug already exists.", 409)] public const string SlugTaken = "slug_taken";
    [Error("No such membership.", 404)] public const string MembershipNotFound = "membership_not_found";
    [Error("Only a workspace owner may grant, change or remove the owner role (400 on invite, as the contract answers it).", 403, 400)] public const string OwnerRoleRequired = "owner_role_required";
    [Error("The action would leave the workspace without an owner.", 403)] public const string LastOwner = "last_owner";
    [Error("The user is already a member of the workspace.", 409)] public const string AlreadyMember = "already_member";
    [Error("No such group.", 404)] public const string GroupNotFound = "group_not_found";
    [Error("A group with this name already exists in the workspace.", 409)] public const string GroupNameTaken = "group_name_taken";
    [Error("The user is already a member of the group.", 409)] public const string AlreadyGroupMember = "already_group_member";
    [Error("The user is not a member of the group.", 404)] public const string GroupMemberNotFound = "group_member_not_found";

    // Sign-in, codes and sessions.
    [Error("The authorization code is unknown, used, expired or bound to another app.", 400)] public const string InvalidAuthorizationCode = "invalid_authorization_code";
    [Error("The authorization code was issued without a PKCE challenge, so it cannot be exchanged.", 400)] public const string PkceRequired = "pkce_required";
    [Error("The code_verifier does not match the code's challenge.", 400)] public const string PkceFailed = "pkce_failed";
    [Error("Tokens cannot be issued for this user in this workspace (not a member).", 403)] public const string CannotIssueTokens = "cannot_issue_tokens";
    [Error("The refresh token is invalid, expired, reused or of a revoked family.", 401)] public const string InvalidRefreshToken = "invalid_refresh_token";
    [Error("No such session for this user.", 404)] public const string SessionNotFound = "session_not_found";
    [Error("The identity provider named in the path is not configured.", 400)] public const string ProviderNotConfigured = "provider_not_configured";
    [Error("The identity provider's callback failed (400 for a protocol error, 500 for Sentinel's side).", 400, 500)] public const string AuthenticationFailed = "authentication_failed";
    [Error("The redirect_uri is not registered for the client app.", 400)] public const string RedirectNotAllowed = "redirect_not_allowed";

    // Service context and authorization.
    [Error("A service may only act in the workspace its caller's token names.", 403)] public const string CrossWorkspace = "cross_workspace";
    [Error("No such permission.", 404)] public const string PermissionNotFound = "permission_not_found";
    [Error("No such registered resource.", 404)] public const string ResourceNotFound = "resource_not_found";
    [Error("The resource is already registered with another workspace or owner.", 409)] public const string ResourceConflict = "resource_conflict";
    [Error("The resource owner named is not a user.", 404)] public const string OwnerNotFound = "owner_not_found";
    [Error("Only the resource owner or a workspace admin may share it.", 403)] public const string NotOwnerOrAdmin = "not_owner_or_admin";
    [Error("The grantee of a share is not a member of the resource's workspace.", 400)] public const string GranteeNotMember = "grantee_not_member";
    [Error("The grantee group does not belong to the resource's workspace.", 400)] public const string GroupNotInWorkspace = "group_not_in_workspace";
    [Error("No such share of the permission.", 404)] public const string ShareNotFound = "share_not_found";
    [Error("The request names the same action twice.", 409)] public const string DuplicateAction = "duplicate_action";
    [Error("The identity provider named for an IdP token is not supported.", 400)] public const string UnsupportedProvider = "unsupported_provider";
    [Error("The identity provider's token has expired.", 400)] public const string IdpTokenExpired = "idp_token_expired";
    [Error("The identity provider's token failed verification or lacks sub or email.", 400)] public const string IdpTokenInvalid = "idp_token_invalid";
    [Error("The identity provider did not confirm the email is verified.", 400)] public const string EmailNotVerified = "email_not_verified";
    [Error("The verified email already belongs to another Sentinel account.", 403)] public const string EmailLinkedElsewhere = "email_linked_elsewhere";
    [Error("GitHub refused the access token.", 400)] public const string GitHubTokenInvalid = "github_token_invalid";
    [Error("GitHub's email list could not be read.", 400)] public const string GitHubEmailsUnavailable = "github_emails_unavailable";
    [Error("The identity provider could not be reached.", 502)] public const string IdpUnavailable = "idp_unavailable";
    [Error("The user's account is inactive.", 403)] public const string UserInactive = "user_inactive";
    [Error("The IdP proxy login is offered for GitHub only.", 400)] public const string ProxyNotSupported = "proxy_not_supported";
    [Error("GitHub sign-in is not configured.", 400)] public const string GitHubNotConfigured = "github_not_configured";
    [Error("The IdP proxy callback found no sign-in started in this browser session.", 400)] public const string IdpSessionMissing = "idp_session_missing";
    [Error("The IdP proxy callback's state does not match the one it sent.", 400)] public const string IdpStateMismatch = "idp_state_mismatch";
    [Error("GitHub refused the code exchange.", 502)] public const string GitHubExchangeFailed = "github_exchange_failed";
    [Error("GitHub answered the proxy callback with an OAuth error.", 400)] public const string GitHubOAuthError = "github_oauth_error";

    // Admin API.
    [Error("The workspace could not be created for a reason other than its slug.", 400)] public const string WorkspaceCreateFailed = "workspace_create_failed";
    [Error("No such role.", 404)] public const string RoleNotFound = "role_not_found";
    [Error("A role with this name already exists.", 409)] public const string RoleNameTaken = "role_name_taken";
    [Error("No such service action.", 404)] public const string ServiceActionNotFound = "service_action_not_found";
    [Error("The role already has this action.", 409)] public const string RoleActionExists = "role_action_exists";
    [Error("The role does not have this action.", 404)] public const string RoleActionNotFound = "role_action_not_found";
    [Error("The user already has this role.", 409)] public const string UserRoleExists = "user_role_exists";
    [Error("The user does not have this role.", 404)] public const string UserRoleNotFound = "user_role_not_found";
    [Error("No such client app.", 404)] public const string ClientAppNotFound = "client_app_not_found";
    [Error("No such service app.", 404)] public const string ServiceAppNotFound = "service_app_not_found";
    [Error("A service app with this name already exists.", 400)] public const string ServiceNameTaken = "service_name_taken";
    [Error("The user could not be added to the workspace.", 400)] public const string AddToWorkspaceFailed = "add_to_workspace_failed";
    [Error("The uploaded CSV is over the size cap.", 413)] public const string CsvTooLarge = "csv_too_large";
    [Error("The upload has no CSV file part.", 400)] public const string CsvFileMissing = "csv_file_missing";
    [Error("The CSV's header row is not the expected columns.", 400)] public const string CsvInvalidHeader = "csv_invalid_header";
    [Error("No such import job.", 404)] public const string ImportJobNotFound = "import_job_not_found";

    /// <summary>
    /// Prefix of the fallback code for a status that an endpoint or the framework set without a body and that has no
    /// code of its own: <c>http_</c> plus the status (for example <c>http_409</c>).
    /// </summary>
    public const string HttpStatusPrefix = "http_";

    private static readonly Lazy<IReadOnlyList<ErrorCodeEntry>> table = new(() =>
        typeof(ErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.GetCustomAttribute<ErrorAttribute>() is not null)
            .Select(f => (f.GetCustomAttribute<ErrorAttribute>()!, (string)f.GetRawConstantValue()!))
            .Select(p => new ErrorCodeEntry(p.Item2, p.Item1.Statuses, p.Item1.Meaning))
            .ToArray());

    /// <summary>The whole table, in declaration order.</summary>
    public static IReadOnlyList<ErrorCodeEntry> All => table.Value;
}
