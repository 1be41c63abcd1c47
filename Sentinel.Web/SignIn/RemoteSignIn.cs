using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;

namespace Sentinel.Web.SignIn;

/// <summary>What the provider's handler concluded at the callback.</summary>
public abstract record RemoteOutcome
{
    /// <summary>The handler validated the provider's answer (state, correlation, code exchange, ID token).</summary>
    public sealed record Signed(ClaimsPrincipal Principal, AuthenticationProperties Properties) : RemoteOutcome;

    /// <summary>The person cancelled at the provider (<c>error=access_denied</c>).</summary>
    public sealed record Denied(AuthenticationProperties? Properties) : RemoteOutcome;

    /// <summary>
    /// Anything else: a missing or forged state, a correlation cookie that is absent (another browser, or expired), a
    /// provider error, a failed code exchange or ID-token validation. <see cref="Protocol"/> tells a bad request from a
    /// provider that could not be reached.
    /// </summary>
    public sealed record Failed(string Reason, bool Protocol, AuthenticationProperties? Properties) : RemoteOutcome;
}

/// <summary>
/// Runs ASP.NET Core's OpenID Connect and OAuth handlers from Sentinel's own endpoints instead of the authentication
/// middleware. The handlers keep doing what they are trusted for (state protection, correlation and nonce cookies,
/// PKCE to the provider, code exchange, ID-token validation); the endpoints keep routing, rate limits and the contract's
/// answers. The handler events only record the outcome; the endpoint decides the response.
/// </summary>
public static class RemoteSignIn
{
    private const string OutcomeKey = "sentinel.remote-sign-in";
    private const string DrivenKey = "sentinel.remote-sign-in.driven";

    /// <summary>
    /// True only while a Sentinel endpoint drives the handler. ASP.NET Core adds the authentication middleware by itself
    /// once schemes exist, and that middleware would otherwise answer the callback before routing reaches the endpoint.
    /// </summary>
    public static bool IsDriven(HttpContext context) => context.Items.ContainsKey(DrivenKey);

    /// <summary>Wires the events of a remote handler so they record the outcome and hand the response back.</summary>
    public static void RecordOutcomes(RemoteAuthenticationEvents events)
    {
        events.OnTicketReceived = context =>
        {
            context.HttpContext.Items[OutcomeKey] = new RemoteOutcome.Signed(context.Principal!, context.Properties!);
            context.HandleResponse();
            return Task.CompletedTask;
        };
        events.OnAccessDenied = context =>
        {
            context.HttpContext.Items[OutcomeKey] = new RemoteOutcome.Denied(context.Properties);
            context.HandleResponse();
            return Task.CompletedTask;
        };
        events.OnRemoteFailure = context =>
        {
            var failure = context.Failure;
            // HttpRequestException and timeouts: the provider did not answer; everything else is about the request.
            var transport = false;
            for (var e = failure; e is not null; e = e.InnerException)
                transport |= e is HttpRequestException or TaskCanceledException or TimeoutException or IOException;
            context.HttpContext.Items[OutcomeKey] = new RemoteOutcome.Failed(failure?.Message ?? "unknown", !transport, context.Properties);
            context.HandleResponse();
            return Task.CompletedTask;
        };
    }

    /// <summary>Lets the handler of <paramref name="scheme"/> process the provider's answer on this request.</summary>
    public static async Task<RemoteOutcome> HandleCallbackAsync(HttpContext context, string scheme)
    {
        var handlers = context.RequestServices.GetRequiredService<IAuthenticationHandlerProvider>();
        if (await handlers.GetHandlerAsync(context, scheme) is not IAuthenticationRequestHandler handler)
            return new RemoteOutcome.Failed("no handler", Protocol: true, null);
        context.Items[DrivenKey] = true;
        var handled = await handler.HandleRequestAsync();
        if (handled && context.Items[OutcomeKey] is RemoteOutcome outcome) return outcome;
        return new RemoteOutcome.Failed(handled ? "no outcome" : "not a callback", Protocol: true, null);
    }

    /// <summary>Reads one value the login step put in the protected properties.</summary>
    public static string? Item(this AuthenticationProperties? properties, string key) =>
        properties is not null && properties.Items.TryGetValue(key, out var value) && !string.IsNullOrEmpty(value) ? value : null;
}
