using Microsoft.Extensions.Options;
using Platform.Agent.Compute.Libvirt;

namespace Platform.Agent.Compute;

/// <summary>
/// The agent's one libvirt connection. The event loop starts with the host (before any
/// connection: a connection opened without it delivers no events); the connection opens on
/// first use, so the agent starts and answers health checks while libvirtd is down, and is
/// replaced when it dies. On shutdown the connection goes first, then the loop.
/// </summary>
internal sealed partial class LibvirtHost(IOptions<ComputeOptions> options, ILogger<LibvirtHost> logger) : IHostedService, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private LibvirtEventLoop? _loop;
    private LibvirtConnection? _connection;
    private bool _disposed;

    /// <summary>Raised (under the connection lock) after a new connection opened, e.g. to re-provision the Ceph secret.</summary>
    public event Action? Reconnected;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = LibvirtEventLoop.Start(logger);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    /// <summary>The live connection, opening (or re-opening) it when needed.</summary>
    public async Task<LibvirtConnection> GetConnectionAsync(CancellationToken cancellationToken)
    {
        var current = _connection;
        if (current is not null && current.IsAlive)
        {
            return current;
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_connection is not null && _connection.IsAlive)
            {
                return _connection;
            }
            if (_connection is not null)
            {
                LogReconnecting(logger, _connection.Uri);
                _connection.Dispose();
                _connection = null;
            }
            _connection = await LibvirtConnection.OpenAsync(options.Value.LibvirtUri, logger, cancellationToken);
            Reconnected?.Invoke();
            return _connection;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        _gate.Wait();
        try
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            // The connection before the loop: its callbacks are deregistered while the loop still runs.
            _connection?.Dispose();
            _connection = null;
            _loop?.Dispose();
            _loop = null;
        }
        finally
        {
            _gate.Release();
        }
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "libvirt connection to {Uri} died; reconnecting")]
    private static partial void LogReconnecting(ILogger logger, string uri);
}
