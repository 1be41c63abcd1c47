using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;

namespace Sentinel.Client;

/// <summary>The caller's RBAC roles must grant <see cref="Action"/> of this service (<c>POST /roles/check-action</c>).</summary>
public sealed partial class SentinelActionRequirement : IAuthorizationRequirement
{
    public SentinelActionRequirement(string action)
    {
        if (!IsValidAction(action)) throw new ArgumentException($"'{action}' is not an action: it must match ^[a-z][a-z0-9_.:-]*$.", nameof(action));
        Action = action;
    }

    /// <summary>The action, for example <c>docs.edit</c>.</summary>
    public string Action { get; }

    /// <summary>The contract's action pattern: <c>^[a-z][a-z0-9_.:-]*$</c>.</summary>
    public static bool IsValidAction(string? action) => action is not null && ActionPattern().IsMatch(action);

    public override string ToString() => $"Sentinel action '{Action}'";

    [GeneratedRegex("^[a-z][a-z0-9_.:-]*$")]
    private static partial Regex ActionPattern();
}

/// <summary>The caller's workspace role (<c>wrole</c>) must be at least <see cref="Minimum"/>; decided from the token alone.</summary>
public sealed class WorkspaceRoleRequirement(Role minimum) : IAuthorizationRequirement
{
    /// <summary>The lowest role allowed.</summary>
    public Role Minimum { get; } = minimum;

    public override string ToString() => $"Workspace role {Roles.Name(Minimum)} or above";
}

/// <summary>Endpoint metadata naming an action, so that start-up registration finds the actions the endpoints use.</summary>
public sealed record SentinelActionMetadata(string Action);

/// <summary>Why a Sentinel requirement failed, with the status the response gets (transport failure 503, a refusal its own status).</summary>
internal sealed class SentinelFailureReason(IAuthorizationHandler handler, int status, string detail, string? code)
    : AuthorizationFailureReason(handler, detail)
{
    public int Status { get; } = status;
    public string Detail { get; } = detail;
    public string? Code { get; } = code;
}
