using Microsoft.Extensions.Configuration;

namespace Sentinel.Configuration;

/// <summary>Reads <c>.env</c> from the working directory, as the seed does. Real environment variables win.</summary>
internal static class DotEnv
{
    /// <summary>Adds the <c>KEY=value</c> lines of <paramref name="path"/> below the environment in precedence.</summary>
    public static IConfigurationBuilder AddDotEnvFile(this IConfigurationManager configuration, string path = ".env")
    {
        if (!File.Exists(path)) return configuration;
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (line.StartsWith("export ", StringComparison.Ordinal)) line = line[7..].TrimStart();
            var eq = line.IndexOf('=');
            if (eq <= 0) continue;
            var key = line[..eq].Trim();
            var value = line[(eq + 1)..].Trim();
            if (value.Length >= 2 && (value[0] == '"' && value[^1] == '"' || value[0] == '\'' && value[^1] == '\''))
                value = value[1..^1];
            if (Environment.GetEnvironmentVariable(key) is null) values[key] = value;
        }
        // Inserted first so every later source (environment, command line) overrides it.
        var source = new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = values };
        configuration.Sources.Insert(0, source);
        return configuration;
    }
}
