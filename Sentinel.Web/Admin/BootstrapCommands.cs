using Orleans.Configuration;
using Sentinel.Configuration;
using Sentinel.Grains.ClientApps;
using Sentinel.Grains.Directory;
using Sentinel.Grains.ServiceApps;
using Sentinel.Web.Infrastructure.Hosting;
using Sentinel.Web.Infrastructure.Conventions;

namespace Sentinel.Web.Admin;

/// <summary>
/// <c>make create-admin EMAIL=…</c> and <c>make seed</c>: run as <c>Sentinel.Web create-admin|seed</c>, they join the
/// cluster as an Orleans client and make their changes through the grains (never straight to SQL). Both are idempotent.
/// </summary>
public static class BootstrapCommands
{
    public static bool IsCommand(string[] args) => args.Length > 0 && args[0] is "create-admin" or "seed";

    public static async Task<int> RunAsync(string[] args, IConfiguration configuration)
    {
        var settings = WebSettings.FromConfiguration(configuration);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var redis = RedisUrl.Parse(settings.RedisUrl, settings.RedisTlsCaCert, settings.RedisTlsVerify);
        builder.UseOrleansClient(client =>
        {
            client.UseRedisClustering(o => o.ConfigurationOptions = redis);
            client.Configure<ClusterOptions>(o => { o.ClusterId = settings.ClusterId; o.ServiceId = settings.ServiceId; });
        });
        using var host = builder.Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await host.StartAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or OrleansException or TimeoutException)
        {
            Console.Error.WriteLine("The cluster did not answer: start it first (make start).");
            return 3;
        }
        var grains = host.Services.GetRequiredService<IClusterClient>();
        try
        {
            return args[0] == "create-admin"
                ? await CreateAdminAsync(grains, args.Length > 1 ? args[1] : "")
                : await SeedAsync(grains, configuration["BASE_URL"] ?? "http://localhost:9003");
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    public static async Task<int> CreateAdminAsync(IGrainFactory grains, string email)
    {
        email = Emails.Normalize(email);
        if (!Emails.IsValid(email))
        {
            Console.Error.WriteLine("usage: make create-admin EMAIL=person@example.com");
            return 2;
        }
        var user = await EnsureUserAsync(grains, email, "", admin: true);
        Console.WriteLine($"Admin ready: {user.Id} (signs in at /auth/admin/login/<provider> with this email).");
        return 0;
    }

    /// <summary>The demo workspace's slug and the name the demo page lists it by (README, docs/local-sign-in.md).</summary>
    public const string DemoWorkspaceSlug = "demo";

    /// <inheritdoc cref="DemoWorkspaceSlug"/>
    public const string DemoWorkspaceName = "Demo workspace";

    /// <summary>Fixed ids, so a second run finds what the first created instead of making another.</summary>
    public static readonly Guid DemoClientAppId = new("c1000000-0000-4000-8000-000000000005");

    /// <inheritdoc cref="DemoClientAppId"/>
    public static readonly Guid DemoServiceAppId = new("5e5e5e5e-0000-4000-8000-000000000001");

    /// <summary>
    /// <c>make seed</c>, the README's demo: alice@example.com (owner) and bob@example.com (viewer) in workspace "demo"
    /// ("Demo workspace"), the client app of the demo page (<c>{BASE_URL}/demo/callback</c>), and a service app whose key
    /// is printed once, when it is created. Idempotent: each piece is created or put back to the documented state only
    /// when it differs, each change is printed as a "created"/"changed" line, and a run that finds everything in place
    /// changes nothing and says so. The key of an existing service app is never printed again (it is stored hashed).
    /// </summary>
    public static async Task<int> SeedAsync(IGrainFactory grains, string baseUrl)
    {
        var changes = 0;
        void Change(string line)
        {
            changes++;
            Console.WriteLine(line);
        }

        var alice = await EnsureUserAsync(grains, "alice@example.com", "Alice Example", admin: false, Change);
        var bob = await EnsureUserAsync(grains, "bob@example.com", "Bob Example", admin: false, Change);

        var query = grains.GetGrain<IDirectoryQueryGrain>(0);
        var workspaceId = await query.FindWorkspaceIdBySlugAsync(DemoWorkspaceSlug);
        if (workspaceId is null)
        {
            workspaceId = Guid.NewGuid();
            var created = await grains.GetGrain<IWorkspaceGrain>(workspaceId.Value).CreateAsync(DemoWorkspaceName, DemoWorkspaceSlug, "Seeded by make seed", alice.Id);
            if (!created.IsOk) return Fail($"could not create workspace '{DemoWorkspaceSlug}': {created.Error}");
            Change($"created workspace '{DemoWorkspaceSlug}' (\"{DemoWorkspaceName}\"), owner alice@example.com");
        }
        var workspace = grains.GetGrain<IWorkspaceGrain>(workspaceId.Value);
        // Acting as a platform admin: the seeder is an operator's tool, and it may have to restore alice's own role.
        var actor = Actor.Admin(alice.Id);
        // The name the demo page lists (an older seeder called it "Demo").
        if (await workspace.GetAsync() is { } existing && existing.Name != DemoWorkspaceName)
        {
            var renamed = await workspace.UpdateAsync(actor, DemoWorkspaceName, null, descriptionSet: false);
            if (!renamed.IsOk) return Fail($"could not rename workspace '{DemoWorkspaceSlug}': {renamed.Error}");
            Change($"changed workspace '{DemoWorkspaceSlug}': name \"{existing.Name}\" to \"{DemoWorkspaceName}\"");
        }
        if (!await EnsureRoleAsync(workspace, actor, alice.Id, "alice@example.com", WorkspaceRole.Owner, Change)) return 1;
        if (!await EnsureRoleAsync(workspace, actor, bob.Id, "bob@example.com", WorkspaceRole.Viewer, Change)) return 1;

        baseUrl = baseUrl.TrimEnd('/');
        string[] redirects = [.. new[] { baseUrl + "/demo/callback", "http://localhost:9003/demo/callback", "http://127.0.0.1:9003/demo/callback" }.Distinct(StringComparer.Ordinal)];
        var clientApp = grains.GetGrain<IClientAppGrain>(DemoClientAppId);
        if (await clientApp.GetAsync() is not { } app)
        {
            if (await clientApp.CreateAsync("Sentinel demo app", redirects, null) is null) return Fail("could not create the demo client app");
            Change($"created client app {DemoClientAppId} \"Sentinel demo app\", redirect URIs: {string.Join(", ", redirects)}");
        }
        else if (!app.IsActive || redirects.Except(app.RedirectUris, StringComparer.Ordinal).Any())
        {
            string[] all = [.. app.RedirectUris.Union(redirects, StringComparer.Ordinal)];
            if (await clientApp.UpdateAsync(null, all, isActive: true, revokeSessions: false, null) is null) return Fail("could not update the demo client app");
            Change($"changed client app {DemoClientAppId}: active, redirect URIs: {string.Join(", ", all)}");
        }

        var serviceApp = grains.GetGrain<IServiceAppGrain>(DemoServiceAppId);
        if (await serviceApp.GetAsync() is null)
        {
            var created = await serviceApp.CreateAsync("Demo backend", "demo-api", ["http://localhost:3000"], [], null);
            if (!created.IsOk) return Fail($"could not create service app 'demo-api': {created.Error}");
            Change($"created service app 'demo-api' (\"Demo backend\"). Its key, shown once: {created.Value!.ApiKey}");
        }
        else
        {
            Console.WriteLine("Service app 'demo-api' exists; its key was shown when it was created (rotate it in the admin panel for a new one).");
        }

        Console.WriteLine(changes == 0
            ? "Seed complete: nothing to change (already seeded)."
            : $"Seed complete: {changes} change(s). alice@example.com (owner) and bob@example.com (viewer) in workspace '{DemoWorkspaceSlug}'.");
        Console.WriteLine($"Sign in: open {baseUrl}/demo (DEBUG=true), \"Sign in with dex\", type alice@example.com, choose \"{DemoWorkspaceName}\".");
        return 0;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"seed: {message}");
        return 1;
    }

