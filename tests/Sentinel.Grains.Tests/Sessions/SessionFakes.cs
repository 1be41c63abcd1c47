using System.Collections.Concurrent;
using Sentinel.Grains.Directory;
using Sentinel.Grains.Sessions;

namespace Sentinel.Grains.Tests.Sessions;

/// <summary>Users and memberships as the session grain reads them, without PostgreSQL. Tests use fresh ids, so they share it.</summary>
internal sealed class FakeSessionDirectory : ISessionDirectory
{
    public static readonly FakeSessionDirectory Instance = new();

    private readonly ConcurrentDictionary<Guid, UserProfile> users = new();
    private readonly ConcurrentDictionary<(Guid Workspace, Guid User), (WorkspaceRole Role, Guid[] Groups)> members = new();
    private readonly ConcurrentDictionary<Guid, string> workspaces = new();

    public UserProfile AddUser(Guid id, bool active = true)
    {
        var user = new UserProfile(id, $"{id:N}@example.com", "User " + id.ToString("N")[..6], null, active, false, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);
        users[id] = user;
        return user;
    }

    public void SetActive(Guid id, bool active) => users[id] = users[id] with { IsActive = active };

    public Guid AddWorkspace(string slug)
    {
        var id = Guid.NewGuid();
        workspaces[id] = slug;
        return id;
    }

    public void SetMember(Guid workspaceId, Guid userId, WorkspaceRole role, params Guid[] groups) => members[(workspaceId, userId)] = (role, groups);

    public void RemoveMember(Guid workspaceId, Guid userId) => members.TryRemove((workspaceId, userId), out _);

    private readonly ConcurrentDictionary<Guid, int> reads = new();

    /// <summary>How many times a session grain read this user's claims.</summary>
    public int ReadsFor(Guid userId) => reads.GetValueOrDefault(userId);

    public Task<DirectoryRead> ReadAsync(IGrainFactory grains, Guid userId, Guid workspaceId, CancellationToken cancellationToken)
    {
        reads.AddOrUpdate(userId, 1, (_, n) => n + 1);
        var user = users.GetValueOrDefault(userId);
        var member = !workspaces.TryGetValue(workspaceId, out var slug)
            ? new WorkspaceMemberClaims(false, "", null, [])
            : members.TryGetValue((workspaceId, userId), out var m)
                ? new WorkspaceMemberClaims(true, slug, m.Role, m.Groups)
                : new WorkspaceMemberClaims(true, slug, null, []);
        return Task.FromResult(new DirectoryRead(user, member));
    }
}

/// <summary>Activity rows the session grains wrote, by user.</summary>
internal sealed class RecordingActivitySink : ISessionActivitySink
{
    public static readonly RecordingActivitySink Instance = new();

    private readonly ConcurrentQueue<(string Action, Guid UserId)> rows = new();

    public IReadOnlyList<string> ActionsFor(Guid userId) => rows.Where(r => r.UserId == userId).Select(r => r.Action).ToArray();

    public Task WriteAsync(string action, Guid userId, object? detail, CancellationToken cancellationToken)
    {
        rows.Enqueue((action, userId));
        return Task.CompletedTask;
    }
}
