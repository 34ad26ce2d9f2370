using System.CommandLine;
using Platform.Cli.Configuration;
using Platform.Cli.Output;
using Spectre.Console;

namespace Platform.Cli;

/// <summary>The options every command takes (recursive from the root).</summary>
internal static class GlobalOptions
{
    public static readonly Option<OutputFormat> Output = new("--output", "-o")
    {
        Description = "table (for people) or json (the envelope's data, for scripts)",
        DefaultValueFactory = _ => OutputFormat.Table,
        Recursive = true,
    };

    public static readonly Option<string?> Config = new("--config")
    {
        Description = $"a configuration file read after {CliSettings.SystemFile} and ~/.config/platformctl/config.json (also {CliSettings.ConfigEnvironmentName})",
        Recursive = true,
    };

    public static readonly Option<string?> Endpoint = new("--endpoint")
    {
        Description = $"the controller's REST URL (PLATFORMCTL_ENDPOINT; default {CliSettings.DefaultEndpoint})",
        Recursive = true,
    };

    public static readonly Option<string?> Token = new("--token")
    {
        Description = "a credential sent as 'Authorization: Bearer' (PLATFORMCTL_TOKEN)",
        Recursive = true,
    };

    public static readonly Option<string?> Authority = new("--ca")
    {
        Description = $"the platform CA certificate, PEM (PLATFORMCTL_CA; default {Tls.InstalledPki}/ca.crt)",
        Recursive = true,
    };

    public static readonly Option<string?> Certificate = new("--cert")
    {
        Description = $"the operator's client certificate, PEM (PLATFORMCTL_CERT; default {Tls.InstalledPki}/admin.crt)",
        Recursive = true,
    };

    public static readonly Option<string?> Key = new("--key")
    {
        Description = $"the operator certificate's private key, PEM (PLATFORMCTL_KEY; default {Tls.InstalledPki}/admin.key)",
        Recursive = true,
    };

    public static IEnumerable<Option> All => [Output, Config, Endpoint, Token, Authority, Certificate, Key];
}

/// <summary>What one command runs with: its settings, where it writes, and how it ends.</summary>
internal sealed class CliContext
{
    private CliContext(CliSettings settings, OutputFormat format)
    {
        Settings = settings;
        Format = format;
        Interactive = !System.Console.IsErrorRedirected && !System.Console.IsOutputRedirected;
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(System.Console.Out),
            Ansi = Interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = Interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = Interactive ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!Interactive)
        {
            // Redirected output is read by programs: rows are not wrapped at a guessed width.
            Console.Profile.Width = 1000;
        }
        Progress = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(System.Console.Error) });
    }

    public CliSettings Settings { get; }

    public OutputFormat Format { get; }

    /// <summary>Whether a person watches (a terminal on both outputs): progress as a live bar, else as lines.</summary>
    public bool Interactive { get; }

    /// <summary>Results (standard output).</summary>
    public IAnsiConsole Console { get; }

    /// <summary>The live progress bar (standard error).</summary>
    public IAnsiConsole Progress { get; }

    public static TextWriter Out => System.Console.Out;

    public static TextWriter Error => System.Console.Error;

    public static (CliContext? Context, int Exit) From(ParseResult parse)
    {
        var flags = new Dictionary<string, string?>
        {
            ["endpoint"] = parse.GetValue(GlobalOptions.Endpoint),
            ["token"] = parse.GetValue(GlobalOptions.Token),
            ["ca"] = parse.GetValue(GlobalOptions.Authority),
            ["cert"] = parse.GetValue(GlobalOptions.Certificate),
            ["key"] = parse.GetValue(GlobalOptions.Key),
        };
        var (settings, error) = CliSettings.Load(Environment.GetEnvironmentVariable, parse.GetValue(GlobalOptions.Config), flags);
        return settings is null
            ? (null, Fail(new CommandFailure(ExitCode.BadInput, error!)))
            : (new CliContext(settings, parse.GetValue(GlobalOptions.Output)), 0);
    }

    /// <summary>Prints the failure's message on standard error and answers its exit code.</summary>
    public static int Fail(CommandFailure failure)
    {
        Error.WriteLine($"platformctl: {failure.Message}");
        Error.Flush();
        return (int)failure.Exit;
    }

    public Task<T> WithProgressAsync<T>(string title, Func<IProgressSink, Task<T>> work) =>
        ProgressDisplay.RunAsync(Progress, Interactive, Error, title, work);
}
