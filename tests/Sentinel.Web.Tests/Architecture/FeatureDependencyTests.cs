using System.Reflection;
using System.Reflection.Emit;
using Xunit;

namespace Sentinel.Web.Tests.Architecture;

/// <summary>
/// Sentinel.Web is grouped by feature (docs/web-layout.md): a feature is the first namespace segment under
/// <c>Sentinel.Web</c> (its folder). Feature folders may use each other only without a loop; the infrastructure area
/// (<c>Sentinel.Web.Infrastructure</c>) uses no feature; the composition root (<c>Sentinel.Web</c> itself, with
/// Program.cs) is used by no feature. The dependencies are read from the compiled assembly: every type each type names
/// in its base types, fields, properties, signatures, attributes and method bodies (IL), lambdas and async state
/// machines included.
/// </summary>
public sealed class FeatureDependencyTests
{
    private static readonly Lazy<FeatureGraph> Web = new(() => FeatureGraph.Of(typeof(Program).Assembly));

    [Fact]
    public void feature_folders_form_no_loop()
    {
        var cycle = FeatureGraph.FindCycle(Web.Value.Edges.Keys);
        Assert.True(cycle is null, cycle is null ? "" : "Feature folders form a loop: " + Web.Value.Describe(cycle));
    }

    [Fact]
    public void infrastructure_uses_no_feature()
    {
        var wrong = Web.Value.Edges.Where(e => e.Key.From == FeatureGraph.Infrastructure).Select(e => $"{e.Key.To} ({e.Value})").ToList();
        Assert.True(wrong.Count == 0, "Infrastructure uses features: " + string.Join("; ", wrong));
    }

    [Fact]
    public void no_feature_uses_the_composition_root()
    {
        var wrong = Web.Value.Edges.Where(e => e.Key.To == FeatureGraph.Root).Select(e => $"{e.Key.From} ({e.Value})").ToList();
        Assert.True(wrong.Count == 0, "Features use the composition root: " + string.Join("; ", wrong));
    }

    [Fact]
    public void the_graph_holds_the_dependencies_the_code_has()
    {
        // A reader that found no references would pass every rule above; these edges are in the code on purpose.
        var edges = Web.Value.Edges.Keys.ToHashSet();
        Assert.Contains(("SignIn", "Sessions"), edges);       // sign-in opens a session (field and body references)
        Assert.Contains(("Admin", "Directory"), edges);       // the admin API answers with the directory's errors
        Assert.Contains(("Directory", FeatureGraph.Infrastructure), edges);
        Assert.Contains((FeatureGraph.Root, "Admin"), edges); // Program.cs maps the admin feature
    }

    [Fact]
    public void a_loop_is_found_and_reported_with_its_path()
    {
        (string, string)[] edges = [("A", "B"), ("B", "C"), ("C", "D"), ("D", "B"), ("A", "D")];
        Assert.Equal(["B", "C", "D", "B"], FeatureGraph.FindCycle(edges));
        Assert.Null(FeatureGraph.FindCycle([("A", "B"), ("B", "C"), ("A", "C")]));
    }
}

/// <summary>Which feature folder of an assembly uses which, with one example reference per edge.</summary>
internal sealed class FeatureGraph
{
    public const string Root = "(root)";
    public const string Infrastructure = "Infrastructure";
    private const string Prefix = "Sentinel.Web";

    private const BindingFlags Declared = BindingFlags.DeclaredOnly | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static;
    private static readonly OpCode[] OneByte = new OpCode[256];
    private static readonly OpCode[] TwoByte = new OpCode[256];

    static FeatureGraph()
    {
        foreach (var field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var op = (OpCode)field.GetValue(null)!;
            var value = (ushort)op.Value;
            if (value < 0x100) OneByte[value] = op;
            else if ((value & 0xff00) == 0xfe00) TwoByte[value & 0xff] = op;
        }
    }

    /// <summary>(from, to) feature pairs, each with one "Type -> Type" reference that makes it.</summary>
    public Dictionary<(string From, string To), string> Edges { get; } = [];

    /// <summary>The feature a type belongs to, or null for types outside Sentinel.Web and compiler-generated ones.</summary>
    public static string? FeatureOf(Type type)
    {
        while (type.IsNested) type = type.DeclaringType!;
        if (type.Name.StartsWith('<')) return null;
        var ns = type.Namespace;
        if (ns is null) return type.Assembly == typeof(Program).Assembly ? Root : null;
        if (ns == Prefix) return Root;
        if (!ns.StartsWith(Prefix + ".", StringComparison.Ordinal)) return null;
        return ns[(Prefix.Length + 1)..].Split('.')[0];
    }

