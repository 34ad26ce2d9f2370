using System.Net.Sockets;
using System.Text;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Packaging;

/// <summary>
/// A daemon's executable as a package installed it into a <see cref="FreshRoot"/>, started the
/// way its unit starts it: as the package's system user, with no_new_privs and only the
/// capabilities the unit grants (setpriv standing in for User=, NoNewPrivileges=,
/// CapabilityBoundingSet= and AmbientCapabilities=), an environment of its own, its state
/// directory as working directory, the installed /etc/platform as configuration, and a notify
/// socket with a watchdog (Type=notify, WatchdogSec=). Only what differs from the shipped
/// conffile (ports, the database, paths inside the root) is set through PLATFORM_* variables.
/// </summary>
internal sealed class InstalledDaemon : IAsyncDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    private readonly Socket _notify;
    private readonly string _notifyPath;

    private InstalledDaemon(DaemonProcess daemon, Socket notify, string notifyPath)
    {
        Daemon = daemon;
        _notify = notify;
        _notifyPath = notifyPath;
    }

    public DaemonProcess Daemon { get; }

    /// <param name="daemon">controller or agent.</param>
    /// <param name="capabilities">setpriv's names of the capabilities the unit grants (sys_admin), none for none.</param>
    /// <param name="settings">configuration keys (Section:Key) and their values.</param>
    public static InstalledDaemon Start(FreshRoot root, string daemon, string[] capabilities, IReadOnlyDictionary<string, string> settings, string workDirectory, TimeSpan watchdog)
    {
        var package = $"platform-{daemon}";
        var user = root.User(package) ?? throw new InvalidOperationException($"no {package} user in the root");
        var notifyPath = Path.Combine(workDirectory, $"notify-{Guid.NewGuid():N}.sock");
        var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(notifyPath));
        // The daemon runs as another user and must be able to send to it.
        File.SetUnixFileMode(notifyPath, (UnixFileMode)0b110_110_110);

        var stateDirectory = Path.Combine(root.Root, "var", "lib", package);
        var environment = new List<string>
        {
            "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
            $"HOME={stateDirectory}",
            $"PLATFORM_CONFIG_DIR={Path.Combine(root.Root, "etc", "platform")}",
            $"NOTIFY_SOCKET={notifyPath}",
            $"WATCHDOG_USEC={(long)watchdog.TotalMicroseconds}",
        };
        environment.AddRange(settings.Select(s => $"{DaemonProcess.Setting(s.Key)}={s.Value}"));
        var executable = Path.Combine(root.UsrLayer, "lib", package, $"Platform.{char.ToUpperInvariant(daemon[0])}{daemon[1..]}");
        var granted = string.Concat(capabilities.Select(c => ",+" + c));
        // env and setpriv exec into the daemon: the process started is the daemon's PID.
        string[] arguments =
        [
            "-i", "-C", stateDirectory, .. environment,
            "setpriv", $"--reuid={user.Uid}", $"--regid={user.Gid}", "--clear-groups", "--no-new-privs",
            $"--bounding-set=-all{granted}", $"--inh-caps=-all{granted}", $"--ambient-caps=-all{granted}", executable,
        ];
        try
        {
            return new InstalledDaemon(DaemonProcess.Start($"installed {daemon}", "env", arguments, new Dictionary<string, string>()), notify, notifyPath);
        }
        catch
        {
            notify.Dispose();
            File.Delete(notifyPath);
            throw;
        }
    }

    /// <summary>The next notify message; fails the test when none comes within <paramref name="timeout"/> or the daemon exits meanwhile.</summary>
    public async Task<string> NextNotificationAsync(TimeSpan timeout)
    {
        var buffer = new byte[4096];
        using var deadline = new CancellationTokenSource(timeout);
        var receive = _notify.ReceiveAsync(buffer, SocketFlags.None, deadline.Token).AsTask();
        while (!receive.IsCompleted)
        {
            Assert.That(Daemon.HasExited, Is.False, () => $"the installed daemon exited: {Daemon.Output}");
            await Task.WhenAny(receive, Task.Delay(100));
        }
        try
        {
            return Encoding.UTF8.GetString(buffer, 0, await receive);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"no notification from the installed daemon within {timeout}: {Daemon.Output}");
            throw;
        }
    }

    /// <summary>Waits for READY=1 (the daemon's answer to Type=notify) and returns it.</summary>
    public async Task<string> ReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var message = await NextNotificationAsync(deadline - DateTime.UtcNow);
            if (message.StartsWith("READY=1", StringComparison.Ordinal))
            {
                return message;
            }
        }
    }

    /// <summary>Lines of /proc/PID/status by name (Uid, CapEff, CapBnd, CapAmb, ...).</summary>
    public Dictionary<string, string> Status() =>
        File.ReadAllLines($"/proc/{Daemon.Pid}/status")
            .Select(line => line.Split(':', 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1].Trim());

    public Task<int> StopAsync() => Daemon.StopAsync(StopTimeout);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Daemon.DisposeAsync(StopTimeout);
        }
        finally
        {
            _notify.Dispose();
            File.Delete(_notifyPath);
        }
    }
}
