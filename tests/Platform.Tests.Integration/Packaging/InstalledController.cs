using System.Net.Sockets;
using System.Text;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Packaging;

/// <summary>
/// The controller executable a package installed into a <see cref="FreshRoot"/>, started the
/// way its unit starts it: as the package's system user with no capabilities and
/// no_new_privs (setpriv standing in for User=, CapabilityBoundingSet=, NoNewPrivileges=), an
/// environment of its own, its state directory as working directory, the installed
/// /etc/platform as configuration and a notify socket with a watchdog (Type=notify,
/// WatchdogSec=). Only what differs from the shipped conffile (the database, the ports) is
/// set through PLATFORM_* variables.
/// </summary>
internal sealed class InstalledController : IAsyncDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);

    private readonly Socket _notify;
    private readonly string _notifyPath;

    private InstalledController(DaemonProcess daemon, Socket notify, string notifyPath, string restUrl)
    {
        Daemon = daemon;
        _notify = notify;
        _notifyPath = notifyPath;
        RestUrl = restUrl;
    }

    public DaemonProcess Daemon { get; }

    public string RestUrl { get; }

    public static InstalledController Start(FreshRoot root, RootUser user, string connectionString, string workDirectory, TimeSpan watchdog)
    {
        var notifyPath = Path.Combine(workDirectory, $"notify-{Guid.NewGuid():N}.sock");
        var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(notifyPath));
        // The daemon runs as another user and must be able to send to it.
        File.SetUnixFileMode(notifyPath, (UnixFileMode)0b110_110_110);

        var restUrl = $"http://127.0.0.1:{DaemonProcess.FreeLoopbackPort()}";
        var grpcUrl = $"http://127.0.0.1:{DaemonProcess.FreeLoopbackPort()}";
        var stateDirectory = Path.Combine(root.Root, "var", "lib", "platform-controller");
        string[] environment =
        [
            "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
            $"HOME={stateDirectory}",
            $"PLATFORM_CONFIG_DIR={Path.Combine(root.Root, "etc", "platform")}",
            $"{DaemonProcess.Setting("ConnectionStrings:Inventory")}={connectionString}",
            $"{DaemonProcess.Setting("Kestrel:Endpoints:Rest:Url")}={restUrl}",
            $"{DaemonProcess.Setting("Kestrel:Endpoints:Grpc:Url")}={grpcUrl}",
            $"NOTIFY_SOCKET={notifyPath}",
            $"WATCHDOG_USEC={(long)watchdog.TotalMicroseconds}",
        ];
        var executable = Path.Combine(root.UsrLayer, "lib", "platform-controller", "Platform.Controller");
        // env and setpriv exec into the daemon: the process started is the daemon's PID.
        string[] arguments =
        [
            "-i", "-C", stateDirectory, .. environment,
            "setpriv", $"--reuid={user.Uid}", $"--regid={user.Gid}", "--clear-groups",
            "--no-new-privs", "--bounding-set=-all", "--inh-caps=-all", executable,
        ];
        try
        {
            return new InstalledController(DaemonProcess.Start("installed controller", "env", arguments, new Dictionary<string, string>()), notify, notifyPath, restUrl);
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
            Assert.That(Daemon.HasExited, Is.False, () => $"the installed controller exited: {Daemon.Output}");
            await Task.WhenAny(receive, Task.Delay(100));
        }
        try
        {
            return Encoding.UTF8.GetString(buffer, 0, await receive);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"no notification from the installed controller within {timeout}: {Daemon.Output}");
            throw;
        }
    }

    /// <summary>The Uid: and CapEff: lines of /proc/PID/status.</summary>
    public (string Uid, string CapEff) Credentials()
    {
        var lines = File.ReadAllLines($"/proc/{Daemon.Pid}/status");
        string Field(string name) => lines.Single(l => l.StartsWith(name + ":", StringComparison.Ordinal))[(name.Length + 1)..].Trim();
        return (Field("Uid"), Field("CapEff"));
    }

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
