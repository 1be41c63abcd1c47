using System.Reflection;
using System.Xml.Linq;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Web.Tests.Architecture;

/// <summary>The edge holds no database and knows the cluster only through the contracts (DESIGN.md).</summary>
public sealed class EdgeBoundaryTests
{
    private static readonly string[] ForbiddenAssemblies =
        ["Sentinel.Grains", "Sentinel.Silo", "Npgsql", "Orleans.Runtime", "Orleans.Server", "Orleans.Persistence.AdoNet", "Orleans.Persistence.Memory", "Orleans.Reminders"];

    [Fact]
    public void web_assembly_references_no_grain_implementation_database_or_orleans_server_assembly()
    {
        var referenced = typeof(Program).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToHashSet();
        Assert.Contains("Sentinel.Grains.Abstractions", referenced);
        Assert.Empty(referenced.Intersect(ForbiddenAssemblies));
    }

    [Fact]
    public void web_project_file_references_only_the_contracts_project()
    {
        var project = XDocument.Load(Path.Combine(TestEnvironment.RepoRoot, "Sentinel.Web", "Sentinel.Web.csproj"));
        var projects = project.Descendants("ProjectReference").Select(e => Path.GetFileName((string)e.Attribute("Include")!.Value.Replace('\\', '/'))).ToArray();
        Assert.Equal(["Sentinel.Grains.Abstractions.csproj"], projects);
        var packages = project.Descendants("PackageReference").Select(e => (string)e.Attribute("Include")!).ToArray();
        Assert.DoesNotContain(packages, p => p.StartsWith("Npgsql", StringComparison.Ordinal) || p is "Microsoft.Orleans.Server" or "Microsoft.Orleans.Runtime" || p.StartsWith("Microsoft.Orleans.Persistence", StringComparison.Ordinal));
    }
}
