using System.Runtime.InteropServices;

namespace Platform.Benchmarks.Infrastructure;

/// <summary>
/// The shell every benchmark runs in: --help, its options parsed (exit 2 on bad ones), an
/// interrupt that still undoes what the run started, and exit 0 with the numbers whatever they
/// are or 1 when the run itself could not finish.
/// </summary>
internal static class BenchmarkMain
{
    /// <param name="onInterrupt">What SIGINT/SIGTERM must undo before the process exits (children stopped by PID, files, databases), in the run's own order.</param>
    public static async Task<int> RunAsync<TOptions>(string[] args, string usage, Func<string[], TOptions> parse, Func<TOptions, Task> run, Action onInterrupt)
    {
        if (args.Length > 0 && args[0] is "-h" or "--help")
        {
            Console.Error.WriteLine(usage);
            return 0;
        }
        TOptions options;
        try
        {
            options = parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            Console.Error.WriteLine($"{e.Message}\n\n{usage}");
            return 2;
        }

        void Interrupted(PosixSignalContext context)
        {
            context.Cancel = true;
            Console.Error.WriteLine($"benchmark: {context.Signal}, stopping");
            onInterrupt();
            Environment.Exit(130);
        }

        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupted);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupted);
        try
        {
            await run(options);
            return 0;
        }
#pragma warning disable CA1031 // Any failure of the run is reported the same way: message and exit 1.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Console.Error.WriteLine($"benchmark failed: {e}");
            return 1;
        }
    }
}
