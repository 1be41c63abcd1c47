using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Sentinel.Bench.Authz;

/// <summary>
/// The measurement's own floor: a Kestrel in the bench process that answers every POST with a constant 200, driven by
/// the same open-loop generator and HTTP client at the same rate, in the same run. Its p99 is what the generator, the
/// client, loopback TCP and the box's scheduling add to any server's p99 at that moment; Sentinel's p99 above it is
/// Sentinel's. Bench-only code.
/// </summary>
public sealed class NullServer : IAsyncDisposable
{
    private static readonly byte[] Answer = """{"results":[]}"""u8.ToArray();
    private readonly WebApplication app;

    private NullServer(WebApplication app) => this.app = app;

    public Uri BaseAddress { get; private set; } = null!;

    public static async Task<NullServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Run(async context =>
        {
            // Read the body as a real server does, then the constant answer.
            await context.Request.Body.CopyToAsync(Stream.Null);
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(Answer);
        });
        await app.StartAsync();
        var server = new NullServer(app)
        {
            BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()),
        };
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
