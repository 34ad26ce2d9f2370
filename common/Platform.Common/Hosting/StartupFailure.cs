using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Platform.Common.Hosting;

/// <summary>A daemon cannot start for a reason the operator must fix; <see cref="ExitCode"/> tells systemd which kind.</summary>
public sealed class StartupFailureException(string message, int exitCode, Exception? innerException = null)
    : Exception(message, innerException)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>
/// A daemon that cannot start because of a setting or a dependency it cannot reach says so in
/// one line per problem on stderr and exits with the sysexits.h code for it, instead of dying
/// on an unhandled exception with a stack trace (exit 134). The units keep systemd from
/// restarting a configuration error (<c>RestartPreventExitStatus=78</c>) while an unreachable
/// dependency is retried by the restart policy.
/// </summary>
public static class StartupFailure
{
    /// <summary>EX_UNAVAILABLE: a service the daemon needs (the inventory database) did not answer.</summary>
    public const int UnavailableExitCode = 69;

    /// <summary>EX_CONFIG: a setting is wrong.</summary>
    public const int ConfigurationExitCode = 78;

    /// <summary>Checks every options section now, before the daemon touches anything (the database, libvirt, Ceph).</summary>
    public static void ValidateSettings(this WebApplication app) =>
        app.Services.GetRequiredService<IStartupValidator>().Validate();

    /// <summary>The lines to print and the exit code for <paramref name="exception"/>, or null when it is a bug and must crash as one.</summary>
    public static (IReadOnlyList<string> Lines, int ExitCode)? Classify(Exception exception) => exception switch
    {
        StartupFailureException failure => ([failure.Message], failure.ExitCode),
        OptionsValidationException invalid => (invalid.Failures.ToList(), ConfigurationExitCode),
        AggregateException { InnerExceptions: var inner } when inner.All(e => Classify(e) is { ExitCode: ConfigurationExitCode }) =>
            (inner.SelectMany(e => Classify(e)!.Value.Lines).ToList(), ConfigurationExitCode),
        // A value of the wrong type ("Failed to convert configuration value 'x' at 'Hosts:DownAfter' ...").
        InvalidOperationException when ThrownBy(exception, typeof(ConfigurationBinder)) =>
            ([exception.Message], ConfigurationExitCode),
        // A configuration file that is not valid JSON; the inner exception says where.
        InvalidDataException when ThrownBy(exception, typeof(FileConfigurationProvider)) =>
            ([exception.InnerException is { } inner ? $"{exception.Message} {inner.Message}" : exception.Message], ConfigurationExitCode),
        _ => null,
    };

    /// <summary>Whether <paramref name="thrower"/> (or a class derived from it) threw: besides their messages, that is all that tells these exceptions apart.</summary>
    private static bool ThrownBy(Exception exception, Type thrower) =>
        new StackTrace(exception).GetFrames().Any(frame => frame.GetMethod()?.DeclaringType is { } type && thrower.IsAssignableFrom(type));

    /// <summary>From now on a startup failure that reaches the top of the process ends it as described above.</summary>
    internal static void ExitCleanlyOnStartupFailure(string component) =>
        AppDomain.CurrentDomain.UnhandledException += (_, args) =>
        {
            if (args.ExceptionObject is Exception exception && Classify(exception) is { } failure)
            {
                foreach (var line in failure.Lines)
                {
                    Console.Error.WriteLine($"{component}: cannot start: {line}");
                }
                Console.Error.Flush();
                Environment.Exit(failure.ExitCode);
            }
        };
}
