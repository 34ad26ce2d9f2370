using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Platform.Benchmarks.Infrastructure;

/// <summary>
/// A process this program started: output kept for error messages, stopped by its PID with
/// SIGTERM, then SIGKILL if it does not exit in time.
/// </summary>
internal sealed partial class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly bool _captureStdout;
    private int _stopped;

    private ChildProcess(Process process, string name, bool captureStdout)
    {
        _process = process;
        Name = name;
        _captureStdout = captureStdout;
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public StreamWriter StandardInput => _process.StandardInput;

    /// <summary>Standard output, when the caller reads it line by line itself.</summary>
    public StreamReader StandardOutput => _captureStdout ? throw new InvalidOperationException("stdout is captured") : _process.StandardOutput;

    /// <summary>What the process wrote so far (stderr, and stdout unless the caller reads it).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts <paramref name="fileName"/>. With <paramref name="captureStdout"/> false the caller
    /// reads <see cref="StandardOutput"/>; stderr is always captured.
    /// </summary>
    public static ChildProcess Start(string name, string fileName, IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null, bool captureStdout = true, bool keepStdinOpen = false)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[key] = value;
        }
        var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"could not start {fileName}");
        var child = new ChildProcess(process, name, captureStdout);
        Registry.Add(child);
        if (!keepStdinOpen)
        {
            process.StandardInput.Close();
        }
        process.ErrorDataReceived += (_, e) => child.Append(e.Data);
        process.BeginErrorReadLine();
        if (captureStdout)
        {
            process.OutputDataReceived += (_, e) => child.Append(e.Data);
            process.BeginOutputReadLine();
        }
        return child;
    }

    /// <summary>SIGTERM by PID, wait up to <paramref name="timeout"/>, then SIGKILL by PID. Idempotent.</summary>
    public void Stop(TimeSpan timeout)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }
        try
        {
            if (!_process.HasExited)
            {
                _ = Kill(_process.Id, SigTerm);
                if (!_process.WaitForExit(timeout))
                {
                    _ = Kill(_process.Id, SigKill);
                    _process.WaitForExit(TimeSpan.FromSeconds(5));
                }
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }
    }

    public Task WaitForExitAsync(CancellationToken cancellationToken = default) => _process.WaitForExitAsync(cancellationToken);

    public void Dispose()
    {
        Stop(TimeSpan.FromSeconds(10));
        Registry.Remove(this);
        _process.Dispose();
    }

    /// <summary>User time + system time so far, from /proc/PID/stat.</summary>
    public TimeSpan CpuTime => ProcessCpu.Of(_process.Id);

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private const int SigTerm = 15;
    private const int SigKill = 9;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    /// <summary>Every child still running, so that an interrupted run stops them too.</summary>
    public static class Registry
    {
        private static readonly List<ChildProcess> Running = [];

        public static void Add(ChildProcess child)
        {
            lock (Running)
            {
                Running.Add(child);
            }
        }

        public static void Remove(ChildProcess child)
        {
            lock (Running)
            {
                Running.Remove(child);
            }
        }

        public static void StopAll()
        {
            ChildProcess[] children;
            lock (Running)
            {
                children = [.. Running];
            }
            foreach (var child in children.Reverse())
            {
                child.Stop(TimeSpan.FromSeconds(5));
            }
        }
    }
}
