using System.Globalization;
using Microsoft.Extensions.Options;
using Sentinel.Configuration;

namespace Sentinel.Web.Forwarding;

/// <summary>
/// Where the client's address comes from (docs/rate-limiting.md, "Client IP"): the one place <c>BEHIND_PROXY</c> and
/// <c>TRUSTED_PROXY_COUNT</c> are read. Rate limiting, the sessions list, the sign-in audit and the activity log all use
/// <see cref="ClientAddressResolver"/>, which reads only these.
/// </summary>
public sealed class ForwardingOptions
{
    /// <summary>
    /// <c>BEHIND_PROXY</c>: take the client from <c>X-Forwarded-For</c>. Default: false (the TCP peer). Set it only when
    /// every request reaches Web through proxies you run; otherwise a client could name any address it likes.
    /// </summary>
    public bool BehindProxy { get; set; }

    /// <summary>
    /// <c>TRUSTED_PROXY_COUNT</c>: how many proxies you run in front of Web that each append the address they saw to
    /// <c>X-Forwarded-For</c>; the client is that entry counted from the right. Default: 1 (one proxy, e.g. Caddy). 1-16.
    /// </summary>
    public int TrustedProxyCount { get; set; } = 1;

    /// <summary>Values that could not be read; reported by <see cref="ForwardingOptionsValidator"/> with every other failure.</summary>
    public List<string> BindingErrors { get; } = [];

    /// <summary>Binds <paramref name="o"/>; values that cannot be read go to <see cref="BindingErrors"/>.</summary>
    public static void Bind(ForwardingOptions o, IConfiguration c)
    {
        var reader = new SettingsReader(c);
        Read(o, reader);
        o.BindingErrors.AddRange(reader.Failures);
    }

    /// <summary>The settings binder's binding: unreadable values go to the reader, which the binder reports.</summary>
    internal static ForwardingOptions Bind(SettingsReader r)
    {
        var o = new ForwardingOptions();
        Read(o, r);
        return o;
    }

    private static void Read(ForwardingOptions o, SettingsReader r)
    {
        o.BehindProxy = r.Bool("BEHIND_PROXY", o.BehindProxy);
        if (r.Raw("TRUSTED_PROXY_COUNT") is { } count)
        {
            if (int.TryParse(count.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n)) o.TrustedProxyCount = n;
            else r.Fail("TRUSTED_PROXY_COUNT must be a whole number.");
        }
    }
}

/// <summary>Collects every forwarding failure at once.</summary>
public sealed class ForwardingOptionsValidator : IValidateOptions<ForwardingOptions>
{
    public ValidateOptionsResult Validate(string? name, ForwardingOptions o)
    {
        var failures = new List<string>(o.BindingErrors);
        if (o.TrustedProxyCount is < 1 or > 16) failures.Add("TRUSTED_PROXY_COUNT must be 1-16.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
