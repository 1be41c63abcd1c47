using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;

namespace Sentinel.Client;

/// <summary>Sentinel's requirements on endpoints and route groups, and as named policies.</summary>
public static class SentinelAuthorizationExtensions
{
    /// <summary>
    /// Requires a signed-in Sentinel user whose RBAC roles grant <paramref name="action"/> of this service. The action is
    /// also registered with Sentinel at start-up.
    /// </summary>
    public static TBuilder RequireSentinelAction<TBuilder>(this TBuilder builder, string action) where TBuilder : IEndpointConventionBuilder
    {
        var policy = SentinelPolicies.Action(action);
        builder.WithMetadata(new SentinelActionMetadata(action));
        return builder.RequireAuthorization(policy);
    }

    /// <summary>Requires a signed-in Sentinel user whose workspace role is at least <paramref name="minimum"/>.</summary>
    public static TBuilder RequireWorkspaceRole<TBuilder>(this TBuilder builder, Role minimum) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(SentinelPolicies.WorkspaceRole(minimum));

    /// <summary>Adds a policy named <paramref name="action"/> requiring that Sentinel action (for <c>[Authorize(Policy = "docs.edit")]</c>).</summary>
    public static AuthorizationOptions AddSentinelActionPolicy(this AuthorizationOptions options, string action)
    {
        options.AddPolicy(action, SentinelPolicies.Action(action));
        return options;
    }
}

/// <summary>The policies behind the extensions: authenticated by the Sentinel scheme, plus one requirement.</summary>
public static class SentinelPolicies
{
    /// <summary>A policy requiring a Sentinel action.</summary>
    public static AuthorizationPolicy Action(string action) =>
        new AuthorizationPolicyBuilder(SentinelDefaults.AuthenticationScheme).RequireAuthenticatedUser()
            .AddRequirements(new SentinelActionRequirement(action)).Build();

    /// <summary>A policy requiring a workspace role.</summary>
    public static AuthorizationPolicy WorkspaceRole(Role minimum) =>
        new AuthorizationPolicyBuilder(SentinelDefaults.AuthenticationScheme).RequireAuthenticatedUser()
            .AddRequirements(new WorkspaceRoleRequirement(minimum)).Build();
}