    public static FeatureGraph Of(Assembly assembly)
    {
        var graph = new FeatureGraph();
        foreach (var type in assembly.GetTypes())
        {
            if (FeatureOf(type) is not { } from) continue;
            foreach (var used in Referenced(type))
            {
                if (FeatureOf(used) is { } to && to != from)
                    graph.Edges.TryAdd((from, to), $"{type.FullName} uses {used.FullName}");
            }
        }
        return graph;
    }

    public string Describe(IReadOnlyList<string> cycle) =>
        string.Join(" -> ", cycle) + ". " + string.Join("; ", cycle.Zip(cycle.Skip(1)).Select(p => $"{p.First} -> {p.Second}: {Edges[(p.First, p.Second)]}"));

    /// <summary>The first loop found (as a path that ends where it starts), or null.</summary>
    public static List<string>? FindCycle(IEnumerable<(string From, string To)> edges)
    {
        var next = edges.GroupBy(e => e.From).ToDictionary(g => g.Key, g => g.Select(e => e.To).Distinct().Order(StringComparer.Ordinal).ToList());
        var done = new HashSet<string>();
        var path = new List<string>();
        List<string>? Visit(string node)
        {
            var at = path.IndexOf(node);
            if (at >= 0) return [.. path[at..], node];
            if (!done.Add(node)) return null;
            path.Add(node);
            foreach (var to in next.GetValueOrDefault(node) ?? [])
            {
                if (Visit(to) is { } cycle) return cycle;
            }
            path.RemoveAt(path.Count - 1);
            return null;
        }
        foreach (var node in next.Keys.Order(StringComparer.Ordinal))
        {
            if (Visit(node) is { } cycle) return cycle;
        }
        return null;
    }

    private static IEnumerable<Type> Referenced(Type type)
    {
        var found = new HashSet<Type>();
        void Add(Type? t)
        {
            if (t is null || t.IsGenericParameter || !found.Add(t)) return;
            if (t.HasElementType) Add(t.GetElementType());
            if (t.IsGenericType && !t.IsGenericTypeDefinition)
            {
                Add(t.GetGenericTypeDefinition());
                foreach (var a in t.GetGenericArguments()) Add(a);
            }
        }
        void Attributes(IEnumerable<CustomAttributeData> attributes)
        {
            foreach (var a in attributes)
            {
                Add(a.AttributeType);
                foreach (var arg in a.ConstructorArguments) if (arg.Value is Type t) Add(t);
            }
        }

        Add(type.BaseType);
        foreach (var i in type.GetInterfaces()) Add(i);
        Attributes(type.CustomAttributes);
        foreach (var f in type.GetFields(Declared)) { Add(f.FieldType); Attributes(f.CustomAttributes); }
        foreach (var p in type.GetProperties(Declared)) { Add(p.PropertyType); Attributes(p.CustomAttributes); }
        foreach (var e in type.GetEvents(Declared)) Add(e.EventHandlerType);
        foreach (var m in type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared)))
        {
            if (m is MethodInfo mi) Add(mi.ReturnType);
            foreach (var p in m.GetParameters()) { Add(p.ParameterType); Attributes(p.CustomAttributes); }
            Attributes(m.CustomAttributes);
            foreach (var t in BodyReferences(m)) Add(t);
        }
        return found;
    }

    /// <summary>The types a method body names: in calls, field accesses, casts, news, typeof and ldtoken.</summary>
    private static IEnumerable<Type> BodyReferences(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null) yield break;
        var typeArgs = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var i = 0; i < il.Length;)
        {
            var op = il[i] == 0xfe ? TwoByte[il[++i]] : OneByte[il[i]];
            i++;
            if (op.OperandType is OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok or OperandType.InlineType)
            {
                MemberInfo? member = null;
                try { member = method.Module.ResolveMember(BitConverter.ToInt32(il, i), typeArgs, methodArgs); }
                catch (Exception e) when (e is ArgumentException or TypeLoadException or BadImageFormatException or FileNotFoundException or MissingMemberException) { }
                switch (member)
                {
                    case Type t: yield return t; break;
                    case FieldInfo f: yield return f.DeclaringType!; yield return f.FieldType; break;
                    case MethodInfo m:
                        yield return m.DeclaringType!;
                        yield return m.ReturnType;
                        if (m.IsGenericMethod) foreach (var a in m.GetGenericArguments()) yield return a;
                        break;
                    case MethodBase c: yield return c.DeclaringType!; break;
                }
            }
            i += op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i),
                _ => 4,
            };
        }
    }
}
