using System.Collections;
using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Platform.Common.Hosting;

/// <summary>
/// How every options section of the daemons is read: bound, then checked when the host starts
/// for keys the class does not have (a misspelt setting would otherwise be ignored), its data
/// annotations and its <see cref="IValidatableObject"/>, so that a wrong setting stops the
/// daemon at once with a message naming the key ("Hosts:DownAfter must be ...") instead of
/// failing later, or never, when the value is first used. A value of the wrong type already
/// fails binding with its key ("Failed to convert configuration value at 'Hosts:DownAfter'").
/// </summary>
public static class ValidatedOptions
{
    /// <summary>Binds <paramref name="section"/> to <typeparamref name="T"/>, validated at start; add further <see cref="IValidateOptions{T}"/> for checks annotations cannot express.</summary>
    public static OptionsBuilder<T> AddValidatedOptions<T>(this IServiceCollection services, IConfiguration configuration, string section)
        where T : class
    {
        // Once per options class, however often a section is registered (Transfer is, by two features).
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<T>>(new SectionValidation<T>(configuration.GetSection(section))));
        return services.AddOptions<T>()
            .Bind(configuration.GetSection(section))
            .ValidateOnStart();
    }

    /// <summary>The same for a section read while the host is being built: binds and validates now, throwing <see cref="OptionsValidationException"/>.</summary>
    public static T GetValidated<T>(this IConfiguration configuration, string section)
        where T : class, new()
    {
        var options = new T();
        configuration.GetSection(section).Bind(options);
        var result = new SectionValidation<T>(configuration.GetSection(section)).Validate(Options.DefaultName, options);
        return result.Failed ? throw new OptionsValidationException(section, typeof(T), result.Failures) : options;
    }

    /// <summary>"Section:Member" followed by what is wrong with it.</summary>
    internal static string Describe(string section, ValidationResult result)
    {
        var message = result.ErrorMessage ?? "is invalid";
        if (message.StartsWith(section + ":", StringComparison.Ordinal))
        {
            return message;
        }
        var members = result.MemberNames.ToList();
        if (members.Count == 0)
        {
            return $"{section}: {message}";
        }
        var key = string.Join(", ", members.Select(m => $"{section}:{m}"));
        // DataAnnotations says "The field X must be ..."; the key replaces "The field X".
        var fieldPrefix = $"The field {members[0]} ";
        return message.StartsWith(fieldPrefix, StringComparison.Ordinal)
            ? $"{key} {message[fieldPrefix.Length..]}"
            : $"{key}: {message}";
    }

    /// <summary>The keys under <paramref name="section"/> that no property of <paramref name="type"/> takes, by full path.</summary>
    internal static IEnumerable<string> UnknownKeys(IConfigurationSection section, Type type)
    {
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetMethod?.IsPublic == true && p.GetIndexParameters().Length == 0)
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.GetChildren())
        {
            if (!properties.TryGetValue(child.Key, out var property))
            {
                yield return child.Path;
                continue;
            }
            var simple = IsSimple(property.PropertyType);
            if (simple && property.SetMethod?.IsPublic != true)
            {
                // The binder skips it: the setting would be silently ignored.
                yield return child.Path;
            }
            else if (!simple && !typeof(IEnumerable).IsAssignableFrom(property.PropertyType))
            {
                foreach (var unknown in UnknownKeys(child, property.PropertyType))
                {
                    yield return unknown;
                }
            }
        }
    }

    /// <summary>A type the binder sets from one string (what it converts, as it decides).</summary>
    private static bool IsSimple(Type type) =>
        TypeDescriptor.GetConverter(Nullable.GetUnderlyingType(type) ?? type).CanConvertFrom(typeof(string));
}

/// <summary>Unknown keys, data annotations and <see cref="IValidatableObject"/> of one section, each failure naming its key.</summary>
internal sealed class SectionValidation<T>(IConfigurationSection section) : IValidateOptions<T>
    where T : class
{
    public ValidateOptionsResult Validate(string? name, T options)
    {
        var failures = ValidatedOptions.UnknownKeys(section, typeof(T))
            .Select(key => $"{key} is not a setting (misspelt, or of another section?)")
            .ToList();
        var results = new List<ValidationResult>();
        // IValidatableObject.Validate runs only once every attribute holds: the cross-field
        // checks may rely on each value being in range.
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        failures.AddRange(results.Select(r => ValidatedOptions.Describe(section.Path, r)));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
