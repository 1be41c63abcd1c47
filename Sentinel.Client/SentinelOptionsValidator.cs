using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Sentinel.Client;

/// <summary>Checks <see cref="SentinelOptions"/> at start-up and reports every failure at once.</summary>
internal sealed partial class SentinelOptionsValidator : IValidateOptions<SentinelOptions>
{
    public ValidateOptionsResult Validate(string? name, SentinelOptions options)
    {
        var failures = new List<string>();
        if (!Uri.TryCreate(options.BaseUrl, UriKind.Absolute, out var baseUrl) || baseUrl.Scheme is not ("http" or "https"))
            failures.Add("Sentinel:BaseUrl must be an absolute http(s) URL.");
        else
        {
            // iss == BASE_URL verbatim, and BASE_URL is a bare origin: anything after it would never match iss.
            if (baseUrl.AbsolutePath != "/" || !string.IsNullOrEmpty(baseUrl.Query))
                failures.Add("Sentinel:BaseUrl must be a bare origin (scheme, host and port, no path).");
            if (options.RequireHttpsMetadata && baseUrl.Scheme != "https")
                failures.Add("Sentinel:BaseUrl must use https unless Sentinel:RequireHttpsMetadata is false.");
        }
        if (!string.IsNullOrEmpty(options.ServiceKey))
        {
            if (!options.ServiceKey.StartsWith("sk_", StringComparison.Ordinal)) failures.Add("Sentinel:ServiceKey must start with 'sk_'.");
            if (string.IsNullOrEmpty(options.ServiceName)) failures.Add("Sentinel:ServiceName is required with a ServiceKey.");
        }
        if (!string.IsNullOrEmpty(options.ServiceName) && !ServiceNamePattern().IsMatch(options.ServiceName))
            failures.Add("Sentinel:ServiceName must match ^[a-z][a-z0-9_.-]*$.");
        if (options.Actions.Count > 0 && string.IsNullOrEmpty(options.ServiceKey))
            failures.Add("Sentinel:ServiceKey is required to register actions.");
        foreach (var action in options.Actions)
        {
            if (!SentinelActionRequirement.IsValidAction(action.Action))
                failures.Add($"Sentinel:Actions: '{action.Action}' must match ^[a-z][a-z0-9_.:-]*$.");
        }
        if (options.Mode == SentinelMode.Authz && !Uri.TryCreate(options.IdpMetadataAddress, UriKind.Absolute, out _))
            failures.Add("Sentinel:IdpMetadataAddress (the IdP's discovery document) is required in authz mode.");
        if (options.ClockSkew < TimeSpan.Zero || options.ClockSkew > TimeSpan.FromMinutes(5))
            failures.Add("Sentinel:ClockSkew must be between 0 and 5 minutes.");
        if (options.UnknownKeyRefreshInterval < TimeSpan.FromSeconds(1))
            failures.Add("Sentinel:UnknownKeyRefreshInterval must be at least 1 second.");
        // IdentityModel's ConfigurationManager refuses an automatic refresh more often than every 5 minutes.
        if (options.KeyRefreshInterval < TimeSpan.FromMinutes(5))
            failures.Add("Sentinel:KeyRefreshInterval must be at least 5 minutes.");
        if (options.RequestTimeout <= TimeSpan.Zero || options.ResolveTimeout <= TimeSpan.Zero)
            failures.Add("Sentinel:RequestTimeout and ResolveTimeout must be positive.");
        if (options.MaxRetries is < 0 or > 10)
            failures.Add("Sentinel:MaxRetries must be between 0 and 10.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    [GeneratedRegex("^[a-z][a-z0-9_.-]*$")]
    private static partial Regex ServiceNamePattern();
}
