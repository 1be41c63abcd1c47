using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Sentinel.Client;

/// <summary>Registers Sentinel with an app.</summary>
public static class SentinelServiceCollectionExtensions
{
    /// <summary>
    /// Adds Sentinel: options bound from the <c>Sentinel</c> configuration section and then <paramref name="configure"/>,
    /// validated at start-up; the <c>Sentinel</c> authentication scheme as the default (JwtBearer in proxy mode, the
    /// IdP token plus <c>X-Authz-Token</c> in authz mode); <see cref="SentinelUser"/>; the typed
    /// <see cref="PermissionClient"/>, <see cref="RoleClient"/> and <see cref="AuthzClient"/>; the handlers behind
    /// <c>RequireSentinelAction</c> and <c>RequireWorkspaceRole</c>, a policy for each configured action; and the
    /// start-up registration of actions.
    /// </summary>
    public static IServiceCollection AddSentinel(this IServiceCollection services, Action<SentinelOptions>? configure = null)
    {
        services.AddOptions<SentinelOptions>()
            .BindConfiguration(SentinelOptions.SectionName)
            .Configure(o => configure?.Invoke(o))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SentinelOptions>, SentinelOptionsValidator>());
        services.AddHttpContextAccessor();

        // Transport: IHttpClientFactory clients with timeouts, and retries of idempotent calls only.
        services.AddHttpClient(SentinelHttpFactory.ApiClient).AddSentinelResilience(o => o.RequestTimeout);
        services.AddHttpClient(SentinelHttpFactory.ResolveClient).AddSentinelResilience(o => o.ResolveTimeout);
        services.AddHttpClient(SentinelHttp.MetadataClient).AddSentinelResilience(o => o.RequestTimeout);
        services.TryAddSingleton<SentinelHttpFactory>();
        services.TryAddSingleton<SentinelKeys>();
        services.TryAddTransient(sp => new PermissionClient(sp.GetRequiredService<SentinelHttpFactory>().Create()));
        services.TryAddTransient(sp => new RoleClient(sp.GetRequiredService<SentinelHttpFactory>().Create()));
        services.TryAddTransient(sp => new AuthzClient(sp.GetRequiredService<SentinelHttpFactory>().Create(SentinelHttpFactory.ResolveClient)));

        // Authentication: one public scheme that forwards to the mode's handler.
        services.AddAuthentication(o => o.DefaultScheme ??= SentinelDefaults.AuthenticationScheme)
            .AddPolicyScheme(SentinelDefaults.AuthenticationScheme, "Sentinel", o => o.ForwardDefaultSelector = context =>
                context.RequestServices.GetRequiredService<IOptions<SentinelOptions>>().Value.Mode == SentinelMode.Authz
                    ? SentinelDefaults.AuthzScheme
                    : SentinelDefaults.BearerScheme)
            .AddJwtBearer(SentinelDefaults.BearerScheme, _ => { })
            .AddScheme<AuthenticationSchemeOptions, SentinelAuthzHandler>(SentinelDefaults.AuthzScheme, _ => { });
        services.AddSingleton<IConfigureOptions<Microsoft.AspNetCore.Authentication.JwtBearer.JwtBearerOptions>, SentinelJwtBearerSetup>();

        // The signed-in user, by injection (scoped to the request).
        services.TryAddScoped(sp => sp.GetRequiredService<Microsoft.AspNetCore.Http.IHttpContextAccessor>().HttpContext?.GetSentinelUser()
            ?? throw new InvalidOperationException("This request has no signed-in Sentinel user: require authorization on the endpoint."));

        // Authorization.
        services.AddAuthorization();
        services.AddTransient<IAuthorizationHandler, SentinelActionHandler>();
        services.AddSingleton<IAuthorizationHandler, WorkspaceRoleHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, SentinelAuthorizationResultHandler>();
        services.AddSingleton<IConfigureOptions<AuthorizationOptions>, SentinelActionPolicies>();

        // A SentinelException escaping a handler answers 503 or Sentinel's status (with app.UseExceptionHandler()).
        services.AddExceptionHandler<SentinelExceptionHandler>();

        // Start-up registration of actions.
        services.TryAddSingleton<SentinelActionRegistration>();
        services.AddHostedService(sp => sp.GetRequiredService<SentinelActionRegistration>());
        return services;
    }

    private sealed class SentinelActionPolicies(IOptions<SentinelOptions> sentinel) : IConfigureOptions<AuthorizationOptions>
    {
        public void Configure(AuthorizationOptions options)
        {
            foreach (var action in sentinel.Value.Actions) options.AddSentinelActionPolicy(action.Action);
        }
    }
}
