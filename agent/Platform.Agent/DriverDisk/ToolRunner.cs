using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Platform.Agent.DriverDisk;

/// <summary>How a tool run ended.</summary>
internal sealed record ToolResult(string Command, int ExitCode, string StandardOutput, string StandardError, TimeSpan Elapsed)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>The tool's own words about a failure: the last lines of stderr, else of stdout.</summary>
    public string Reason
    {
        get
        {
            var text = StandardError.Trim().Length > 0 ? StandardError : StandardOutput;
            var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var tail = string.Join(" | ", lines.TakeLast(4));
            return tail.Length == 0 ? $"exit code {ExitCode}" : $"exit code {ExitCode}: {tail}";
        }
    }
}

/// <summary>A tool exited other than expected, or could not be started: a tool failure, not a user error.</summary>
internal sealed class ToolFailedException : Exception
{
    public ToolFailedException()
    {
    }

    public ToolFailedException(string message)
        : base(message)
    {
    }

    public ToolFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ToolFailedException(ToolResult result)
        : base($"{result.Command} failed ({result.Reason})")
    {
        Result = result;
    }

    public ToolResult? Result { get; }
}

/// <summary>
/// Runs a program with an argument list — never through a shell, so nothing in a name can become
/// a command — with stdin closed, and kills it (by its pid, with its children) on timeout or
/// cancellation.
/// </summary>
internal static class ToolRunner
{
    /// <summary>Output kept per stream; a hostile archive's listing is parsed line by line instead.</summary>
    private const int MaxCapturedChars = 256 * 1024;

    /// <param name="onOutputLine">Sees every stdout line (stdout is then not captured); returning false stops the tool.</param>
    public static async Task<ToolResult> RunAsync(
        string program,
        IEnumerable<string> arguments,
        TimeSpan timeout,
        CancellationToken cancellationToken,
        Func<string, bool>? onOutputLine = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var startInfo = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[key] = value;
        }
        var command = Describe(startInfo);
        var clock = Stopwatch.StartNew();
        Process process;
        try
        {
            process = Process.Start(startInfo) ?? throw new ToolFailedException($"{command} could not be started");
        }
        catch (Win32Exception e)
        {
            throw new ToolFailedException($"{command} could not be started: {e.Message}", e);
        }
        using (process)
        {
            process.StandardInput.Close();
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            var stopped = false;
            var stdout = ReadAsync(process.StandardOutput, onOutputLine, () =>
            {
                stopped = true;
                Stop(process);
            });
            var stderr = ReadAsync(process.StandardError, null, null);
            try
            {
                await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Stop(process);
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                await Task.WhenAll(stdout, stderr).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                throw new ToolFailedException($"{command} did not finish within {timeout}");
            }
            var output = await stdout.ConfigureAwait(false);
            var error = await stderr.ConfigureAwait(false);
            var exitCode = stopped && process.ExitCode == 0 ? -1 : process.ExitCode;
            return new ToolResult(command, exitCode, output, error, clock.Elapsed);
        }
    }

    /// <summary>Runs the tool and throws <see cref="ToolFailedException"/> unless it exits 0.</summary>
    public static async Task<ToolResult> RunCheckedAsync(string program, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var result = await RunAsync(program, arguments, timeout, cancellationToken).ConfigureAwait(false);
        return result.Succeeded ? result : throw new ToolFailedException(result);
    }

    private static async Task<string> ReadAsync(StreamReader reader, Func<string, bool>? onLine, Action? stop)
    {
        var captured = new StringBuilder();
        var listening = true;
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            if (onLine is not null)
            {
                if (listening && !onLine(line))
                {
                    listening = false;
                    stop?.Invoke();
                }
                continue;
            }
            if (captured.Length < MaxCapturedChars)
            {
                captured.Append(line).Append('\n');
            }
        }
        return captured.ToString();
    }

    private static void Stop(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static string Describe(ProcessStartInfo startInfo)
    {
        var text = new StringBuilder(startInfo.FileName);
        foreach (var argument in startInfo.ArgumentList)
        {
            text.Append(' ').Append(argument);
        }
        return text.ToString();
    }
}
