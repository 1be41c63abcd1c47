using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Sentinel.Configuration;

/// <summary>
/// Reads environment-style settings (<c>SERVICE_PORT</c>, <c>DEBUG</c>, ...) with one set of parsers for Web and the
/// silo. A value that cannot be read never throws: it is recorded in <see cref="Failures"/> and the default is used, so
/// the options validation reports it together with every other failure.
/// </summary>
internal sealed class SettingsReader(IConfiguration configuration)
{
    private readonly List<string> failures = [];

    public IConfiguration Configuration => configuration;

    /// <summary>Values that could not be read, one sentence each, in reading order.</summary>
    public IReadOnlyList<string> Failures => failures;

    /// <summary>The raw value, or null when the key is absent.</summary>
    public string? Raw(string key) => configuration[key];

    /// <summary>The value when the key is present (even empty), else <paramref name="fallback"/>.</summary>
    public string String(string key, string fallback) => configuration[key] ?? fallback;

    /// <summary>The value when it is present and not empty, else <paramref name="fallback"/>.</summary>
    public string NonEmpty(string key, string fallback) => configuration[key] is { Length: > 0 } v ? v : fallback;

    /// <summary>The value when it is present and not empty, else null.</summary>
    public string? Optional(string key) => configuration[key] is { Length: > 0 } v ? v : null;

    /// <summary>A comma list, trimmed, without empty entries; empty when the key is absent.</summary>
    public IReadOnlyList<string> List(string key) =>
        (configuration[key] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>An integer; empty or absent gives <paramref name="fallback"/>.</summary>
    public int Int(string key, int fallback)
    {
        if (configuration[key] is not { Length: > 0 } v) return fallback;
        if (int.TryParse(v.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var i)) return i;
        failures.Add($"{key} must be an integer.");
        return fallback;
    }

    /// <summary>A boolean (<c>1/true/yes/on</c>, <c>0/false/no/off</c>); empty or absent gives <paramref name="fallback"/>.</summary>
    public bool Bool(string key, bool fallback)
    {
        if (TryParseBool(configuration[key], out var value)) return value ?? fallback;
        failures.Add($"{key} must be a boolean (true/false).");
        return fallback;
    }

    /// <summary>Records a failure found while binding (for a value the typed readers do not cover).</summary>
    public void Fail(string failure) => failures.Add(failure);

    /// <summary>The one boolean grammar: null for empty or absent, false when the text is not a boolean.</summary>
    public static bool TryParseBool(string? text, out bool? value)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case null or "": value = null; return true;
            case "1" or "true" or "yes" or "on": value = true; return true;
            case "0" or "false" or "no" or "off": value = false; return true;
            default: value = null; return false;
        }
    }
}

