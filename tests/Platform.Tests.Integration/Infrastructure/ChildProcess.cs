using System.Diagnostics;
using System.Text;

namespace Platform.Tests.Integration.Infrastructure;

internal sealed record ProcessResult(string Command, int ExitCode, string StandardOutput, string StandardError)
{
    public ProcessResult EnsureSuccess() => ExitCode == 0
        ? this
        : throw new InvalidOperationException($"{Command} exited {ExitCode}: {StandardError.Trim()} {StandardOutput.Trim()}");
}

/// <summary>Runs a program with an argument list (never through a shell) and kills its whole tree on timeout.</summary>
internal static class ChildProcess
{
    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        TimeSpan timeout,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            startInfo.Environment[key] = value;
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"could not start {fileName}");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"{Describe(startInfo)} did not finish within {timeout}: {await stderr}");
        }
        return new ProcessResult(Describe(startInfo), process.ExitCode, await stdout, await stderr);
    }

    public static async Task<string> OutputOfAsync(string fileName, params string[] arguments) =>
        (await RunAsync(fileName, arguments, TimeSpan.FromMinutes(2))).EnsureSuccess().StandardOutput;

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
