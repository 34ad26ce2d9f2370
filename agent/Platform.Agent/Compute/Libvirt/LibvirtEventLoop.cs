using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Platform.Agent.Compute.Libvirt;

/// <summary>
/// libvirt's default event loop on a dedicated background thread. Domain events, keepalive
/// and the remote driver's asynchronous messages all need it. The loop implementation is
/// registered once per process (libvirt cannot unregister it) and must be registered before
/// a connection that should deliver events is opened: start the loop first, then open
/// connections, and dispose them before the loop. One loop runs at a time.
/// </summary>
internal sealed class LibvirtEventLoop : IDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);
    private static readonly Lock Gate = new();
    private static bool s_registered;
    private static LibvirtEventLoop? s_running;

    private readonly ILogger _logger;
    private readonly Thread _thread;
    private volatile bool _stopping;
    private bool _disposed;

    private LibvirtEventLoop(ILogger logger)
    {
        _logger = logger;
        _thread = new Thread(Run) { IsBackground = true, Name = "libvirt event loop" };
    }

    /// <summary>Whether a loop is running now: connections opened now deliver domain events.</summary>
    public static bool IsRunning
    {
        get
        {
            lock (Gate)
            {
                return s_running is not null;
            }
        }
    }

    /// <summary>virEventRegisterDefaultImpl, once per process.</summary>
    public static void EnsureRegistered()
    {
        lock (Gate)
        {
            if (!s_registered)
            {
                Interop.Libvirt.EventRegisterDefaultImpl();
                s_registered = true;
            }
        }
    }

    /// <summary>Registers the default implementation if needed and starts the loop's thread.</summary>
    public static LibvirtEventLoop Start(ILogger? logger = null)
    {
        lock (Gate)
        {
            if (s_running is not null)
            {
                throw new InvalidOperationException("a libvirt event loop is already running in this process");
            }
            EnsureRegistered();
            var loop = new LibvirtEventLoop(logger ?? NullLogger.Instance);
            loop._thread.Start();
            s_running = loop;
            LibvirtLog.EventLoopStarted(loop._logger);
            return loop;
        }
    }

    private void Run()
    {
        while (!_stopping)
        {
            try
            {
                Interop.Libvirt.EventRunDefaultImpl();
            }
            catch (LibvirtException exception)
            {
                LibvirtLog.EventLoopIterationFailed(_logger, exception);
                Thread.Sleep(100);
            }
        }
    }

    public void Dispose()
    {
        lock (Gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            _stopping = true;
            // The thread is blocked in poll(2): a timer due at once wakes it to see _stopping.
            Interop.Libvirt.EventLoopWake();
            if (!_thread.Join(StopTimeout))
            {
                LibvirtLog.EventLoopDidNotStop(_logger, StopTimeout.TotalSeconds);
            }
            s_running = null;
            LibvirtLog.EventLoopStopped(_logger);
        }
    }
}
