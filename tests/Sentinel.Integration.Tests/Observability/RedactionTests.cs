using System.Net;
using System.Text.RegularExpressions;
using Xunit;

namespace Sentinel.Integration.Tests.Observability;

/// <summary>
/// The logs of a real sign-in and refresh, from the web and silo processes, with production logging: nothing secret in
/// them, and the email's domain present (so the line was written and redacted, not missing).
/// </summary>
[Collection(ObservedSignIn.Collection)]
public sealed partial class RedactionTests(ObservedSignIn run)
{
    [GeneratedRegex(@"eyJ[A-Za-z0-9_\-]{10,}")]
    private static partial Regex AnyJwt();

    [GeneratedRegex(@"sk_[A-Za-z0-9_\-]{20,}")]
    private static partial Regex AnyServiceKey();

    [Fact]
    public void the_flow_ran_and_both_processes_wrote_json_lines()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, run.ReuseStatus);
        Assert.Equal(HttpStatusCode.TooManyRequests, run.LimitedStatus);
        Assert.Empty(run.NonJsonLines().Take(5));
        foreach (var process in run.Harness.Processes)
            Assert.True(process.Output.Split('\n').Count(l => l.StartsWith('{')) >= 5, $"{process.Name} wrote too few JSON lines:\n{process.Output}");
    }

    [Fact]
    public void no_secret_the_flow_handled_appears_in_any_log_line()
    {
        Assert.True(run.Secrets.Count >= 20, string.Join(", ", run.Secrets.Select(s => s.What)));
        var leaks = run.Secrets.Where(s => s.Value.Length >= 6 && run.Output.Contains(s.Value, StringComparison.Ordinal)).Select(s => s.What).ToList();
        Assert.True(leaks.Count == 0, "leaked: " + string.Join(", ", leaks));
        // Also anything shaped like a token or a service key, whoever minted it (the provider's id_token included).
        Assert.Empty(AnyJwt().Matches(run.Output).Select(m => m.Value[..16]));
        Assert.Empty(AnyServiceKey().Matches(run.Output).Select(m => m.Value[..8]));
    }

    [Fact]
    public void the_email_is_logged_with_its_domain_only()
    {
        Assert.DoesNotContain(run.EmailLocalPart, run.Output, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("***@" + run.EmailDomain, run.Output, StringComparison.Ordinal);
    }
}
