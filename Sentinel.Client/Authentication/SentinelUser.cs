using System.Reflection;
using System.Security.Claims;
using Microsoft.AspNetCore.Http;

namespace Sentinel.Client;

/// <summary>
/// The signed-in user of a request, from the Sentinel token's claims (<c>sub</c>, <c>email</c>, <c>name</c>,
/// <c>wid</c>, <c>wslug</c>, <c>wrole</c>, <c>groups</c>). Take it as a minimal-API handler parameter, inject it
/// (scoped), or call <c>HttpContext.GetSentinelUser()</c>. In authz mode email and name come from the IdP token,
/// groups are empty, and <see cref="Actions"/> holds the authz token's actions.
/// </summary>
public sealed class SentinelUser
{
    internal const string TokenItem = "Sentinel.Token";
    private const string UserItem = "Sentinel.User";

    internal SentinelUser(Guid id, string email, string name, Guid workspaceId, string workspaceSlug, Role? workspaceRole,
        IReadOnlyList<Guid> groups, IReadOnlyList<string> actions, string? idpSubject, string? token)
    {
        Id = id;
        Email = email;
        Name = name;
        WorkspaceId = workspaceId;
        WorkspaceSlug = workspaceSlug;
        WorkspaceRole = workspaceRole;
        Groups = groups;
        Actions = actions;
        IdpSubject = idpSubject;
        Token = token;
    }

    /// <summary>The user's id (<c>sub</c>).</summary>
    public Guid Id { get; }

    /// <summary><c>email</c> (may be empty).</summary>
    public string Email { get; }

    /// <summary><c>name</c> (may be empty).</summary>
    public string Name { get; }

    /// <summary>The workspace the token is scoped to (<c>wid</c>).</summary>
    public Guid WorkspaceId { get; }

    /// <summary><c>wslug</c></summary>
    public string WorkspaceSlug { get; }

    /// <summary>The role in that workspace (<c>wrole</c>); null for a role this library does not know, which ranks below all.</summary>
    public Role? WorkspaceRole { get; }

    /// <summary>The user's groups in the workspace (<c>groups</c>); empty in authz mode.</summary>
    public IReadOnlyList<Guid> Groups { get; }

    /// <summary>Authz mode: the actions the authz token carries; empty in proxy mode.</summary>
    public IReadOnlyList<string> Actions { get; }

    /// <summary>Authz mode: the IdP subject the tokens are bound by (<c>idp_sub</c>).</summary>
    public string? IdpSubject { get; }

    /// <summary>The Sentinel token to forward as bearer (access token, or authz token in authz mode). Never log it.</summary>
    internal string? Token { get; }

    /// <summary>True when the role is at least <paramref name="minimum"/>.</summary>
    public bool HasRole(Role minimum) => WorkspaceRole is { } role && role >= minimum;

    /// <summary>Only the ids: the token and the email stay out of logs.</summary>
    public override string ToString() => $"SentinelUser {Id} in {WorkspaceId}";

    /// <summary>Minimal-API binding: a handler parameter of this type is the signed-in user.</summary>
    public static ValueTask<SentinelUser?> BindAsync(HttpContext context, ParameterInfo parameter) => ValueTask.FromResult(context.GetSentinelUser());

    /// <summary>The user of an authenticated principal with Sentinel's claims, or null.</summary>
    public static SentinelUser? FromPrincipal(ClaimsPrincipal? principal, string? token = null)
    {
        if (principal?.Identity?.IsAuthenticated != true) return null;
        if (!Guid.TryParse(principal.FindFirst("sub")?.Value, out var id)) return null;
        if (!Guid.TryParse(principal.FindFirst("wid")?.Value, out var workspaceId)) return null;
        var groups = principal.FindAll("groups").Select(c => Guid.TryParse(c.Value, out var g) ? g : (Guid?)null).OfType<Guid>().ToArray();
        var actions = principal.FindAll("actions").Select(c => c.Value).ToArray();
        return new SentinelUser(id, principal.FindFirst("email")?.Value ?? "", principal.FindFirst("name")?.Value ?? "", workspaceId,
            principal.FindFirst("wslug")?.Value ?? "", Roles.Parse(principal.FindFirst("wrole")?.Value), groups, actions,
            principal.FindFirst("idp_sub")?.Value, token);
    }

    internal static SentinelUser? FromContext(HttpContext context)
    {
        if (context.Items.TryGetValue(UserItem, out var cached) && cached is SentinelUser user) return user;
        var built = FromPrincipal(context.User, context.Items.TryGetValue(TokenItem, out var t) ? t as string : null);
        if (built is not null) context.Items[UserItem] = built;
        return built;
    }
}

/// <summary>Reading the <see cref="SentinelUser"/> of a request.</summary>
public static class SentinelUserExtensions
{
    /// <summary>The request's signed-in Sentinel user, or null when it is not authenticated by Sentinel.</summary>
    public static SentinelUser? GetSentinelUser(this HttpContext context) => SentinelUser.FromContext(context);
}
