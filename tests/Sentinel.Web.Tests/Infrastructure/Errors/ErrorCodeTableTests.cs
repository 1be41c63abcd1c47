using System.Text.RegularExpressions;
using Sentinel.Errors;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Web.Tests.Infrastructure.Errors;

/// <summary>
/// One table of error codes (common/ErrorCodes.cs), one code per meaning, documented in docs/errors.md, and no code
/// written as a bare string anywhere else in product code.
/// </summary>
public sealed partial class ErrorCodeTableTests
{
    private static readonly string[] ProductFolders = ["Sentinel.Web", "Sentinel.Silo", "common"];
    private const string TableFile = "common/ErrorCodes.cs";

    /// <summary>
    /// Bare code strings that stay for now, each with its reason. Files another change owns are rewritten to the
    /// constants after it merges; remove the line then.
    /// </summary>
    private static readonly (string File, string Literal, string Why)[] Allowed =
    [
        ("Sentinel.Web/Admin/AdminMetricsReporter.cs", "rate_limited", "a metric series name, not an error code"),
    ];

    [Fact]
    public void codes_are_unique_snake_case_and_every_one_has_a_status_and_a_meaning()
    {
        Assert.NotEmpty(ErrorCodes.All);
        Assert.Equal(ErrorCodes.All.Count, ErrorCodes.All.Select(e => e.Code).Distinct(StringComparer.Ordinal).Count());
        Assert.All(ErrorCodes.All, e =>
        {
            Assert.Matches("^[a-z][a-z0-9]*(_[a-z0-9]+)*$", e.Code);
            Assert.NotEmpty(e.Statuses);
            Assert.All(e.Statuses, s => Assert.InRange(s, 400, 599));
            Assert.False(string.IsNullOrWhiteSpace(e.Meaning));
        });
        // One meaning per code: no two codes share a meaning sentence.
        Assert.Equal(ErrorCodes.All.Count, ErrorCodes.All.Select(e => e.Meaning).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void the_contracts_named_codes_keep_their_wire_values()
    {
        // The contract names these codes; clients already branch on them.
        Assert.Equal("token_revoked", ErrorCodes.TokenRevoked);
        Assert.Equal("rate_limited", ErrorCodes.RateLimited);
        Assert.Equal("not_workspace_member", ErrorCodes.NotWorkspaceMember);
        Assert.Equal("cluster_unavailable", ErrorCodes.ClusterUnavailable);
        Assert.Equal("validation_failed", ErrorCodes.ValidationFailed);
        Assert.Equal([403], Status(ErrorCodes.NotWorkspaceMember));
    }

    [Fact]
    public void every_code_in_the_table_is_documented_with_its_statuses_and_nothing_else_is()
    {
        var documented = DocumentedRows();
        foreach (var entry in ErrorCodes.All)
        {
            Assert.True(documented.TryGetValue(entry.Code, out var statuses), $"docs/errors.md does not list {entry.Code}");
            Assert.Equal(entry.Statuses, statuses);
        }
        var unknown = documented.Keys.Except(ErrorCodes.All.Select(e => e.Code), StringComparer.Ordinal).ToArray();
        Assert.True(unknown.Length == 0, "docs/errors.md lists codes the table does not have: " + string.Join(", ", unknown));
    }

    [Fact]
    public void product_code_writes_no_table_code_as_a_bare_string()
    {
        var codes = ErrorCodes.All.Select(e => e.Code).ToHashSet(StringComparer.Ordinal);
        var found = new List<string>();
        foreach (var (file, line, text) in ProductLines())
        {
            foreach (Match m in StringLiteral().Matches(text))
            {
                var literal = m.Groups[1].Value;
                if (codes.Contains(literal) && !Allowed.Any(a => a.File == file && a.Literal == literal))
                    found.Add($"{file}:{line}: \"{literal}\"");
            }
        }
        Assert.True(found.Count == 0, "Use the ErrorCodes constant instead of:\n" + string.Join("\n", found));
    }

    [Fact]
    public void every_code_given_to_an_error_body_is_in_the_table()
    {
        var codes = ErrorCodes.All.Select(e => e.Code).ToHashSet(StringComparer.Ordinal);
        var found = new List<string>();
        foreach (var (file, line, text) in ProductLines())
        {
            foreach (Match m in CodeArgument().Matches(text))
            {
                var literal = m.Groups["code"].Value;
                if (!codes.Contains(literal)) found.Add($"{file}:{line}: \"{literal}\"");
            }
        }
        Assert.True(found.Count == 0, "Codes missing from common/ErrorCodes.cs:\n" + string.Join("\n", found));
    }

    [Fact]
    public void the_scan_sees_a_bare_code_and_an_unknown_code()
    {
        // The two scans above pass only if they can fail: they must flag these lines.
        Assert.Matches(StringLiteral(), "return ApiErrors.Result(409, \"taken\", \"email_taken\");");
        Assert.Matches(CodeArgument(), "return ApiErrors.Result(409, \"taken\", \"brand_new_code\");");
        Assert.Matches(CodeArgument(), "Results.Json(new { detail = \"Forbidden\", code = \"brand_new_code\" })");
        Assert.Matches(CodeArgument(), "throw ApiException.Unauthorized(\"No\", \"brand_new_code\");");
    }

    private static IReadOnlyList<int> Status(string code) => ErrorCodes.All.Single(e => e.Code == code).Statuses;

    private static Dictionary<string, int[]> DocumentedRows()
    {
        var rows = new Dictionary<string, int[]>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(Path.Combine(TestEnvironment.RepoRoot, "docs", "errors.md")))
        {
            var m = DocRow().Match(line);
            if (!m.Success) continue;
            var statuses = m.Groups["statuses"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
            Assert.True(rows.TryAdd(m.Groups["code"].Value, statuses), $"docs/errors.md lists {m.Groups["code"].Value} twice");
        }
        return rows;
    }

    private static IEnumerable<(string File, int Line, string Text)> ProductLines()
    {
        foreach (var folder in ProductFolders)
        {
            var root = Path.Combine(TestEnvironment.RepoRoot, folder);
            foreach (var path in System.IO.Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(TestEnvironment.RepoRoot, path).Replace('\\', '/');
                if (relative == TableFile || relative.Contains("/obj/", StringComparison.Ordinal) || relative.Contains("/bin/", StringComparison.Ordinal)) continue;
                var n = 0;
                foreach (var text in File.ReadLines(path))
                {
                    n++;
                    if (text.TrimStart().StartsWith("//", StringComparison.Ordinal)) continue;
                    yield return (relative, n, text);
                }
            }
        }
    }

    [GeneratedRegex("\"([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\"")]
    private static partial Regex StringLiteral();

    // A literal in the code position of an error body: the last argument of ApiErrors.Result/WriteAsync, ApiError or
    // ApiException, or an anonymous body's code member.
    [GeneratedRegex("(?:(?:ApiErrors\\.(?:Result|WriteAsync)|new ApiError|ApiException(?:\\.\\w+)?)\\([^;]*,\\s*\"(?<code>[a-z0-9_]+)\"\\s*\\))|(?:\\bcode\\s*=\\s*\"(?<code>[a-z0-9_]+)\")")]
    private static partial Regex CodeArgument();

    [GeneratedRegex("^\\|\\s*`(?<code>[a-z0-9_]+)`\\s*\\|\\s*(?<statuses>[0-9, ]+)\\s*\\|")]
    private static partial Regex DocRow();
}