/// <summary>
/// The one settings binder of Web and the silo, on the options system: <see cref="AddSettings{T}"/> binds a settings
/// class through <see cref="SettingsReader"/>, reports unreadable values through an <see cref="IValidateOptions{T}"/>
/// beside the class's own validators, and marks it <c>ValidateOnStart</c>. <see cref="Check"/> runs every registered
/// validation at once, before the host exists (the processes need ports and URLs to build it), so a process given
/// several bad values lists them all in one message.
/// </summary>
internal static class SettingsBinder
{
    /// <summary>Registers <typeparamref name="T"/>, bound by <paramref name="bind"/> from <paramref name="configuration"/>.</summary>
    public static OptionsBuilder<T> AddSettings<T>(this IServiceCollection services, IConfiguration configuration, Func<SettingsReader, T> bind)
        where T : class
    {
        services.AddOptions();
        services.Replace(ServiceDescriptor.Singleton(new SettingsBinding<T>(configuration, bind)));
        services.Replace(ServiceDescriptor.Singleton<IOptionsFactory<T>, SettingsFactory<T>>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<T>, BindingFailuresValidator<T>>());
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<T>>().Value);
        return services.AddOptions<T>().ValidateOnStart();
    }

    /// <summary>Adds <typeparamref name="TValidator"/> to the validators of <typeparamref name="T"/>.</summary>
    public static OptionsBuilder<T> ValidateWith<T, TValidator>(this OptionsBuilder<T> builder)
        where T : class where TValidator : class, IValidateOptions<T>
    {
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<T>, TValidator>());
        return builder;
    }

    /// <summary>
    /// Binds and validates everything <paramref name="register"/> adds, all at once (the same validators
    /// <c>ValidateOnStart</c> runs). Failures are listed in registration order, each once.
    /// </summary>
    public static SettingsCheck Check(IConfiguration configuration, Action<IServiceCollection> register)
    {
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        register(services);
        var provider = services.BuildServiceProvider();
        try
        {
            provider.GetRequiredService<IStartupValidator>().Validate();
            return new SettingsCheck(provider, []);
        }
        catch (OptionsValidationException ex)
        {
            return new SettingsCheck(provider, ex.Failures.Distinct().ToArray());
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is OptionsValidationException))
        {
            return new SettingsCheck(provider, ex.InnerExceptions.Cast<OptionsValidationException>().SelectMany(e => e.Failures).Distinct().ToArray());
        }
    }

    /// <summary>Binds <typeparamref name="T"/> alone; throws <see cref="OptionsValidationException"/> listing every unreadable value.</summary>
    public static T Bind<T>(IConfiguration configuration, Func<SettingsReader, T> bind)
    {
        var reader = new SettingsReader(configuration);
        var value = bind(reader);
        return reader.Failures.Count == 0 ? value : throw new OptionsValidationException(typeof(T).Name, typeof(T), reader.Failures);
    }

    /// <summary>
    /// The value of another settings class for a validator that depends on it, or null when that class is itself
    /// invalid (its own validation reports why; this keeps the failure from being listed twice).
    /// </summary>
    public static T? ValidOrNull<T>(this IOptions<T> options) where T : class
    {
        try
        {
            return options.Value;
        }
        catch (OptionsValidationException)
        {
            return null;
        }
    }
}

/// <summary>The outcome of <see cref="SettingsBinder.Check"/>: the bound settings and every failure.</summary>
internal sealed class SettingsCheck(IServiceProvider provider, IReadOnlyList<string> failures) : IDisposable
{
    public IReadOnlyList<string> Failures => failures;

    public bool Failed => failures.Count > 0;

    /// <summary>The bound settings; only after a check without failures.</summary>
    public T Get<T>() where T : class => provider.GetRequiredService<IOptions<T>>().Value;

    /// <summary>Registers the bound instance of <typeparamref name="T"/> (as itself and as <see cref="IOptions{T}"/>) in the app's services.</summary>
    public SettingsCheck Share<T>(IServiceCollection services) where T : class
    {
        var value = Get<T>();
        services.AddSingleton(value);
        services.AddSingleton(Options.Create(value));
        return this;
    }

    /// <summary>The failures as the one message a process prints before it exits.</summary>
    public string Message(string process) => $"{process} refuses to start:\n  - " + string.Join("\n  - ", failures);

    public void Dispose() => (provider as IDisposable)?.Dispose();
}

/// <summary>How <typeparamref name="T"/> is bound, and the values its last binding could not read.</summary>
internal sealed class SettingsBinding<T>(IConfiguration configuration, Func<SettingsReader, T> bind)
{
    public IReadOnlyList<string> Failures { get; private set; } = [];

    public T Bind()
    {
        var reader = new SettingsReader(configuration);
        var value = bind(reader);
        Failures = reader.Failures;
        return value;
    }
}

/// <summary>Creates <typeparamref name="T"/> through its binding; the options system then runs every validator.</summary>
internal sealed class SettingsFactory<T>(
    SettingsBinding<T> binding,
    IEnumerable<IConfigureOptions<T>> setups,
    IEnumerable<IPostConfigureOptions<T>> postConfigures,
    IEnumerable<IValidateOptions<T>> validations)
    : OptionsFactory<T>(setups, postConfigures, validations) where T : class
{
    protected override T CreateInstance(string name) => binding.Bind();
}

/// <summary>Reports the values the binding could not read, with the class's other failures.</summary>
internal sealed class BindingFailuresValidator<T>(SettingsBinding<T> binding) : IValidateOptions<T> where T : class
{
    public ValidateOptionsResult Validate(string? name, T options) =>
        binding.Failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(binding.Failures);
}
