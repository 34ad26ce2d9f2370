using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Platform.Agent.Storage.Rbd;

namespace Platform.Agent.Storage.Commands;

/// <summary>
/// The agent's one connection to its Ceph cluster, made on first use from <see cref="StorageOptions"/>
/// (not at start-up: the agent serves its other functions while Ceph is away), with an io context
/// per pool kept open alongside. A failed connect is not remembered: the next command tries again.
/// </summary>
internal sealed partial class CephConnection(IOptions<StorageOptions> options, ILogger<CephConnection> logger) : IDisposable
{
    // Short enough that a command (or host info) facing an absent cluster answers within a typical deadline.
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _connecting = new(1, 1);
    private readonly ConcurrentDictionary<string, RbdPool> _pools = new(StringComparer.Ordinal);
    private CephCluster? _cluster;
    private bool _disposed;

    /// <summary>The cluster, connected on first use. Ceph failures surface as <see cref="CephException"/>.</summary>
    public async Task<CephCluster> ClusterAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _cluster) is { } connected)
        {
            return connected;
        }
        await _connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_cluster is null)
            {
                var settings = new CephConnectionOptions { ConfFile = options.Value.CephConf, User = options.Value.CephUser, ConnectTimeout = ConnectTimeout, OsdOperationTimeout = options.Value.OsdOperationTimeout };
                _cluster = await CephCluster.ConnectAsync(settings, cancellationToken).ConfigureAwait(false);
                LogConnected(logger, _cluster.EntityName, _cluster.Fsid);
            }
            return _cluster;
        }
        finally
        {
            _connecting.Release();
        }
    }

    /// <summary>An open pool of the shared connection; connects first when needed.</summary>
    public async Task<RbdPool> PoolAsync(string name, CancellationToken cancellationToken)
    {
        if (_pools.TryGetValue(name, out var pool))
        {
            return pool;
        }
        var cluster = await ClusterAsync(cancellationToken).ConfigureAwait(false);
        await _connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_pools.TryGetValue(name, out pool))
            {
                pool = await cluster.OpenPoolAsync(name, cancellationToken).ConfigureAwait(false);
                _pools[name] = pool;
            }
            return pool;
        }
        finally
        {
            _connecting.Release();
        }
    }

    public void Dispose()
    {
        _connecting.Wait();
        try
        {
            _disposed = true;
            foreach (var pool in _pools.Values)
            {
                pool.Dispose();
            }
            _pools.Clear();
            // Images still open keep the native connection alive until they are closed.
            _cluster?.Dispose();
            _cluster = null;
        }
        finally
        {
            _connecting.Release();
        }
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Connected to Ceph cluster {Fsid} as {Entity}")]
    private static partial void LogConnected(ILogger logger, string entity, string fsid);
}
