using Sentinel.Web.Admin;
using Xunit;

namespace Sentinel.Web.Tests.Admin;

/// <summary>The CSV reader and writer of the admin import and exports.</summary>
public sealed class AdminCsvFormatTests
{
    [Fact]
    public void quoted_fields_keep_commas_quotes_and_line_breaks_and_blank_lines_are_skipped()
    {
        var records = AdminCsv.Read("a,\"b,c\",\"say \"\"hi\"\"\"\r\n\r\n\"multi\nline\",,x\n").ToList();
        Assert.Equal(2, records.Count);
        Assert.Equal(["a", "b,c", "say \"hi\""], records[0]);
        Assert.Equal(["multi\nline", "", "x"], records[1]);
        Assert.Equal(["last", "row"], AdminCsv.Read("last,row").Single());
    }

    [Fact]
    public void text_cells_are_quoted_when_needed_and_formulas_are_defused()
    {
        Assert.Equal("plain", AdminCsv.Text("plain"));
        Assert.Equal("\"a,b\"", AdminCsv.Text("a,b"));
        Assert.Equal("\"say \"\"hi\"\"\"", AdminCsv.Text("say \"hi\""));
        Assert.Equal("'=1+2", AdminCsv.Text("=1+2"));
        Assert.Equal("'@SUM(A1)", AdminCsv.Text("@SUM(A1)"));
        Assert.Equal("'-5", AdminCsv.Text("-5"));
        Assert.Equal("None", AdminCsv.Text(null));
    }

    [Fact]
    public void values_render_as_the_original_python_writer_did()
    {
        Assert.Equal("True", AdminCsv.Bool(true));
        Assert.Equal("False", AdminCsv.Bool(false));
        Assert.Equal("None", AdminCsv.Id(null));
        Assert.Equal("2026-01-02T03:04:05+00:00", AdminCsv.Time(new DateTimeOffset(2026, 1, 2, 5, 4, 5, TimeSpan.FromHours(2))));
        Assert.Equal("2026-01-02T03:04:05.123456+00:00", AdminCsv.Time(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1_234_560)));
    }

    [Fact]
    public void parse_applies_the_first_applicable_row_error_and_defaults_a_blank_role_to_viewer()
    {
        var rows = AdminCsvEndpoints.Parse("role,workspace_slug,name,email,extra\r\n,team,A,a@example.com,z\r\nadmin,,B,,z\r\nOwner,team,C,c@example.com,z\r\n")!;
        Assert.Equal(("a@example.com", "viewer", (string?)null), (rows[0].Email, rows[0].Role, rows[0].Error));
        Assert.Equal("Missing email", rows[1].Error);
        Assert.Equal("Invalid role: Owner", rows[2].Error);
        Assert.Null(AdminCsvEndpoints.Parse("email,name,role\r\n"));
        Assert.Null(AdminCsvEndpoints.Parse(""));
    }
}
