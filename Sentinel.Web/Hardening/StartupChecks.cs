using Sentinel.Configuration;
using Sentinel.Web.Hosting;
using Sentinel.Web.Tokens;

namespace Sentinel.Web.Hardening;

/// <summary>
/// The seed's production checklist as code. With <c>DEBUG=false</c> every failed check is fatal and all are reported
/// together; with <c>DEBUG=true</c> each is a warning. Reachability of PostgreSQL and Redis is NOT checked here: that is
/// readiness (<c>/health/ready</c>), so an outage never keeps a replica from starting.
/// </summary>
public static class StartupChecks
{
    /// <summary>What the process does with the checklist's failures: refuse to start (DEBUG=false) or start and warn.</summary>
    public abstract record Verdict
    {
        /// <summary>Start; each failure is logged as a warning.</summary>
        public sealed record Start(IReadOnlyList<string> Warnings) : Verdict;

        /// <summary>Exit with code 2, listing every failure at once.</summary>
        public sealed record Refuse(IReadOnlyList<string> Failures) : Verdict;
    }

    public static Verdict Decide(IReadOnlyList<string> failures, bool debug) =>
        failures.Count > 0 && !debug ? new Verdict.Refuse(failures) : new Verdict.Start(failures);

    public static IReadOnlyList<string> Run(IConfiguration c, WebSettings web, JwtSettings jwt, SecuritySettings security)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(c["SESSION_SECRET_KEY"]) || web.SessionSecretKey == WebSettings.DefaultSessionSecret)
            failures.Add("SESSION_SECRET_KEY is missing or the default; set a long random value (make setup writes one to .env).");
        if (!security.CookieSecure)
            failures.Add("COOKIE_SECURE is false; production cookies must be Secure (and HSTS on).");
        var redis = RedisUrl.Parse(web.RedisUrl);
        if (!RedisUrl.HasPassword(redis))
            failures.Add("REDIS_URL has no password.");
        if (redis.Ssl && !string.Equals(web.RedisTlsVerify, "required", StringComparison.OrdinalIgnoreCase))
            failures.Add("REDIS_URL uses rediss:// without REDIS_TLS_VERIFY=required.");
        if (!redis.Ssl)
            failures.Add("REDIS_URL is not rediss:// (Redis without TLS).");
        // Whatever this check decides, the CORS layer never allows Origin: null (issue 23).
        if (security.CorsOrigins.Any(o => Cors.CorsSetup.IsOpaqueOrigin(o)))
            failures.Add("CORS_ORIGINS lists 'null'; sandboxed iframes and file: pages send that origin, so remove it.");
        if (security.AllowsAnyHost)
            failures.Add("ALLOWED_HOSTS resolves to '*'; list the service's host names.");
        if (!new SettingsReader(c).Bool("RATE_LIMIT_ENABLED", true))
            failures.Add("RATE_LIMIT_ENABLED is false.");
        if (!security.PiiRedaction)
            failures.Add("LOG_PII_REDACTION is false.");
        if (File.Exists(jwt.PrivateKeyPath) && !OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(jwt.PrivateKeyPath);
            if ((mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute)) != 0)
                failures.Add($"The RS256 private key ({jwt.PrivateKeyPath}) is readable by group or others; chmod 600 it.");
        }
        // Refresh tokens are HS256 under a key every replica shares: a configured key of enough length, or one derived
        // from a non-default SESSION_SECRET_KEY (RefreshKeys).
        failures.AddRange(RefreshKeySettings.FromConfiguration(c, web).ProductionFailures());
        if (security.LogFormat is not ("json" or "console"))
            failures.Add("LOG_FORMAT must be json or console.");
        return failures;
    }
}
