using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Platform.Common.Hosting;

/// <summary>
/// sd_notify(3) without libsystemd: READY=1 once the host has started, STOPPING=1 when it
/// begins to stop, and WATCHDOG=1 at half the interval systemd asks for (WatchdogSec=).
/// Does nothing when not started by systemd with Type=notify (no NOTIFY_SOCKET).
/// </summary>
internal sealed partial class SystemdNotifier(IHostApplicationLifetime lifetime, ILogger<SystemdNotifier> logger) : BackgroundService
{
    private readonly string? _socketPath = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (string.IsNullOrEmpty(_socketPath))
        {
            return;
        }
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var started = lifetime.ApplicationStarted.Register(() =>
        {
            Send($"READY=1\nSTATUS=serving\nMAINPID={Environment.ProcessId}");
            ready.TrySetResult();
        });
        using var stopping = lifetime.ApplicationStopping.Register(() => Send("STOPPING=1\nSTATUS=stopping"));

        try
        {
            // Hosted services start before the host has: the pings follow READY=1, never precede it.
            await ready.Task.WaitAsync(stoppingToken).ConfigureAwait(false);
            if (WatchdogInterval() is not { } interval)
            {
                // Without a watchdog the registrations must still live until the host stops (STOPPING=1).
                await Task.Delay(Timeout.Infinite, stoppingToken).ConfigureAwait(false);
                return;
            }
            using var timer = new PeriodicTimer(interval / 2);
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                Send("WATCHDOG=1");
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>WATCHDOG_USEC, when it is meant for this process (WATCHDOG_PID absent or ours).</summary>
    private static TimeSpan? WatchdogInterval()
    {
        var usec = Environment.GetEnvironmentVariable("WATCHDOG_USEC");
        var pid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
        if (!long.TryParse(usec, NumberStyles.None, CultureInfo.InvariantCulture, out var microseconds) || microseconds <= 0)
        {
            return null;
        }
        if (!string.IsNullOrEmpty(pid) && pid != Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
        {
            return null;
        }
        return TimeSpan.FromMicroseconds(microseconds);
    }

    private void Send(string state)
    {
        // A leading '@' names a socket in the abstract namespace.
        var path = _socketPath![0] == '@' ? "\0" + _socketPath[1..] : _socketPath;
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(path));
            socket.Send(Encoding.UTF8.GetBytes(state));
        }
        catch (SocketException e)
        {
            LogNotifyFailed(logger, e, _socketPath, state.Split('\n')[0]);
        }
    }

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Could not notify systemd at {Socket} of {State}")]
    private static partial void LogNotifyFailed(ILogger logger, Exception exception, string socket, string state);
}