    private static async Task<bool> EnsureRoleAsync(IWorkspaceGrain workspace, Actor actor, Guid userId, string email, WorkspaceRole role, Action<string> change)
    {
        var current = await workspace.GetRoleAsync(userId);
        if (current == role) return true;
        if (current is null)
        {
            var added = await workspace.AddMemberAsync(actor, userId, role);
            if (!added.IsOk)
            {
                Fail($"could not add {email} as {role}: {added.Error}");
                return false;
            }
            change($"created membership: {email} is {role.ToString().ToLowerInvariant()} of '{DemoWorkspaceSlug}'");
            return true;
        }
        var changed = await workspace.ChangeRoleAsync(actor, userId, role);
        if (!changed.IsOk)
        {
            Fail($"could not make {email} {role}: {changed.Error}");
            return false;
        }
        change($"changed membership: {email} from {current.Value.ToString().ToLowerInvariant()} to {role.ToString().ToLowerInvariant()} of '{DemoWorkspaceSlug}'");
        return true;
    }

    private static async Task<UserProfile> EnsureUserAsync(IGrainFactory grains, string email, string name, bool admin, Action<string>? change = null)
    {
        var query = grains.GetGrain<IDirectoryQueryGrain>(0);
        if (await query.FindUserIdByEmailAsync(email) is { } existing)
        {
            var user = grains.GetGrain<IUserGrain>(existing);
            return admin ? (await user.SetAdminAsync(true, null))! : (await user.GetAsync())!;
        }
        var created = await grains.GetGrain<IUserGrain>(Guid.NewGuid()).CreateAsync(email, name, null, admin);
        if (created.IsOk)
        {
            change?.Invoke($"created user {email} (claimed by email at the first sign-in)");
            return created.Value!;
        }
        // Created concurrently by another run: read it back.
        var id = await query.FindUserIdByEmailAsync(email) ?? throw new InvalidOperationException("User vanished.");
        return (await grains.GetGrain<IUserGrain>(id).GetAsync())!;
    }
}
