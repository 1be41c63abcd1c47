using Orleans.Configuration;
using Sentinel.Configuration;
using Sentinel.Grains.Directory;
using Sentinel.Grains.ServiceApps;
using Sentinel.Web.Hosting;
using Sentinel.Web.Validation;

namespace Sentinel.Web.Bootstrap;

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
                : await SeedAsync(grains);
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

    /// <summary>Demo data: a workspace with members, and a service app whose key is printed once.</summary>
    public static async Task<int> SeedAsync(IGrainFactory grains)
    {
        var alice = await EnsureUserAsync(grains, "alice@example.com", "Alice Example", admin: false);
        var bob = await EnsureUserAsync(grains, "bob@example.com", "Bob Example", admin: false);
        await EnsureUserAsync(grains, "admin@example.com", "Admin Example", admin: true);

        var query = grains.GetGrain<IDirectoryQueryGrain>(0);
        var workspaceId = await query.FindWorkspaceIdBySlugAsync("demo");
        if (workspaceId is null)
        {
            workspaceId = Guid.NewGuid();
            var created = await grains.GetGrain<IWorkspaceGrain>(workspaceId.Value).CreateAsync("Demo", "demo", "Seeded by make seed", alice.Id);
            if (!created.IsOk) throw new InvalidOperationException($"Could not create the demo workspace: {created.Error}");
            Console.WriteLine("Workspace 'demo' created (owner alice@example.com).");
        }
        var workspace = grains.GetGrain<IWorkspaceGrain>(workspaceId.Value);
        if (await workspace.GetRoleAsync(bob.Id) is null)
            await workspace.AddMemberAsync(new Actor(alice.Id, "owner"), bob.Id, WorkspaceRole.Editor);

        // Deterministic id, so a second run finds the app instead of creating another.
        var appId = new Guid("5e5e5e5e-0000-4000-8000-000000000001");
        var serviceApp = grains.GetGrain<IServiceAppGrain>(appId);
        if (await serviceApp.GetAsync() is null)
        {
            var created = await serviceApp.CreateAsync("Demo backend", "demo-api", ["http://localhost:3000"], [], null);
            if (created.IsOk)
                Console.WriteLine($"Service app 'demo-api' created. Its key, shown once: {created.Value!.ApiKey}");
        }
        else
        {
            Console.WriteLine("Service app 'demo-api' exists; its key was shown when it was created (rotate it in the admin panel for a new one).");
        }
        Console.WriteLine("Seed complete: users alice/bob/admin @example.com, workspace 'demo'.");
        return 0;
    }

    private static async Task<UserProfile> EnsureUserAsync(IGrainFactory grains, string email, string name, bool admin)
    {
        var query = grains.GetGrain<IDirectoryQueryGrain>(0);
        if (await query.FindUserIdByEmailAsync(email) is { } existing)
        {
            var user = grains.GetGrain<IUserGrain>(existing);
            return admin ? (await user.SetAdminAsync(true, null))! : (await user.GetAsync())!;
        }
        var created = await grains.GetGrain<IUserGrain>(Guid.NewGuid()).CreateAsync(email, name, null, admin);
        if (created.IsOk) return created.Value!;
        // Created concurrently by another run: read it back.
        var id = await query.FindUserIdByEmailAsync(email) ?? throw new InvalidOperationException("User vanished.");
        return (await grains.GetGrain<IUserGrain>(id).GetAsync())!;
    }
}
