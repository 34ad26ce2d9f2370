using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Platform.Tests.Integration.Infrastructure;

/// <summary>
/// One published daemon (<c>dotnet DLL</c>) run as a child process of the tests: configured
/// only through environment variables, its standard output and error kept, stopped by PID with
/// SIGTERM the way systemd stops it, or SIGKILLed like a crash. What the daemon is and when it
/// counts as started is its wrapper's business. Its output also goes to
/// <c>$PLATFORM_TEST_STATE/log/daemons/NAME-PID.log</c> (0600), where the run's secret scan reads it.
/// </summary>
internal sealed class DaemonProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _name;
    private readonly StringBuilder _output = new();
    private readonly StreamWriter _log;
    private bool _logClosed;

    private DaemonProcess(Process process, string name)
    {
        _process = process;
        _name = name;
        var directory = Path.Combine(TestEnvironment.StateDirectory, "log", "daemons");
        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _log = new StreamWriter(new FileStream(Path.Combine(directory, $"{name}-{process.Id}.log"), new FileStreamOptions
        {
            Mode = FileMode.Append,
            Access = FileAccess.Write,
            Share = FileShare.Read,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        })) { AutoFlush = true };
    }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Standard output and error so far.</summary>
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

    /// <summary>The environment variable that sets configuration key <paramref name="key"/> (sections joined by ':').</summary>
    public static string Setting(string key) => "PLATFORM_" + key.Replace(":", "__", StringComparison.Ordinal);

    /// <summary>A port on 127.0.0.1 that nothing listens on right now.</summary>
    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts <c>dotnet <paramref name="dll"/></c> with <paramref name="environment"/> added to the test's own.</summary>
    public static DaemonProcess Start(string name, string dll, IReadOnlyDictionary<string, string> environment) =>
        Start(name, "dotnet", [dll], environment);

    /// <summary>Starts <paramref name="program"/> (an installed daemon's own executable, say) with <paramref name="environment"/> added to the test's own.</summary>
    public static DaemonProcess Start(string name, string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        var startInfo = new ProcessStartInfo(program)
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
        foreach (var (key, value) in environment)
        {
            startInfo.Environment[key] = value;
        }

        var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"could not start {program}");
        process.StandardInput.Close();
        var daemon = new DaemonProcess(process, name);
        process.OutputDataReceived += (_, e) => daemon.Append(e.Data);
        process.ErrorDataReceived += (_, e) => daemon.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return daemon;
    }

    /// <summary>Polls <paramref name="ready"/> until it holds; fails at once when the daemon exits meanwhile.</summary>
    public Task WaitUntilAsync(Func<Task<bool>> ready, TimeSpan timeout, string description) =>
        Eventually.HoldsAsync(async () =>
        {
            Assert.That(_process.HasExited, Is.False, () => $"{_name} exited with {_process.ExitCode}: {Output}");
            return await ready();
        }, timeout, description);

    /// <summary>SIGTERM, then waits for the exit; kills it after <paramref name="timeout"/>. Returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            Signals.Terminate(_process.Id);
            using var deadline = new CancellationTokenSource(timeout);
            try
            {
                await _process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
                throw new TimeoutException($"{_name} {_process.Id} did not stop within {timeout} of SIGTERM: {Output}");
            }
        }
        await _process.WaitForExitAsync(); // drains the output
        return _process.ExitCode;
    }

    /// <summary>SIGKILL, the way a crash ends it: nothing of the daemon runs on the way out. Returns once it has exited.</summary>
    public async Task<int> KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(); // SIGKILL on Linux
        }
        await _process.WaitForExitAsync();
        return _process.ExitCode;
    }

    /// <summary>Stops it (SIGTERM, <paramref name="timeout"/>) unless it has exited, and kills whatever is left.</summary>
    public async ValueTask DisposeAsync(TimeSpan timeout)
    {
        try
        {
            await StopAsync(timeout);
        }
        finally
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
            _process.Dispose();
            lock (_output)
            {
                _logClosed = true;
                _log.Dispose();
            }
        }
    }

    public ValueTask DisposeAsync() => DisposeAsync(TimeSpan.FromSeconds(15));

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
            if (!_logClosed)
            {
                _log.WriteLine(line);
            }
        }
    }
}
