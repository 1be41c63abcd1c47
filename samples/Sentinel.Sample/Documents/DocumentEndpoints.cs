using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http.HttpResults;
using Sentinel.Client;

namespace Sentinel.Sample.Documents;

public sealed record Document(Guid Id, Guid WorkspaceId, Guid OwnerId, string Title, string Body);

public sealed record NewDocument(string Title, string Body);

public sealed record ShareDocument(Guid UserId, PermissionAction Permission);

/// <summary>The app's own data; Sentinel holds only who may see it.</summary>
public sealed class DocumentStore
{
    public ConcurrentDictionary<Guid, Document> Documents { get; } = new();
}

/// <summary>
/// Documents: creating one needs the RBAC action <c>docs.edit</c>; each is registered with Sentinel as a private ACL
/// owned by its author, and reading it asks Sentinel; the owner shares it with another member.
/// </summary>
public static class DocumentEndpoints
{
    public const string ResourceType = "document";

    public static RouteGroupBuilder MapDocumentEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/docs").RequireAuthorization();
        group.MapPost("/", CreateAsync).RequireSentinelAction("docs.edit");
        group.MapGet("/{id:guid}", GetAsync);
        group.MapPost("/{id:guid}/share", ShareAsync);
        app.MapGet("/me", (SentinelUser user) => new { user.Id, user.Name, user.WorkspaceId, role = user.WorkspaceRole?.ToString() }).RequireAuthorization();
        return group;
    }

    public static async Task<Created<Document>> CreateAsync(NewDocument input, SentinelUser user, DocumentStore store, PermissionClient permissions, CancellationToken cancellationToken)
    {
        var document = new Document(Guid.NewGuid(), user.WorkspaceId, user.Id, input.Title, input.Body);
        await permissions.RegisterAsync(ResourceType, document.Id, user.WorkspaceId, user.Id, ResourceVisibility.Private, cancellationToken);
        store.Documents[document.Id] = document;
        return TypedResults.Created($"/docs/{document.Id}", document);
    }

    public static async Task<Results<Ok<Document>, NotFound, ForbidHttpResult>> GetAsync(Guid id, DocumentStore store, PermissionClient permissions, CancellationToken cancellationToken)
    {
        if (!store.Documents.TryGetValue(id, out var document)) return TypedResults.NotFound();
        return await permissions.CanAsync(ResourceType, id, PermissionAction.View, cancellationToken: cancellationToken)
            ? TypedResults.Ok(document)
            : TypedResults.Forbid();
    }

    public static async Task<Results<NoContent, NotFound>> ShareAsync(Guid id, ShareDocument input, DocumentStore store, PermissionClient permissions, CancellationToken cancellationToken)
    {
        if (!store.Documents.ContainsKey(id)) return TypedResults.NotFound();
        // Sentinel checks that the caller (whose bearer is forwarded) owns the document or administers the workspace.
        await permissions.ShareAsync(ResourceType, id, GranteeType.User, input.UserId, input.Permission, cancellationToken: cancellationToken);
        return TypedResults.NoContent();
    }
}
